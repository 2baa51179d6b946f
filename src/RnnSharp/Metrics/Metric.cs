using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Base class of stateful Keras-style metrics: <see cref="UpdateState"/> accumulates on the device without any host
    /// synchronisation, <see cref="Result"/>/<see cref="ResultValue"/> read the value, <see cref="ResetState"/> starts over.
    /// </summary>
    public abstract class Metric : IDisposable
    {
        private static readonly string[] Known =
        {
            "accuracy", "acc", "crossentropy", "ce", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
            "mean_squared_error", "mse", "mean_absolute_error", "mae",
            "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
        };

        /// <summary>Creates a metric with the given name.</summary>
        /// <param name="name">The name shown in training logs.</param>
        protected Metric(string name)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            Name = name;
        }

        /// <summary>The metric's name as shown in training logs (e.g. <c>"acc"</c>, <c>"mae"</c>; for a model with several
        /// outputs the trainer prefixes the output's name, <c>"dense_acc"</c>, as Keras 2 does).</summary>
        public string Name { get; internal set; }

        /// <summary>The names <see cref="Get"/> resolves (Keras's snake_case names; class names work as well).</summary>
        public static IReadOnlyList<string> KnownNames => Known;

        /// <summary>Accumulates one batch. Never synchronises with the host.</summary>
        /// <param name="yTrue">Ground truth.</param>
        /// <param name="yPred">Predictions.</param>
        /// <param name="sampleWeight">Optional sample weights.</param>
        public abstract void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null);

        /// <summary>The current value as a new 0-dimensional tensor on the state's device (owned by the caller).</summary>
        /// <returns>The metric value.</returns>
        public abstract Tensor Result();

        /// <summary>The current value copied to the host (the only place a metric synchronises).</summary>
        /// <returns>The metric value.</returns>
        public double ResultValue()
        {
            using var scope = NewDisposeScope();
            return Result().to_type(ScalarType.Float64).cpu().item<double>();
        }

        /// <summary>Clears the accumulated state (keeps its device allocation).</summary>
        public abstract void ResetState();

        /// <summary>Keras's <c>metric.variables</c>: the state tensors <see cref="UpdateState"/> accumulates into, as sums
        /// (data-parallel training adds them up over the processes). Empty for a metric that does not expose them.</summary>
        public virtual IReadOnlyList<Tensor> Variables => Array.Empty<Tensor>();

        /// <summary>Releases the native state tensors.</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the native state tensors.</summary>
        /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
        protected virtual void Dispose(bool disposing)
        {
        }

        /// <inheritdoc/>
        public override string ToString() => Name;

        /// <summary>
        /// Resolves a Keras metric name the way Keras 2's <c>model.compile(metrics=[...])</c> does. The metric keeps the
        /// given spelling as its <see cref="Name"/> (<c>"acc"</c> stays <c>"acc"</c>, <c>"mae"</c> stays <c>"mae"</c>), except
        /// that a class name such as <c>"BinaryAccuracy"</c> gives that class's default name (<c>"binary_accuracy"</c>).
        /// </summary>
        /// <remarks>
        /// <para><c>"accuracy"</c>/<c>"acc"</c> (and <c>"crossentropy"</c>/<c>"ce"</c>) pick the binary, sparse categorical or
        /// categorical variant:</para>
        /// <list type="bullet">
        /// <item>When both <paramref name="outputShape"/> and <paramref name="targetShape"/> are known, by TF 2.x Keras 2's
        /// <c>compile_utils</c> rule (also Keras 3's): binary if the output's last axis is 1; otherwise sparse if the target
        /// has lower rank than the output, or its last axis is 1 while the output's is larger; otherwise categorical.</item>
        /// <item>Otherwise by the loss, as Keras's <c>training_utils.get_metric_function</c> (<c>compile</c> before
        /// targets are seen): binary if the output's last axis is 1 or the loss is binary cross-entropy; sparse if the
        /// loss is sparse categorical cross-entropy; otherwise categorical.</item>
        /// </list>
        /// <para>Name matching ignores case and underscores.</para>
        /// </remarks>
        /// <param name="name">The metric name.</param>
        /// <param name="loss">The compiled loss, used to resolve accuracy when no target shape is known.</param>
        /// <param name="outputShape">The model output's shape (the batch axis may be any value).</param>
        /// <param name="targetShape">The targets' shape as given to <c>Fit</c>, before any rank matching.</param>
        /// <returns>A new metric instance.</returns>
        /// <exception cref="ArgumentException">The name is unknown.</exception>
        public static Metric Get(string name, Loss? loss = null, long[]? outputShape = null, long[]? targetShape = null)
        {
            ArgumentNullException.ThrowIfNull(name);
            switch (Loss.Normalize(name))
            {
                case "accuracy":
                case "acc":
                    return ResolveVariant(loss, outputShape, targetShape) switch
                    {
                        Variant.Binary => new BinaryAccuracy(name),
                        Variant.Sparse => new SparseCategoricalAccuracy(name),
                        _ => new CategoricalAccuracy(name),
                    };
                case "crossentropy":
                case "ce":
                    return ResolveVariant(loss, outputShape, targetShape) switch
                    {
                        Variant.Binary => new BinaryCrossentropy(name),
                        Variant.Sparse => new SparseCategoricalCrossentropy(name),
                        _ => new CategoricalCrossentropy(name),
                    };
                case "binaryaccuracy":
                    return new BinaryAccuracy(DisplayName(name, nameof(BinaryAccuracy), "binary_accuracy"));
                case "categoricalaccuracy":
                    return new CategoricalAccuracy(DisplayName(name, nameof(CategoricalAccuracy), "categorical_accuracy"));
                case "sparsecategoricalaccuracy":
                    return new SparseCategoricalAccuracy(DisplayName(name, nameof(SparseCategoricalAccuracy), "sparse_categorical_accuracy"));
                case "mse":
                case "meansquarederror":
                    return new MeanSquaredError(DisplayName(name, nameof(MeanSquaredError), "mean_squared_error"));
                case "mae":
                case "meanabsoluteerror":
                    return new MeanAbsoluteError(DisplayName(name, nameof(MeanAbsoluteError), "mean_absolute_error"));
                case "binarycrossentropy":
                    return new BinaryCrossentropy(DisplayName(name, nameof(BinaryCrossentropy), "binary_crossentropy"));
                case "categoricalcrossentropy":
                    return new CategoricalCrossentropy(DisplayName(name, nameof(CategoricalCrossentropy), "categorical_crossentropy"));
                case "sparsecategoricalcrossentropy":
                    return new SparseCategoricalCrossentropy(DisplayName(name, nameof(SparseCategoricalCrossentropy), "sparse_categorical_crossentropy"));
                default:
                    throw new ArgumentException($"Unknown metric '{name}'. Known metrics: {string.Join(", ", Known)}.", nameof(name));
            }
        }

        /// <summary>Resolves a Keras metric name without shape or loss information. See <see cref="Get"/>.</summary>
        /// <param name="name">The metric name.</param>
        public static implicit operator Metric(string name) => Get(name);

        private enum Variant
        {
            Binary,
            Sparse,
            Categorical,
        }

        private static Variant ResolveVariant(Loss? loss, long[]? outputShape, long[]? targetShape)
        {
            if (outputShape is { Length: > 0 } && targetShape is { Length: > 0 })
            {
                long outLast = outputShape[^1], targetLast = targetShape[^1];
                if (outLast == 1)
                    return Variant.Binary;
                if (targetShape.Length < outputShape.Length || (targetLast == 1 && outLast > 1))
                    return Variant.Sparse;
                return Variant.Categorical;
            }
            if ((outputShape is { Length: > 0 } && outputShape[^1] == 1) || loss is Losses.BinaryCrossentropy)
                return Variant.Binary;
            if (loss is Losses.SparseCategoricalCrossentropy)
                return Variant.Sparse;
            return Variant.Categorical;
        }

        // A class name ("MeanSquaredError") yields the class's default Keras name; any other spelling is kept verbatim.
        private static string DisplayName(string given, string className, string defaultName) =>
            string.Equals(given, className, StringComparison.Ordinal) ? defaultName : given;
    }
}
