using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Flatten</c>: flattens every axis but the batch axis, <c>(batch, d1, d2, ...)</c> to
    /// <c>(batch, d1*d2*...)</c> (a <c>(batch,)</c> input becomes <c>(batch, 1)</c>); with <c>channels_first</c> the
    /// channels axis is moved last first, as Keras does.
    /// </summary>
    public class Flatten : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>flatten</c>, <c>flatten_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Flatten(string? dataFormat = null, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            DataFormat = dataFormat ?? "channels_last";
            if (DataFormat is not ("channels_last" or "channels_first"))
                throw new ArgumentException(
                    $"The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: {dataFormat}", nameof(dataFormat));
            InputSpec = new InputSpec(minNdim: 1);
        }

        /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
        public string DataFormat { get; }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            var rest = inputShape.Skip(1).ToArray();
            int? flat = rest.All(d => d is not null) ? rest.Aggregate(1, (a, d) => a * d!.Value) : null;
            return new[] { inputShape[0], flat };
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            var x = inputs;
            if (DataFormat == "channels_first" && x.dim() > 2)
                x = x.permute(new long[] { 0 }.Concat(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i)).Append(1).ToArray());
            return new LayerOutput(x.dim() == 1 ? x.unsqueeze(1) : x.reshape(x.shape[0], -1));
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["data_format"] = DataFormat;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static Flatten FromConfig(Saving.LayerConfig config) => FromConfig<Flatten>(config);
    }
}
