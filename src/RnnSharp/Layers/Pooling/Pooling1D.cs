using System.Collections.Generic;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// What Keras's 1D pooling layers (<see cref="MaxPooling1D"/>, <see cref="AveragePooling1D"/>) share, as tf-keras's
    /// private <c>Pooling1D</c>: a 3D input, a window of <see cref="PoolSize"/> steps slid by <see cref="Strides"/>,
    /// <c>valid</c> or TensorFlow's <c>same</c> padding (the odd padded cell on the right), <c>dataFormat</c>, the output
    /// shape and the config keys <c>strides</c>, <c>pool_size</c>, <c>padding</c> and <c>data_format</c>. Masks are not
    /// supported: an incoming mask is dropped, as Keras 3 does.
    /// </summary>
    public abstract class Pooling1D : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="poolSize">Length of the pooling window.</param>
        /// <param name="strides">Step between windows; null is <paramref name="poolSize"/>.</param>
        /// <param name="padding"><c>valid</c> or <c>same</c>, in any case.</param>
        /// <param name="dataFormat"><c>channels_last</c> or <c>channels_first</c>, in any case.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives the class's snake-case name.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        protected Pooling1D(int poolSize, int? strides, string? padding, string? dataFormat, int?[]? inputShape, string? name, int?[]? batchInputShape, int? batchSize)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            PoolSize = ConvUtils.Positive(poolSize, "pool_size", nameof(poolSize));
            Strides = ConvUtils.Positive(strides ?? poolSize, "strides", nameof(strides));
            Padding = ConvUtils.NormalizePadding(padding, allowCausal: false);
            DataFormat = ConvUtils.NormalizeDataFormat(dataFormat);
            InputSpec = new InputSpec(ndim: 3);
        }

        /// <summary>Length of the pooling window.</summary>
        public int PoolSize { get; }

        /// <summary>Step between windows.</summary>
        public int Strides { get; }

        /// <summary><c>valid</c> or <c>same</c>.</summary>
        public string Padding { get; }

        /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
        public string DataFormat { get; }

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape) => ComputeOutputShape(inputShape);

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            // torch pools the last axis of (batch, channels, steps).
            using var channelsFirst = DataFormat == "channels_last" ? inputs.transpose(1, 2) : inputs.alias();
            var (left, right) = Padding == "same" ? ConvUtils.SamePadding(channelsFirst.shape[2], PoolSize, Strides) : (0L, 0L);
            using var pooled = Pool(channelsFirst, left, right);
            return new LayerOutput(DataFormat == "channels_last" ? pooled.transpose(1, 2) : pooled.alias());
        }

        /// <summary>Pools the last axis of a <c>(batch, channels, steps)</c> tensor with windows of <see cref="PoolSize"/>
        /// slid by <see cref="Strides"/>, after padding it by <paramref name="left"/> and <paramref name="right"/> cells
        /// that take no part in any window's result.</summary>
        protected abstract Tensor Pool(Tensor channelsFirst, long left, long right);

        /// <summary>Keras's <c>compute_output_shape</c>: the steps axis becomes <c>conv_output_length(steps)</c>.</summary>
        /// <exception cref="ShapeMismatchException">A <c>valid</c> window longer than the input.</exception>
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            int stepsAxis = DataFormat == "channels_last" ? 1 : 2;
            int? length = ConvUtils.OutputLength(inputShape[stepsAxis], PoolSize, Padding, Strides);
            if (length is <= 0)
                throw new ShapeMismatchException(
                    $"Computed output size would be zero or negative. Received: `inputs.shape={ShapeUtils.Format(inputShape)}`, " +
                    $"`pool_size=({PoolSize},)`, `strides=({Strides},)`, `padding={Padding}`.");
            var output = (int?[])inputShape.Clone();
            output[stepsAxis] = length;
            return output;
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            // Keras normalizes the sizes to tuples, which its JSON writes as lists.
            config["strides"] = new[] { Strides };
            config["pool_size"] = new[] { PoolSize };
            config["padding"] = Padding;
            config["data_format"] = DataFormat;
            return config;
        }

        /// <summary>The constructor arguments of a config (sizes as Keras's one-element lists or plain integers).</summary>
        private protected static (int PoolSize, int? Strides, string Padding, string DataFormat) Arguments(Saving.LayerConfig config)
        {
            System.ArgumentNullException.ThrowIfNull(config);
            int? Size(string key)
            {
                var values = config.GetInts(key);
                if (values is null) return null;
                return values.Length == 1 ? values[0]
                    : throw new System.ArgumentException($"The `{key}` argument must be a tuple of 1 integers. Received: {key}=[{string.Join(", ", values)}]");
            }
            return (Size("pool_size") ?? 2, Size("strides"), config.GetString("padding", "valid")!, config.GetString("data_format", "channels_last")!);
        }
    }
}
