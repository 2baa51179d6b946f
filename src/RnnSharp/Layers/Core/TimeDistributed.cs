using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Saving;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>TimeDistributed</c> wrapper: applies <see cref="Layer"/> to every timestep of a
    /// <c>(batch, time, ...)</c> input, e.g. <c>new TimeDistributed(new Dense(8))</c> on <c>(batch, 10, 16)</c> gives
    /// <c>(batch, 10, 8)</c> with one set of Dense weights shared by all timesteps. The timesteps are folded into the
    /// batch, <c>(batch * time, ...)</c>, for one call of the inner layer. Masks pass through.
    /// </summary>
    public class TimeDistributed : Layer
    {
        /// <summary>Wraps <paramref name="layer"/>.</summary>
        /// <param name="layer">The layer applied to each timestep (its weights are this layer's weights).</param>
        /// <param name="inputShape">Input shape without batch, e.g. <c>[10, 16]</c>.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>time_distributed</c>, <c>time_distributed_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public TimeDistributed(Layer layer, int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : base(name, inputShape, batchInputShape, batchSize, trainable)
        {
            Layer = layer ?? throw new ArgumentNullException(nameof(layer));
            register_module(layer.Name, layer);
            InputSpec = new InputSpec(minNdim: 3);
        }

        /// <summary>The wrapped layer.</summary>
        public Layer Layer { get; }

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => new[] { Layer };

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape) => Layer.Build(new[] { inputShape[0] }.Concat(inputShape.Skip(2)).ToArray());

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            var child = Layer.ComputeOutputShape(new[] { inputShape[0] }.Concat(inputShape.Skip(2)).ToArray());
            return new[] { inputShape[0], inputShape[1] }.Concat(child.Skip(1)).ToArray();
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            long batch = inputs.shape[0], steps = inputs.shape[1];
            var folded = inputs.reshape(new[] { batch * steps }.Concat(inputs.shape.Skip(2)).ToArray());
            var output = Layer.Call(folded, training: training).Output;
            return new LayerOutput(output.reshape(new[] { batch, steps }.Concat(output.shape.Skip(1)).ToArray()));
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => Layer.Weights;

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => Layer.GetWeights();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights) => Layer.SetWeights(weights);

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["layer"] = LayerRegistry.Serialize(Layer);
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static TimeDistributed FromConfig(Saving.LayerConfig config) => FromConfig<TimeDistributed>(config);
    }
}
