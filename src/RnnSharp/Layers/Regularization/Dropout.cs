using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Dropout</c>: in training, zeroes a fraction <see cref="Rate"/> of the inputs and scales the rest by
    /// <c>1 / (1 - rate)</c>; at inference it passes the input through. Masks pass through.
    /// </summary>
    public class Dropout : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="rate">Fraction of the inputs to drop, in [0, 1).</param>
        /// <param name="noiseShape">Shape of the keep mask, broadcast over the input; null entries take the input's size
        /// (e.g. <c>[null, 1, null]</c> drops the same features at every timestep).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>dropout</c>, <c>dropout_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public Dropout(double rate, int?[]? noiseShape = null, int?[]? inputShape = null, string? name = null,
            int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            if (rate < 0 || rate >= 1)
                throw new ArgumentException($"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}", nameof(rate));
            Rate = rate;
            NoiseShape = noiseShape;
        }

        /// <summary>Fraction of the inputs dropped in training.</summary>
        public double Rate { get; }

        /// <summary>Shape of the keep mask, or null for the input's shape.</summary>
        public int?[]? NoiseShape { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (!training || Rate == 0) return new LayerOutput(inputs.alias());
            if (NoiseShape is null) return new LayerOutput(nn.functional.dropout(inputs, Rate, training: true));
            if (NoiseShape.Length != inputs.dim())
                throw new ShapeMismatchException($"Layer \"{Name}\": noiseShape {Utils.ShapeUtils.Format(NoiseShape)} must have the input's rank {inputs.dim()}.");
            long[] shape = NoiseShape.Select((d, i) => (long?)d ?? inputs.shape[i]).ToArray();
            using var keep = bernoulli(full(shape, 1.0 - Rate, dtype: inputs.dtype, device: inputs.device));
            return new LayerOutput(inputs * keep / (1.0 - Rate));
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.ToArray();

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["rate"] = Rate;
            config["noise_shape"] = NoiseShape;
            config["seed"] = null;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Dropout FromConfig(Saving.LayerConfig config) => FromConfig<Dropout>(config);
    }
}
