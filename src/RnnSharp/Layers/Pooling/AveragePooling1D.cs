using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>AveragePooling1D</c> (alias <c>AvgPool1D</c>): the mean of each window of <c>poolSize</c> steps, slid by
    /// <c>strides</c>, over a <c>(batch, steps, features)</c> input. With <c>same</c> padding a window that reaches into
    /// the padding averages only its real cells, as TensorFlow's <c>avg_pool</c> (which pads more on the right).
    /// </summary>
    public class AveragePooling1D : Pooling1D
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="poolSize">Length of the pooling window (default 2).</param>
        /// <param name="strides">Step between windows; null (default) is <paramref name="poolSize"/>.</param>
        /// <param name="padding"><c>valid</c> (default) or <c>same</c> (output length <c>ceil(steps / strides)</c>).</param>
        /// <param name="dataFormat"><c>channels_last</c> (default, <c>(batch, steps, features)</c>) or <c>channels_first</c>.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>average_pooling1d</c>, <c>average_pooling1d_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public AveragePooling1D(int poolSize = 2, int? strides = null, string padding = "valid", string dataFormat = "channels_last",
            int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(poolSize, strides, padding, dataFormat, inputShape, name, batchInputShape, batchSize)
        {
        }

        /// <inheritdoc />
        protected override Tensor Pool(Tensor channelsFirst, long left, long right)
        {
            if (left == 0 && right == 0) return nn.functional.avg_pool1d(channelsFirst, PoolSize, Strides);
            // torch's count_include_pad=false takes only symmetric padding; TensorFlow's is asymmetric. Pad with zeros by
            // hand and divide each window's mean by the share of its cells that are real: sum / real count.
            using var padded = ConvUtils.PadSteps(channelsFirst, left, right);
            using var means = nn.functional.avg_pool1d(padded, PoolSize, Strides);
            using var real = ones(1, 1, channelsFirst.shape[2], dtype: channelsFirst.dtype, device: channelsFirst.device);
            using var paddedReal = ConvUtils.PadSteps(real, left, right);
            using var share = nn.functional.avg_pool1d(paddedReal, PoolSize, Strides);
            return means / share;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static AveragePooling1D FromConfig(Saving.LayerConfig config)
        {
            var (poolSize, strides, padding, dataFormat) = Arguments(config);
            return new AveragePooling1D(poolSize, strides, padding, dataFormat, name: config.Name, batchInputShape: config.BatchInputShape);
        }
    }
}
