using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Losses
{
    /// <summary>
    /// Base class of Keras-style losses. <see cref="Call"/> returns the scalar loss with Keras's default reduction
    /// <c>"sum_over_batch_size"</c>; <see cref="PerSample"/> returns the unreduced per-sample losses (used by metrics).
    /// </summary>
    /// <remarks>
    /// <para>Input conformance follows Keras 2's <c>model.compile</c> path: <c>compile_utils.match_dtype_and_rank</c>
    /// (labels of shape <c>(N,)</c> next to predictions of shape <c>(N, C)</c> get a trailing axis, and so do rank-1
    /// sample weights), then <c>LossFunctionWrapper</c>'s <c>squeeze_or_expand_dimensions</c> (a trailing size-1 axis
    /// is squeezed when the ranks differ by one). Labels are cast to the prediction's dtype and device.</para>
    /// <para>Reduction (Keras's <c>compute_weighted_loss</c>): <c>sum(per_sample * sample_weight) / size(per_sample * sample_weight)</c>,
    /// with the weights conformed by <c>squeeze_or_expand_dimensions</c> and broadcast; 0 when there is nothing to reduce.</para>
    /// </remarks>
    public abstract class Loss
    {
        /// <summary>Keras's fuzz factor <c>backend.epsilon()</c>, used to clip probabilities.</summary>
        public const double Epsilon = 1e-7;

        private static readonly string[] Known =
        {
            "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
            "mean_squared_error", "mse", "mean_absolute_error", "mae", "huber", "huber_loss",
        };

        /// <summary>Creates a loss with the given name.</summary>
        /// <param name="name">The loss's name (Keras's default names are snake_case, e.g. <c>"binary_crossentropy"</c>).</param>
        protected Loss(string name)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            Name = name;
        }

        /// <summary>The loss's name.</summary>
        public string Name { get; }

        /// <summary>The names <see cref="Get"/> resolves (snake_case Keras names; the Keras class names work as well).</summary>
        public static IReadOnlyList<string> KnownNames => Known;

        /// <summary>
        /// Computes the scalar loss: per-sample losses, times the sample weights, summed and divided by the number
        /// of weighted elements (Keras's <c>"sum_over_batch_size"</c>). Differentiable with respect to <paramref name="yPred"/>.
        /// </summary>
        /// <param name="yTrue">Ground truth (any numeric dtype; cast to <paramref name="yPred"/>'s dtype and device).</param>
        /// <param name="yPred">Predictions.</param>
        /// <param name="sampleWeight">Optional weights: a scalar, per-sample <c>(N,)</c>, or any shape Keras accepts.</param>
        /// <returns>A 0-dimensional tensor owned by the caller.</returns>
        /// <exception cref="ArgumentException">The shapes of the inputs cannot be matched.</exception>
        public Tensor Call(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
        {
            ArgumentNullException.ThrowIfNull(yTrue);
            ArgumentNullException.ThrowIfNull(yPred);
            using var scope = NewDisposeScope();
            // Keras computes losses in float32 whatever the model's compute dtype (mixed precision).
            yPred = Layers.Layer.Float32IfLowPrecision(yPred);
            yTrue = Layers.Layer.Float32IfLowPrecision(yTrue);
            var losses = PerSampleCore(yTrue, yPred);
            var weighted = losses;
            if (sampleWeight is not null)
            {
                var w = sampleWeight.to(losses.dtype, losses.device);
                w = LossShapes.MatchRank(w, yPred);
                w = LossShapes.ConformWeights(losses, w, Name);
                if (!LossShapes.Broadcastable(losses.shape, w.shape))
                    throw new ArgumentException(
                        $"{Name}: sample_weight shape {LossShapes.Format(sampleWeight.shape)} cannot be broadcast to the per-sample losses of shape {LossShapes.Format(losses.shape)}.",
                        nameof(sampleWeight));
                weighted = losses * w;
            }
            long count = weighted.numel();
            // divide_no_nan: an empty batch reduces to 0 rather than NaN.
            var total = weighted.sum();
            var result = count == 0 ? total : total / count;
            return result.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Computes the unreduced per-sample losses (Keras's loss function, e.g. <c>keras.losses.binary_crossentropy</c>),
        /// after the same input conformance as <see cref="Call"/>. For most losses this averages over the last axis.
        /// </summary>
        /// <param name="yTrue">Ground truth.</param>
        /// <param name="yPred">Predictions.</param>
        /// <returns>A tensor of per-sample losses owned by the caller.</returns>
        public Tensor PerSample(Tensor yTrue, Tensor yPred)
        {
            ArgumentNullException.ThrowIfNull(yTrue);
            ArgumentNullException.ThrowIfNull(yPred);
            using var scope = NewDisposeScope();
            return PerSampleCore(yTrue, yPred).MoveToOuterDisposeScope();
        }

        private Tensor PerSampleCore(Tensor yTrue, Tensor yPred)
        {
            var (t, p) = Conform(yTrue, yPred);
            return ComputePerSample(t, p);
        }

        /// <summary>
        /// Brings labels and predictions to matching shapes and dtypes (see the class remarks) and validates them.
        /// The default requires identical shapes after conformance.
        /// </summary>
        /// <param name="yTrue">Ground truth as given.</param>
        /// <param name="yPred">Predictions as given.</param>
        /// <returns>The conformed pair.</returns>
        protected virtual (Tensor YTrue, Tensor YPred) Conform(Tensor yTrue, Tensor yPred)
        {
            var p = LossShapes.AsFloating(yPred);
            var t = LossShapes.MatchRank(yTrue, p).to(p.dtype, p.device);
            (t, p) = LossShapes.RemoveSqueezable(t, p);
            if (!LossShapes.SameShape(t.shape, p.shape))
                throw new ArgumentException(
                    $"{Name}: y_true shape {LossShapes.Format(yTrue.shape)} is incompatible with y_pred shape {LossShapes.Format(yPred.shape)}.");
            return (t, p);
        }

        /// <summary>Computes the per-sample losses from conformed inputs.</summary>
        /// <param name="yTrue">Conformed ground truth (same dtype and device as <paramref name="yPred"/>).</param>
        /// <param name="yPred">Conformed predictions.</param>
        /// <returns>The per-sample losses.</returns>
        protected abstract Tensor ComputePerSample(Tensor yTrue, Tensor yPred);

        /// <summary>
        /// Resolves a Keras loss name with Keras's defaults: <c>"binary_crossentropy"</c>, <c>"categorical_crossentropy"</c>,
        /// <c>"sparse_categorical_crossentropy"</c>, <c>"mse"</c>/<c>"mean_squared_error"</c>, <c>"mae"</c>/<c>"mean_absolute_error"</c>,
        /// <c>"huber"</c>/<c>"huber_loss"</c>, and the class names (<c>"BinaryCrossentropy"</c>, ...). Case and underscores are ignored.
        /// </summary>
        /// <param name="name">The loss name.</param>
        /// <returns>A new loss instance.</returns>
        /// <exception cref="ArgumentException">The name is unknown.</exception>
        public static Loss Get(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            return Normalize(name) switch
            {
                "binarycrossentropy" => new BinaryCrossentropy(),
                "categoricalcrossentropy" => new CategoricalCrossentropy(),
                "sparsecategoricalcrossentropy" => new SparseCategoricalCrossentropy(),
                "mse" or "meansquarederror" => new MeanSquaredError(),
                "mae" or "meanabsoluteerror" => new MeanAbsoluteError(),
                "huber" or "huberloss" => new Huber(),
                _ => throw new ArgumentException(
                    $"Unknown loss '{name}'. Known losses: {string.Join(", ", Known)}.", nameof(name)),
            };
        }

        /// <summary>Resolves a Keras loss name, so <c>Compile(loss: "mse")</c> works. See <see cref="Get"/>.</summary>
        /// <param name="name">The loss name.</param>
        public static implicit operator Loss(string name) => Get(name);

        /// <summary>The loss's arguments with Keras 3's keys, as <c>get_config()</c>: <c>name</c>, <c>reduction</c>
        /// (always Keras's default <c>sum_over_batch_size</c>), then each loss's own.</summary>
        public virtual Dictionary<string, object?> GetConfig() => new()
        {
            ["name"] = Name,
            ["reduction"] = "sum_over_batch_size",
        };

        /// <summary>The loss as Keras 3 serializes it: <c>{"module": "keras.losses", "class_name": "BinaryCrossentropy",
        /// "config": {...}, "registered_name": null}</c>.</summary>
        public Dictionary<string, object?> Serialize() => Saving.Keras3Serialization.Wrap("keras.losses", GetType().Name, GetConfig());

        /// <summary>
        /// Rebuilds a loss from a Keras compile configuration: a name (<c>"mse"</c>), Keras 3's form of a loss
        /// function (<c>{"class_name": "function", "config": "binary_crossentropy"}</c>) or a loss object
        /// (<c>{"class_name": "BinaryCrossentropy", "config": {...}}</c>). Options RnnSharp does not have (another
        /// reduction, another axis, <c>ignore_class</c>) are refused, never dropped.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown loss, or a value RnnSharp cannot honour.</exception>
        public static Loss Deserialize(object serialized)
        {
            if (serialized is string name) return Get(name);
            if (serialized is not IReadOnlyDictionary<string, object?> entry || entry.GetValueOrDefault("class_name") is not string className)
                throw new ArgumentException($"A loss must be a name or {{\"class_name\": ..., \"config\": {{...}}}}, not {serialized}.", nameof(serialized));
            if (className == "function" && entry.GetValueOrDefault("config") is string function) return Get(function);
            var config = entry.GetValueOrDefault("config") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            var type = Normalize(className) switch
            {
                "binarycrossentropy" => typeof(BinaryCrossentropy),
                "categoricalcrossentropy" => typeof(CategoricalCrossentropy),
                "sparsecategoricalcrossentropy" => typeof(SparseCategoricalCrossentropy),
                "meansquarederror" => typeof(MeanSquaredError),
                "meanabsoluteerror" => typeof(MeanAbsoluteError),
                "huber" => typeof(Huber),
                _ => throw new ArgumentException($"Unknown loss class: '{className}'. Known losses: {string.Join(", ", Known)}.", nameof(serialized)),
            };
            // Keras 2 writes reduction "auto", which is Keras 3's "sum_over_batch_size".
            foreach (var (key, allowed) in new (string, object?[])[] { ("reduction", new object?[] { null, "auto", "sum_over_batch_size" }), ("axis", new object?[] { null, -1L, -1 }), ("ignore_class", new object?[] { null }) })
            {
                var value = config.GetValueOrDefault(key);
                if (!allowed.Any(a => Equals(a, value)))
                    throw new ArgumentException($"Loss {className}: \"{key}\" = {value} is not supported by RnnSharp's losses.", nameof(serialized));
            }
            return (Loss)Utils.ConfigArguments.Instantiate(type, config, $"Loss {className}", out _);
        }

        /// <inheritdoc/>
        public override string ToString() => Name;

        internal static string Normalize(string name) =>
            new string(name.Where(c => c != '_').Select(char.ToLowerInvariant).ToArray());

        /// <summary>Clips probabilities to <c>[epsilon, 1 - epsilon]</c> exactly as Keras's backend does.</summary>
        internal static Tensor ClipProbabilities(Tensor p) => p.clamp(Epsilon, 1.0 - Epsilon);
    }
}
