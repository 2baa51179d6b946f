using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>RepeatVector</c>: repeats a <c>(batch, features)</c> input <see cref="N"/> times into
    /// <c>(batch, n, features)</c>, e.g. to feed an encoder's summary vector to a decoder RNN at every step.
    /// </summary>
    public class RepeatVector : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="n">The number of repetitions (positive).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>repeat_vector</c>, <c>repeat_vector_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        public RepeatVector(int n, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            if (n <= 0) throw new ArgumentException($"Layer \"{Name}\": `n` must be a positive integer. Received: n={n}", nameof(n));
            N = n;
            InputSpec = new InputSpec(ndim: 2);
        }

        /// <summary>The number of repetitions.</summary>
        public int N { get; }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => new[] { inputShape[0], N, inputShape[1] };

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(inputs.unsqueeze(1).expand(inputs.shape[0], N, inputs.shape[1]));

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["n"] = N;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static RepeatVector FromConfig(Saving.LayerConfig config) => FromConfig<RepeatVector>(config);
    }
}
