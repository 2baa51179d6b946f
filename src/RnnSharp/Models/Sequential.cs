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
        public Sequential(string? name = null) : base(name, "sequential")
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

        /// <summary>True once every layer is built (from a declared input shape, <see cref="Build"/> or a first call).</summary>
        public override bool Built => built;

        private bool built;

        /// <summary>The model's input shape, batch axis included, once known.</summary>
        public int?[]? InputShape { get; private set; }

        /// <summary>The model's output shape, once built.</summary>
        public int?[]? OutputShape => Built && outputShapes.Count > 0 ? outputShapes[^1][0] : null;

        /// <summary>Each layer's output shape(s), once built (used by <see cref="Summary(int?, double[], Action{string})"/>).</summary>
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
        /// Builds every layer for inputs of <paramref name="inputShape"/> (batch axis included; <c>null</c> where unknown),
        /// or for the first layer's declared shape when null.
        /// </summary>
        public override void Build(int?[]? inputShape = null)
        {
            if (Built) return;
            inputShape ??= layers.FirstOrDefault()?.BatchInputShape
                ?? throw new InvalidOperationException(
                    $"Model \"{Name}\" cannot be built without an input shape: pass one to Build(), or give the first layer an inputShape.");
            if (layers.Count == 0)
                throw new InvalidOperationException($"Model \"{Name}\" has no layers: Add() some first.");
            InputShape = (int?[])inputShape.Clone();
            outputShapes.Clear();
            var shape = InputShape;
            for (int i = 0; i < layers.Count; i++)
                shape = BuildLayer(i, shape);
            built = true;
        }

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

        /// <summary>Runs the layers on <paramref name="x"/>, passing each layer's mask to the next; builds the model on
        /// first use from the input's shape.</summary>
        /// <param name="x">The input batch.</param>
        /// <param name="training">Training mode (dropout active).</param>
        protected override Tensor CallCore(Tensor x, bool training)
        {
            if (layers.Count == 0)
                throw new InvalidOperationException($"Model \"{Name}\" has no layers: Add() some before calling it.");
            var shape = ShapeUtils.Of(x);
            if (!Built) Build(ShapeUtils.WithUnknownBatch(shape));
            else layers[0].AssertInputCompatible(shape);
            var device = Device;
            using var scope = NewDisposeScope();
            Tensor h = x.device_type == device.type && x.device_index == device.index ? x : x.to(device);
            Tensor? mask = null;
            foreach (var layer in layers)
            {
                var output = layer.Call(h, mask, null, training).Output;
                mask = layer.ComputeMask(h, mask);
                h = output;
            }
            // Intermediates die with the scope; the result (never the caller's own x) survives it.
            return (ReferenceEquals(h, x) ? h.alias() : h).MoveToOuterDisposeScope();
        }

        /// <summary>Moves the weights to <paramref name="device"/> (e.g. <c>"cuda"</c>); inputs follow automatically.</summary>
        public Sequential To(Device device)
        {
            this.to(device);
            return this;
        }

        /// <summary>Moves the weights to the named device (<c>"cpu"</c>, <c>"cuda"</c>, <c>"cuda:1"</c>).</summary>
        public Sequential To(string device) => To(Backend.Device(device));

        /// <summary>
        /// Prints the classic Keras (TF 2.0–2.6) <c>model.summary()</c>: layer names and types, output shapes and
        /// parameter counts, then the totals.
        /// </summary>
        /// <param name="lineLength">Total width; Keras's default for sequential models is 65.</param>
        /// <param name="positions">Right edges of the columns, as fractions of the width or absolute; default .45, .85, 1.</param>
        /// <param name="printFn">Where each line goes; default <see cref="Console.WriteLine(string)"/>.</param>
        public void Summary(int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
            => SummaryUtils.PrintSummary(this, lineLength, positions, printFn);

        /// <summary>
        /// Prints the model's summary; with <paramref name="expandNested"/> true in the layout of Keras 2.9–2.11's
        /// <c>model.summary(expand_nested=True)</c>, listing the inner layers of wrappers (<see cref="Bidirectional"/>'s
        /// forward and backward layers, <see cref="TimeDistributed"/>'s layer) indented below them. (Keras itself
        /// expands nested models only; RnnSharp applies the same layout to its wrappers.)
        /// </summary>
        /// <param name="expandNested">List the inner layers of wrappers.</param>
        /// <param name="lineLength">Total width; Keras's default for sequential models is 65.</param>
        /// <param name="positions">Right edges of the columns, as fractions of the width or absolute; default .45, .85, 1.</param>
        /// <param name="printFn">Where each line goes; default <see cref="Console.WriteLine(string)"/>.</param>
        public void Summary(bool expandNested, int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
            => SummaryUtils.PrintSummary(this, expandNested, lineLength, positions, printFn);

        /// <summary>The model's config with Keras's keys: its name and each layer's class and config.</summary>
        public override Dictionary<string, object?> GetConfig()
            => new()
            {
                ["name"] = Name,
                ["layers"] = layers.Select(l => new Dictionary<string, object?> { ["class_name"] = l.GetType().Name, ["config"] = l.GetConfig() }).ToList(),
            };

        /// <inheritdoc />
        internal override Dictionary<string, object?> Serialize()
        {
            var config = GetConfig();
            config["build_input_shape"] = InputShape;
            return new Dictionary<string, object?> { ["class_name"] = nameof(Sequential), ["config"] = config };
        }

        /// <summary>A first <see cref="Embedding"/> checks its index range once on the whole data (see
        /// <see cref="InputPrecheck"/>).</summary>
        private protected override InputPrecheck? PrecheckInputs(IEnumerable<Tensor?> inputs)
            => layers.Count > 0 && layers[0] is Embedding embedding ? new InputPrecheck(new[] { embedding }, inputs) : null;
    }
}
