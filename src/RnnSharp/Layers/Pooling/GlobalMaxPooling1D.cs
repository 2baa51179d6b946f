using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>GlobalMaxPooling1D</c>: the maximum over the steps axis, <c>(batch, steps, features)</c> to
    /// <c>(batch, features)</c> (or <c>(batch, 1, features)</c> with <c>keepdims</c>). A mask is ignored, as in tf-keras
    /// and Keras 3 (whose <c>call</c> takes none): padded steps take part in the maximum. No mask leaves the layer.
    /// </summary>
    public class GlobalMaxPooling1D : GlobalPooling1D
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="dataFormat"><c>channels_last</c> (default, <c>(batch, steps, features)</c>) or
        /// <c>channels_first</c> (<c>(batch, features, steps)</c>).</param>
        /// <param name="keepdims">Whether to keep the steps axis, with length 1 (default false).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>global_max_pooling1d</c>, <c>global_max_pooling1d_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public GlobalMaxPooling1D(string? dataFormat = "channels_last", bool keepdims = false, int?[]? inputShape = null, string? name = null,
            int?[]? batchInputShape = null, int? batchSize = null)
            : base(dataFormat, keepdims, inputShape, name, batchInputShape, batchSize)
        {
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(inputs.amax(new long[] { StepsAxis }, keepdim: Keepdims));

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static GlobalMaxPooling1D FromConfig(Saving.LayerConfig config) => FromConfig<GlobalMaxPooling1D>(config);
    }
}
