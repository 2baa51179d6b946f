using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>MaxPooling1D</c> (alias <c>MaxPool1D</c>): the maximum of each window of <c>poolSize</c> steps, slid by
    /// <c>strides</c>, over a <c>(batch, steps, features)</c> input. With <c>same</c> padding the padded cells never win
    /// (TensorFlow pads with -inf).
    /// </summary>
    public class MaxPooling1D : Pooling1D
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="poolSize">Length of the pooling window (default 2).</param>
        /// <param name="strides">Step between windows; null (default) is <paramref name="poolSize"/>.</param>
        /// <param name="padding"><c>valid</c> (default) or <c>same</c> (output length <c>ceil(steps / strides)</c>).</param>
        /// <param name="dataFormat"><c>channels_last</c> (default, <c>(batch, steps, features)</c>) or <c>channels_first</c>.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>max_pooling1d</c>, <c>max_pooling1d_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public MaxPooling1D(int poolSize = 2, int? strides = null, string padding = "valid", string dataFormat = "channels_last",
            int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(poolSize, strides, padding, dataFormat, inputShape, name, batchInputShape, batchSize)
        {
        }

        /// <inheritdoc />
        protected override Tensor Pool(Tensor channelsFirst, long left, long right)
        {
            using var padded = ConvUtils.PadSteps(channelsFirst, left, right, double.NegativeInfinity);
            return nn.functional.max_pool1d(padded, PoolSize, Strides);
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static MaxPooling1D FromConfig(Saving.LayerConfig config)
        {
            var (poolSize, strides, padding, dataFormat) = Arguments(config);
            return new MaxPooling1D(poolSize, strides, padding, dataFormat, name: config.Name, batchInputShape: config.BatchInputShape);
        }
    }
}
