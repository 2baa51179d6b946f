using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Lambda</c>: wraps a C# function of the input as a layer, e.g. <c>new Lambda(x =&gt; x * 2)</c> or
    /// <c>new Lambda((x, mask) =&gt; ...)</c> for a function that reads the input's mask. The output shape is
    /// <c>outputShape</c> (without batch) or <c>computeOutputShape</c>'s; given neither, it is inferred by running the
    /// function on placeholder inputs, as Keras 3's <c>compute_output_spec</c> (an axis of unknown size is tried with two
    /// sizes; an output axis that follows it is unknown). The layer has no weights. A delegate cannot be written to a
    /// config, so <see cref="GetConfig"/> (and with it saving a whole model, or <c>ToJson</c>) refuses; a Keras file's
    /// <c>Lambda</c> holds Python code, which <see cref="FromConfig"/> refuses.
    /// </summary>
    public class Lambda : Layer
    {
        // The sizes an unknown axis takes in the placeholder runs: two, so that an output axis that depends on it shows.
        private static readonly int[] PlaceholderSizes = { 2, 3 };

        private readonly Func<Tensor, Tensor?, Tensor> function;
        private readonly int?[]? outputShape;
        private readonly Func<int?[], int?[]>? computeOutputShape;
        private readonly Func<Tensor, Tensor?, Tensor?>? mask;
        private readonly Dictionary<string, int?[]> inferredShapes = new(StringComparer.Ordinal);

        /// <summary>Wraps <paramref name="function"/>.</summary>
        /// <param name="function">The layer's computation.</param>
        /// <param name="outputShape">The output shape without the batch axis (Keras's <c>output_shape</c> as a tuple).</param>
        /// <param name="computeOutputShape">The output shape (batch axis included) for an input shape (Keras's callable
        /// <c>output_shape</c>); wins over <paramref name="outputShape"/>.</param>
        /// <param name="mask">The output mask for the input and its mask (Keras's <c>mask</c>); given one, the layer
        /// supports masking. Null: the output carries no mask.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>lambda</c>, <c>lambda_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Lambda(Func<Tensor, Tensor> function, int?[]? outputShape = null, Func<int?[], int?[]>? computeOutputShape = null,
            Func<Tensor, Tensor?, Tensor?>? mask = null, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : this(Ignoring(function ?? throw new ArgumentNullException(nameof(function))), outputShape, computeOutputShape, mask, inputShape, name, batchInputShape, batchSize)
        {
        }

        /// <summary>Wraps <paramref name="function"/>, which takes the input and its mask (null when it has none), as a
        /// Keras function with a <c>mask</c> argument.</summary>
        /// <param name="function">The layer's computation, of the input and its mask.</param>
        /// <param name="outputShape">The output shape without the batch axis.</param>
        /// <param name="computeOutputShape">The output shape (batch axis included) for an input shape; wins over <paramref name="outputShape"/>.</param>
        /// <param name="mask">The output mask for the input and its mask; null: the output carries no mask.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>lambda</c>, <c>lambda_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Lambda(Func<Tensor, Tensor?, Tensor> function, int?[]? outputShape = null, Func<int?[], int?[]>? computeOutputShape = null,
            Func<Tensor, Tensor?, Tensor?>? mask = null, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            this.function = function ?? throw new ArgumentNullException(nameof(function));
            this.outputShape = (int?[]?)outputShape?.Clone();
            this.computeOutputShape = computeOutputShape;
            this.mask = mask;
        }

        private static Func<Tensor, Tensor?, Tensor> Ignoring(Func<Tensor, Tensor> function) => (x, _) => function(x);

        /// <summary>True when the layer was given a <c>mask</c> function, as Keras.</summary>
        public override bool SupportsMasking => mask is not null;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(function(inputs, mask));

        /// <summary>The output mask: the <c>mask</c> function's, or none (Keras's <c>compute_mask</c>).</summary>
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => this.mask?.Invoke(inputs, mask);

        /// <summary>
        /// Keras's <c>compute_output_shape</c>: <c>computeOutputShape</c>'s, else the batch size followed by
        /// <c>outputShape</c>, else the shape of the function's output on placeholder inputs of
        /// <paramref name="inputShape"/>.
        /// </summary>
        /// <exception cref="InvalidOperationException">The function failed on the placeholders.</exception>
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            ArgumentNullException.ThrowIfNull(inputShape);
            if (computeOutputShape is not null) return computeOutputShape((int?[])inputShape.Clone());
            if (outputShape is not null) return new[] { inputShape[0] }.Concat(outputShape).ToArray();
            string key = ShapeUtils.Format(inputShape);
            lock (inferredShapes)
            {
                if (!inferredShapes.TryGetValue(key, out var inferred)) inferredShapes[key] = inferred = Infer(inputShape);
                return (int?[])inferred.Clone();
            }
        }

        // Runs the function on zeros of the input shape, each unknown axis at each placeholder size: an output axis is
        // known when every run gives it the same size.
        private int?[] Infer(int?[] inputShape)
        {
            var runs = new List<long[]>();
            try
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                foreach (int size in inputShape.Any(d => d is null) ? PlaceholderSizes : PlaceholderSizes.Take(1))
                {
                    var placeholder = zeros(inputShape.Select(d => (long)(d ?? size)).ToArray());
                    runs.Add(function(placeholder, null).shape);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"Layer \"{Name}\" (Lambda): We could not automatically infer the shape of the Lambda's output. " +
                    "Please specify the `outputShape` (or `computeOutputShape`) argument for this Lambda layer.", e);
            }
            if (runs.Any(r => r.Length != runs[0].Length))
                throw new InvalidOperationException(
                    $"Layer \"{Name}\" (Lambda): the function's output rank depends on the input's unknown sizes. " +
                    "Please specify the `outputShape` (or `computeOutputShape`) argument for this Lambda layer.");
            return Enumerable.Range(0, runs[0].Length)
                .Select(i => runs.All(r => r[i] == runs[0][i]) ? (int?)runs[0][i] : null).ToArray();
        }

        /// <summary>Refuses: a C# delegate cannot be written to a config (Keras serializes a Python lambda's bytecode,
        /// which has no C# counterpart). Save the weights only (<c>SaveWeights</c>) and rebuild the model in code.</summary>
        /// <exception cref="NotSupportedException">Always.</exception>
        public override Dictionary<string, object?> GetConfig()
            => throw new NotSupportedException(
                $"Layer \"{Name}\" (Lambda) cannot be serialized: its function is a C# delegate, which cannot be saved in a config. " +
                "Save the model's weights only (SaveWeights) and rebuild the model in code, or replace the Lambda with a layer class " +
                "that has a config (registered with LayerRegistry.Register).");

        /// <summary>Refuses a Keras <c>Lambda</c> config: its <c>function</c> is Python code, which RnnSharp cannot run.
        /// Register a replacement first: <c>LayerRegistry.Register("Lambda", config =&gt; new Lambda(x =&gt; ..., name:
        /// config.Name))</c>.</summary>
        /// <exception cref="ArgumentException">Always.</exception>
        public static Lambda FromConfig(Saving.LayerConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            throw new ArgumentException(
                $"Layer \"{config.Name ?? "lambda"}\" (Lambda) cannot be loaded: its function is Python code, which RnnSharp cannot run. " +
                "Register a C# replacement before loading, e.g. LayerRegistry.Register(\"Lambda\", config => new Lambda(x => ..., name: config.Name)).",
                nameof(config));
        }
    }
}
