using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>SpatialDropout1D</c>: in training, drops whole feature channels of a <c>(batch, timesteps, channels)</c>
    /// input, the same channels at every timestep (a keep mask of shape <c>(batch, 1, channels)</c>), and scales the kept
    /// ones by <c>1 / (1 - rate)</c>; at inference it passes the input through. A <see cref="Dropout"/>, as in Keras, so its
    /// config is Dropout's (<c>rate</c>, <c>noise_shape</c> null, <c>seed</c> null) and masks pass through. The random
    /// draws come from torch's generator (<see cref="Backend.SetRandomSeed"/>).
    /// </summary>
    public class SpatialDropout1D : Dropout
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="rate">Fraction of the channels to drop, in [0, 1).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>spatial_dropout1d</c>, <c>spatial_dropout1d_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public SpatialDropout1D(double rate, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(rate, null, inputShape, name, batchInputShape, batchSize)
        {
            InputSpec = new InputSpec(ndim: 3);
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (!training || Rate == 0) return new LayerOutput(inputs.alias());
            // Keras's _get_noise_shape: (batch, 1, channels).
            using var probability = full(new[] { inputs.shape[0], 1, inputs.shape[2] }, 1.0 - Rate, dtype: inputs.dtype, device: inputs.device);
            using var keep = bernoulli(probability);
            using var kept = inputs * keep;
            return new LayerOutput(kept / (1.0 - Rate));
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static new SpatialDropout1D FromConfig(Saving.LayerConfig config) => FromConfig<SpatialDropout1D>(config);

        /// <summary>Keras 3's config, which is only <c>rate</c>, <c>seed</c>, <c>name</c> and <c>dtype</c> (a plain
        /// string): Keras 3's SpatialDropout1D takes no other argument, not even <c>trainable</c>.</summary>
        public override Dictionary<string, object?> GetKeras3Config() => new()
        {
            ["rate"] = Rate,
            ["seed"] = null,
            ["name"] = Name,
            ["dtype"] = DtypePolicy.Name,
        };
    }
}
