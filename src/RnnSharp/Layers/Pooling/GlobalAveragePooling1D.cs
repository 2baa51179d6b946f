using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>GlobalAveragePooling1D</c>: the mean over the steps axis, <c>(batch, steps, features)</c> to
    /// <c>(batch, features)</c> (or <c>(batch, 1, features)</c> with <c>keepdims</c>). With a <c>(batch, steps)</c> mask it
    /// averages only the unmasked steps: the sum of the masked inputs over the number of valid steps, so a right-padded
    /// sequence pools as the unpadded one. No mask leaves the layer.
    /// </summary>
    public class GlobalAveragePooling1D : GlobalPooling1D
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="dataFormat"><c>channels_last</c> (default, <c>(batch, steps, features)</c>) or
        /// <c>channels_first</c> (<c>(batch, features, steps)</c>).</param>
        /// <param name="keepdims">Whether to keep the steps axis, with length 1 (default false).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>global_average_pooling1d</c>, <c>global_average_pooling1d_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public GlobalAveragePooling1D(string? dataFormat = "channels_last", bool keepdims = false, int?[]? inputShape = null, string? name = null,
            int?[]? batchInputShape = null, int? batchSize = null)
            : base(dataFormat, keepdims, inputShape, name, batchInputShape, batchSize)
        {
        }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (mask is null) return new LayerOutput(inputs.mean(new long[] { StepsAxis }, keepdim: Keepdims));
            // tf-keras multiplies the inputs by the mask (Keras 3 selects with where instead, so a NaN or inf at a masked
            // step stays out of its sum); RnnSharp follows tf-keras. A fully masked row gives 0/0 = NaN in both.
            using var weights = mask.to_type(inputs.dtype).unsqueeze(DataFormat == "channels_last" ? 2 : 1);
            using var masked = inputs * weights;
            using var sum = masked.sum(new long[] { StepsAxis }, keepdim: Keepdims);
            using var count = weights.sum(new long[] { StepsAxis }, keepdim: Keepdims);
            return new LayerOutput(sum / count);
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static GlobalAveragePooling1D FromConfig(Saving.LayerConfig config) => FromConfig<GlobalAveragePooling1D>(config);
    }
}
