using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>InputLayer</c>: the entry point of a functional model, made by <see cref="Keras.Input"/>. It has no
    /// weights and passes its input through; its one node holds the model's symbolic input (<see cref="Output"/>).
    /// Functional models list their input layers among their <see cref="Model.Layers"/>, as Keras 2 does.
    /// </summary>
    public sealed class InputLayer : Layer
    {
        /// <summary>Creates an input layer, as Keras's <c>InputLayer</c> (its config keys are Keras 2's and Keras 3's).</summary>
        /// <param name="inputShape">The shape without the batch axis.</param>
        /// <param name="batchSize">A fixed batch size, or null.</param>
        /// <param name="dtype">The dtype of the data (<c>float32</c>, <c>int64</c>, <c>bool</c>, ...).</param>
        /// <param name="sparse">Keras's sparse flag; sparse inputs are not supported, so it must be false.</param>
        /// <param name="name">The name; null gives Keras 2's <c>input_1</c>, <c>input_2</c>, ...</param>
        /// <param name="batchInputShape">The shape with the batch axis (Keras 2's config key); wins over the others.</param>
        /// <param name="batchShape">The shape with the batch axis (Keras 3's config key).</param>
        /// <param name="ragged">Keras's ragged flag; ragged inputs are not supported, so it must be false.</param>
        public InputLayer(
            int?[]? inputShape = null, int? batchSize = null, string dtype = "float32", bool sparse = false, string? name = null,
            int?[]? batchInputShape = null, int?[]? batchShape = null, bool ragged = false)
            : base(name ?? "input_" + Backend.GetUid("input"), inputShape, batchInputShape ?? batchShape, batchSize)
        {
            if (sparse || ragged)
                throw new ArgumentException($"InputLayer \"{Name}\": {(sparse ? "sparse" : "ragged")} inputs are not supported.", sparse ? nameof(sparse) : nameof(ragged));
            if (BatchInputShape is null)
                throw new ArgumentException($"InputLayer \"{Name}\" needs a shape: give inputShape (without the batch axis) or batchInputShape.", nameof(inputShape));
            Ops.DTypes.ToScalarType(dtype);
            DType = dtype;
            Build(BatchInputShape);
            Output = new Ops.Node(this, BatchInputShape, dtype).Result;
        }

        /// <summary>The dtype of the data the input takes.</summary>
        public string DType { get; }

        /// <summary>The model input this layer makes (what <see cref="Keras.Input"/> returns).</summary>
        public KerasTensor Output { get; }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape;

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(inputs.alias());

        /// <summary>Keras 2's config: <c>batch_input_shape</c>, <c>dtype</c>, <c>sparse</c>, <c>ragged</c>, <c>name</c>.</summary>
        public override Dictionary<string, object?> GetConfig() => new()
        {
            ["batch_input_shape"] = BatchInputShape!.ToArray(),
            ["dtype"] = DType,
            ["sparse"] = false,
            ["ragged"] = false,
            ["name"] = Name,
        };

        /// <summary>Keras 3's config: <c>batch_shape</c>, <c>dtype</c> (a plain string, not a policy), <c>sparse</c>, <c>name</c>.</summary>
        public override Dictionary<string, object?> GetKeras3Config() => Keras3Config(BatchInputShape!, DType, Name);

        /// <summary>Keras 3's InputLayer config for an input of this shape, dtype and name (also the one a Sequential
        /// model's config starts with).</summary>
        internal static Dictionary<string, object?> Keras3Config(int?[] batchShape, string dtype, string name) => new()
        {
            ["batch_shape"] = batchShape.ToArray(),
            ["dtype"] = dtype,
            ["sparse"] = false,
            ["name"] = name,
        };

        /// <summary>None: an input is not built from a shape (Keras 3 writes no <c>build_config</c> for it).</summary>
        public override Dictionary<string, object?>? GetBuildConfig() => null;

        /// <summary>Creates the layer from its config (Keras 2's <c>batch_input_shape</c> or Keras 3's <c>batch_shape</c>).</summary>
        public static InputLayer FromConfig(Saving.LayerConfig config) => FromConfig<InputLayer>(config);

        /// <inheritdoc />
        public override string ToString() => $"InputLayer \"{Name}\" {ShapeUtils.Format(BatchInputShape!)}";
    }
}
