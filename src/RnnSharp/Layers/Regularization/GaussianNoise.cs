using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>GaussianNoise</c>: in training, adds zero-centred Gaussian noise of standard deviation
    /// <see cref="Stddev"/> to an input of any rank; at inference it passes the input through. Masks pass through. The
    /// noise comes from torch's generator (<see cref="Backend.SetRandomSeed"/>); the config's <c>seed</c> is written as
    /// null, as <see cref="Dropout"/> does.
    /// </summary>
    public class GaussianNoise : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="stddev">Standard deviation of the noise. tf-keras takes any value (Keras 3 asks for one in
        /// [0, 1]); RnnSharp follows tf-keras.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>gaussian_noise</c>, <c>gaussian_noise_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public GaussianNoise(double stddev, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            Stddev = stddev;
        }

        /// <summary>Standard deviation of the noise added in training.</summary>
        public double Stddev { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.ToArray();

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (!training) return new LayerOutput(inputs.alias());
            using var noise = randn_like(inputs);
            using var scaled = noise * Stddev;
            return new LayerOutput(inputs + scaled);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["stddev"] = Stddev;
            config["seed"] = null;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static GaussianNoise FromConfig(Saving.LayerConfig config) => FromConfig<GaussianNoise>(config);
    }
}
