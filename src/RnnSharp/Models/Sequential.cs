using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Trainers;
using RnnSharp.Utils;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp
{
    /// <summary>
    /// Keras's <c>Sequential</c> model: a plain stack of layers, each with one input and one output. Masks produced by
    /// a layer (an <see cref="Embedding"/> with <c>maskZero</c>) flow to the next ones. The model is a TorchSharp module
    /// whose submodules are its layers, registered under their names; it trains with Keras's <see cref="Trainer"/>.
    /// </summary>
    public partial class Sequential : Model
    {
        private readonly List<Layer> layers = new();
        private readonly List<IReadOnlyList<int?[]>> outputShapes = new();

        /// <summary>Creates an empty model.</summary>
        /// <param name="name">Model name; null gives <c>sequential</c>, <c>sequential_1</c>, ...</param>
        public Sequential(string? name = null) : base(name)
        {
        }

        /// <summary>Creates a model from layers, as <c>Sequential([...])</c>.</summary>
        /// <param name="layers">The layers, first to last.</param>
        /// <param name="name">Model name; null gives <c>sequential</c>, <c>sequential_1</c>, ...</param>
        public Sequential(IEnumerable<Layer> layers, string? name = null) : this(name)
        {
            foreach (var layer in layers) Add(layer);
        }

        /// <summary>The layers, first to last.</summary>
        public override IReadOnlyList<Layer> Layers => layers;

        /// <summary>The model's input shape, batch axis included, once known.</summary>
        public int?[]? InputShape => BuiltInputShape;

        /// <summary>Keras names a Sequential model's input after its first layer: <c>lstm_input</c>.</summary>
        public override IReadOnlyList<string> InputNames => new[] { (layers.FirstOrDefault()?.Name ?? Name) + "_input" };

        /// <summary>The last layer's name.</summary>
        public override IReadOnlyList<string> OutputNames => new[] { layers.LastOrDefault()?.Name ?? Name };

        /// <summary>The first layer's declared input shape.</summary>
        protected override int?[]? DeclaredInputShape => layers.FirstOrDefault()?.BatchInputShape;

        /// <summary>The model's output shape, once built.</summary>
        public int?[]? OutputShape => Built && outputShapes.Count > 0 ? outputShapes[^1][0] : null;

        /// <summary>Each layer's output shape(s), once built (used by <see cref="Model.Summary(int?, double[], Action{string})"/>).</summary>
        public IReadOnlyList<IReadOnlyList<int?[]>> LayerOutputShapes => outputShapes;

        /// <summary>
        /// Appends a layer. A first layer with an input shape (or an <see cref="Embedding"/>) builds the model; later
        /// layers are then built at once and checked against the previous output shape.
        /// </summary>
        public void Add(Layer layer)
        {
            if (layer is RNN { ReturnState: true } or Bidirectional { ReturnState: true } or Bidirectional { MergeMode: null })
                throw new ArgumentException(
                    "All layers in a Sequential model should have a single output tensor. For multi-output layers, use the functional API. " +
                    $"Layer \"{layer.Name}\" has " + (layer is Bidirectional { MergeMode: null } ? "mergeMode: null." : "returnState: true."), nameof(layer));
            if (layers.Any(l => l.Name == layer.Name))
                throw new ArgumentException(
                    $"All layers added to a Sequential model should have unique names. Name \"{layer.Name}\" is already the name of a layer in this model. " +
                    "Update the `name` argument to pass a unique name.", nameof(layer));
            layers.Add(layer);
            register_module(layer.Name, layer);
            if (layers.Count == 1 && layer.BatchInputShape is not null)
                Build(layer.BatchInputShape);
            else if (Built)
                BuildLayer(layers.Count - 1, outputShapes[^1][0]);
        }

        /// <summary>
        /// Builds every layer for inputs of <paramref name="inputShape"/> (batch axis included; <c>null</c> where unknown);
        /// <see cref="Layer.Build(int?[])"/> without a shape uses the first layer's declared shape.
        /// </summary>
        protected override void BuildCore(int?[] inputShape)
        {
            if (layers.Count == 0)
                throw new InvalidOperationException($"Model \"{Name}\" has no layers: Add() some first.");
            outputShapes.Clear();
            var shape = inputShape;
            for (int i = 0; i < layers.Count; i++)
                shape = BuildLayer(i, shape);
        }

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => layers;

        /// <summary>The output shapes for inputs of <paramref name="inputShape"/>, layer by layer.</summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(int?[] inputShape)
        {
            IReadOnlyList<int?[]> shapes = new[] { inputShape };
            foreach (var layer in layers) shapes = layer.ComputeOutputShapes(shapes[0]);
            return shapes;
        }

        /// <inheritdoc />
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
            => inputShapes.Count == 1 ? ComputeOutputShapes(inputShapes[0]) : throw new ArgumentException(
                $"Layer \"{Name}\" expects 1 input(s), but it received {inputShapes.Count} input tensors.", nameof(inputShapes));


        private int?[] BuildLayer(int index, int?[] inputShape)
        {
            var layer = layers[index];
            layer.AssertInputCompatible(inputShape);
            layer.Build(inputShape);
            var shapes = layer.ComputeOutputShapes(inputShape);
            if (index < outputShapes.Count) outputShapes[index] = shapes;
            else outputShapes.Add(shapes);
            return shapes[0];
        }

        /// <summary>Runs the layers on <paramref name="x"/>, passing each layer's mask to the next (starting from
        /// <paramref name="mask"/>); the model was built on first use from the input's shape.</summary>
        protected override LayerOutput CallCore(Tensor x, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (layers.Count == 0)
                throw new InvalidOperationException($"Model \"{Name}\" has no layers: Add() some before calling it.");
            layers[0].AssertInputCompatible(ShapeUtils.Of(x));
            var givenMask = mask;
            var device = Device;
            using var scope = NewDisposeScope();
            Tensor h = DeviceUtils.OnDevice(x, device);
            foreach (var layer in layers)
            {
                var result = layer.Call(h, mask, null, training);
                mask = result.ComputedMask is { } known ? known.Masks[0] : layer.ComputeMask(h, mask);
                h = result.Output;
            }
            // Intermediates die with the scope; the result and its mask (never the caller's own tensors) survive it.
            var output = (ReferenceEquals(h, x) ? h.alias() : h).MoveToOuterDisposeScope();
            var outputMask = mask is null ? null : (ReferenceEquals(mask, givenMask) ? mask.alias() : mask).MoveToOuterDisposeScope();
            return new LayerOutput(output) { ComputedMask = new LayerOutput.KnownMasks(new[] { outputMask }) };
        }

        /// <summary>Moves the weights to <paramref name="device"/> (e.g. <c>"cuda"</c>); inputs follow automatically.</summary>
        public override Sequential To(Device device)
        {
            this.to(device);
            return this;
        }

        /// <summary>Moves the weights to the named device (<c>"cpu"</c>, <c>"cuda"</c>, <c>"cuda:1"</c>).</summary>
        public new Sequential To(string device) => To(Backend.Device(device));

        /// <summary>The model's config with Keras's keys: its name and each layer's class and config.</summary>
        public override Dictionary<string, object?> GetConfig()
            => new()
            {
                ["name"] = Name,
                ["layers"] = layers.Select(l => new Dictionary<string, object?> { ["class_name"] = l.ClassName, ["config"] = l.GetConfig() }).ToList(),
            };

        /// <summary><c>{"input_shape": shape}</c> with the model's input shape once built, as Keras's Sequential.</summary>
        public override Dictionary<string, object?>? GetBuildConfig()
            => InputShape is { } shape ? new() { ["input_shape"] = shape.ToArray() } : null;

        /// <inheritdoc />
        internal override Dictionary<string, object?> Serialize()
        {
            var config = GetConfig();
            config["build_input_shape"] = InputShape;
            return new Dictionary<string, object?> { ["class_name"] = ClassName, ["config"] = config };
        }

        /// <summary>A first <see cref="Embedding"/> checks its index range once on the whole data (see
        /// <see cref="InputPrecheck"/>).</summary>
        private protected override InputPrecheck? PrecheckInputs(IEnumerable<IReadOnlyList<Tensor>?> datasets)
            => layers.Count > 0 && layers[0] is Embedding embedding ? new InputPrecheck(new[] { (embedding, 0) }, datasets) : null;
    }
}
