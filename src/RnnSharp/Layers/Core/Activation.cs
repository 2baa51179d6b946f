using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Activation</c> layer: applies an activation function (<see cref="Activations.Activation"/>, by Keras
    /// name such as <c>"relu"</c>) to its input, whatever its shape. Masks pass through, as Keras.
    /// </summary>
    /// <remarks>The class shares its name with <see cref="Activations.Activation"/>, as in Keras; a file that imports both
    /// <c>RnnSharp.Layers</c> and <c>RnnSharp.Activations</c> picks one with an alias, e.g.
    /// <c>using Activation = RnnSharp.Activations.Activation;</c>.</remarks>
    public class Activation : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="activation">The activation, e.g. <c>"relu"</c> (a string converts implicitly).</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives <c>activation</c>, <c>activation_1</c>, ...</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public Activation(Activations.Activation activation, int?[]? inputShape = null, string? name = null, int?[]? batchInputShape = null, int? batchSize = null, DTypePolicies.DTypePolicy? dtype = null)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            if (dtype is not null) DtypePolicy = dtype;
            Function = activation ?? throw new ArgumentNullException(nameof(activation));
        }

        /// <summary>The activation function the layer applies.</summary>
        public Activations.Activation Function { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(ApplyHeadActivation(Function, inputs));

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => (int?[])inputShape.Clone();

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["activation"] = Function.Name;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static Activation FromConfig(Saving.LayerConfig config) => FromConfig<Activation>(config);
    }
}
