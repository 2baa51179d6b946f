using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Permute</c>: reorders the axes of each sample by <see cref="Dims"/> (1-based, batch axis not included),
    /// e.g. <c>[2, 1]</c> swaps the time and feature axes of <c>(batch, steps, features)</c>.
    /// </summary>
    public class Permute : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="dims">The permutation of the axes 1..n.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>permute</c>, <c>permute_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Permute(int[] dims, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            ArgumentNullException.ThrowIfNull(dims);
            if (!dims.OrderBy(d => d).SequenceEqual(Enumerable.Range(1, dims.Length)))
                throw new ArgumentException(
                    "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. " +
                    $"Received dims=({string.Join(", ", dims)}{(dims.Length == 1 ? "," : "")})", nameof(dims));
            Dims = (int[])dims.Clone();
            InputSpec = new InputSpec(ndim: dims.Length + 1);
        }

        /// <summary>The permutation (1-based).</summary>
        public IReadOnlyList<int> Dims { get; }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
            => new[] { inputShape[0] }.Concat(Dims.Select(d => inputShape[d])).ToArray();

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(inputs.permute(new long[] { 0 }.Concat(Dims.Select(d => (long)d)).ToArray()));

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["dims"] = Dims.ToArray();
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static Permute FromConfig(Saving.LayerConfig config) => FromConfig<Permute>(config);
    }
}
