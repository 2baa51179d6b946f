using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Masking</c>: masks the timesteps whose features all equal <see cref="MaskValue"/>. The output is the
    /// input with those timesteps set to zero, and the mask (<c>(batch, time)</c>, true where a step is kept) flows to
    /// the next layers, so a recurrent layer skips the padded steps.
    /// </summary>
    public class Masking : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="maskValue">The padding value (Keras default 0).</param>
        /// <param name="inputShape">Input shape without batch, e.g. <c>[10, 8]</c>.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>masking</c>, <c>masking_1</c>, ...</param>
        public Masking(double maskValue = 0.0, int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            MaskValue = maskValue;
        }

        /// <summary>The padding value.</summary>
        public double MaskValue { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            using var keep = inputs.ne(MaskValue).any(-1, keepdim: true);
            return new LayerOutput(inputs * keep.to(inputs.dtype));
        }

        /// <inheritdoc />
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => inputs.ne(MaskValue).any(-1);

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => (int?[])inputShape.Clone();

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["mask_value"] = MaskValue;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Masking FromConfig(Saving.LayerConfig config) => FromConfig<Masking>(config);
    }
}
