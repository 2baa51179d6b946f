using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Reshape</c>: reshapes each sample to <see cref="TargetShape"/> (batch axis not included; one entry may
    /// be -1, inferred from the input's size).
    /// </summary>
    public class Reshape : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="targetShape">The shape of each sample, e.g. <c>[3, 4]</c> or <c>[-1, 2]</c>.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>reshape</c>, <c>reshape_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Reshape(int[] targetShape, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            ArgumentNullException.ThrowIfNull(targetShape);
            if (targetShape.Count(d => d < 0) > 1)
                throw new ArgumentException(
                    $"There must be at most one unknown dimension in output_shape. Received: output_shape={Format(targetShape)}.", nameof(targetShape));
            TargetShape = (int[])targetShape.Clone();
        }

        /// <summary>The shape of each sample (-1: inferred).</summary>
        public IReadOnlyList<int> TargetShape { get; }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            var rest = inputShape.Skip(1).ToArray();
            if (rest.Any(d => d is null))
                return new[] { inputShape[0] }.Concat(TargetShape.Select(d => d == -1 ? null : (int?)d)).ToArray();
            return new[] { inputShape[0] }.Concat(Fix(rest.Select(d => d!.Value).ToArray()).Select(d => (int?)d)).ToArray();
        }

        // Keras's _fix_unknown_dimension: the -1 entry from the input's size, and the sizes checked.
        private int[] Fix(int[] inputShape)
        {
            var output = TargetShape.ToArray();
            string message = $"total size of new array must be unchanged, input_shape = {Format(inputShape)}, output_shape = {Format(output)}";
            long known = output.Where(d => d >= 0).Aggregate(1L, (a, d) => a * d);
            long original = inputShape.Aggregate(1L, (a, d) => a * d);
            int unknown = Array.FindIndex(output, d => d < 0);
            if (unknown >= 0)
            {
                if (known == 0 || original % known != 0) throw new ShapeMismatchException($"Layer \"{Name}\": {message}");
                output[unknown] = (int)(original / known);
            }
            else if (original != known)
            {
                throw new ShapeMismatchException($"Layer \"{Name}\": {message}");
            }
            return output;
        }

        private static string Format(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            var sample = Fix(inputs.shape.Skip(1).Select(d => (int)d).ToArray());
            return new LayerOutput(inputs.reshape(new[] { inputs.shape[0] }.Concat(sample.Select(d => (long)d)).ToArray()));
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["target_shape"] = TargetShape.ToArray();
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static Reshape FromConfig(Saving.LayerConfig config) => FromConfig<Reshape>(config);
    }
}
