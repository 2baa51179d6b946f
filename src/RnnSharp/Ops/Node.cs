using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Ops
{
    /// <summary>
    /// One call of a layer on <see cref="KerasTensor"/>s (Keras's <c>Node</c>): the layer, its inputs, the call's
    /// arguments (explicit masks, initial states, a fixed <c>training</c> mode, further call arguments) and the outputs it produced. Nodes link
    /// the symbolic tensors into the graph a functional <see cref="Model"/> runs, and are what Keras's configs store as
    /// a layer's <c>inbound_nodes</c>.
    /// </summary>
    public sealed class Node
    {
        // The input node of an InputLayer: no inputs, one output.
        internal Node(InputLayer layer, int?[] shape, string dtype)
        {
            Layer = layer;
            InputTensors = Array.Empty<KerasTensor>();
            InitialState = Array.Empty<KerasTensor>();
            OutputShapes = new[] { shape };
            int index = layer.AddInboundNode(this);
            Result = SymbolicOutput.Create(new[] { shape }, dtype, layer, index, new int?[] { null });
        }

        /// <summary>Records a call of <paramref name="layer"/> (see <see cref="Layer.Call(KerasTensor, KerasTensor?, IReadOnlyList{KerasTensor}?, bool?)"/>).</summary>
        internal Node(Layer layer, IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor?>? masks, IReadOnlyList<KerasTensor>? initialState, bool? training, bool calledOnList,
            IReadOnlyDictionary<string, object?>? callArguments = null)
        {
            if (inputs.Count == 0) throw new ArgumentException($"Layer \"{layer.Name}\" was called on an empty list of inputs.", nameof(inputs));
            if (inputs.Any(t => t is null)) throw new ArgumentNullException(nameof(inputs), $"Layer \"{layer.Name}\" was called on a null input.");
            if (masks is not null && masks.Count != inputs.Count)
                throw new ArgumentException($"Layer \"{layer.Name}\" received {inputs.Count} inputs but {masks.Count} masks; give one mask per input.", nameof(masks));
            if (initialState is { Count: > 0 } && !layer.AcceptsInitialState)
                throw new ArgumentException($"Layer \"{layer.Name}\" ({layer.GetType().Name}) does not accept an initial state.", nameof(initialState));
            if (layer is InputLayer)
                throw new ArgumentException($"Layer \"{layer.Name}\" is an InputLayer: it makes a model's input and cannot be called on tensors.", nameof(layer));
            Layer = layer;
            InputTensors = inputs.ToArray();
            OneInput = InputTensors.Count == 1 && !(calledOnList && layer.TakesInputList);
            Masks = masks?.ToArray();
            InitialState = initialState?.ToArray() ?? Array.Empty<KerasTensor>();
            if (callArguments is { Count: > 0 })
            {
                layer.CheckCallArguments(callArguments);
                CallArguments = new Dictionary<string, object?>(callArguments);
            }
            // A tensor among the call arguments (an attention_mask) is a further input of the graph.
            KerasInputs = InputTensors.Concat(InitialState).Concat((Masks ?? Array.Empty<KerasTensor?>()).OfType<KerasTensor>())
                .Concat(CallArguments.Values.OfType<KerasTensor>()).ToArray();
            Training = training;

            var shapes = inputs.Select(t => t.ShapeArray).ToArray();
            if (CallArguments.Count > 0)
            {
                if (!layer.Built)
                {
                    if (OneInput) layer.Build(shapes[0]);
                    else layer.Build(shapes);
                }
                if (OneInput) layer.AssertInputCompatible(shapes[0]);
                OutputShapes = layer.ComputeOutputShapes(shapes, CallArguments).ToArray();
            }
            else if (OneInput)
            {
                if (!layer.Built) layer.Build(shapes[0]);
                layer.AssertInputCompatible(shapes[0]);
                OutputShapes = layer.SymbolicOutputShapes(shapes[0]).ToArray();
            }
            else
            {
                if (!layer.Built) layer.Build(shapes);
                OutputShapes = layer.ComputeOutputShapes(shapes).ToArray();
            }
            CheckStates(layer, shapes[0]);
            var maskRanks = ProbeMaskRanks(this, OutputShapes.Count);
            int index = layer.AddInboundNode(this);
            Result = SymbolicOutput.Create(OutputShapes, "float32", layer, index, maskRanks);
        }

        /// <summary>The layer called.</summary>
        public Layer Layer { get; }

        /// <summary>The call's inputs (one, or several for a merge layer or a model with several inputs).</summary>
        public IReadOnlyList<KerasTensor> InputTensors { get; }

        /// <summary>True when the layer was called on one input (not on a list of inputs, as a merge layer is, even of
        /// one).</summary>
        internal bool OneInput { get; }

        /// <summary>Explicit masks given to the call, one per input (null entries: the input's own), or null.</summary>
        public IReadOnlyList<KerasTensor?>? Masks { get; }

        /// <summary>Initial states given to a recurrent layer (empty when none).</summary>
        public IReadOnlyList<KerasTensor> InitialState { get; }

        /// <summary>The call's further arguments by Keras name (<c>use_causal_mask</c>, <c>return_attention_scores</c>, a
        /// <see cref="KerasTensor"/> <c>attention_mask</c>, ...), as the layer takes them
        /// (<see cref="Layer.CallArgumentNames"/>); empty when none.</summary>
        public IReadOnlyDictionary<string, object?> CallArguments { get; } = new Dictionary<string, object?>();

        /// <summary>The mode fixed for this call, or null to follow the model's.</summary>
        public bool? Training { get; }

        /// <summary>The outputs: the output, then the states (a model's further outputs).</summary>
        public IReadOnlyList<KerasTensor> Outputs => Result.All;

        /// <summary>The outputs as the call returned them.</summary>
        internal SymbolicOutput Result { get; }

        /// <summary>The output shapes.</summary>
        public IReadOnlyList<int?[]> OutputShapes { get; }

        /// <summary>True for an <see cref="InputLayer"/>'s node.</summary>
        public bool IsInput => Layer is InputLayer;

        /// <summary>Every symbolic tensor the call reads, as Keras 2 lists a node's inbound tensors: the inputs (a
        /// recurrent layer's initial states after its input, as Keras 2 passes them), then explicit masks, then tensors
        /// among the <see cref="CallArguments"/>.</summary>
        public IReadOnlyList<KerasTensor> KerasInputs { get; } = Array.Empty<KerasTensor>();

        /// <summary>The nodes that produced <see cref="KerasInputs"/>.</summary>
        public IEnumerable<Node> ParentNodes => KerasInputs.Select(t => t.Node).Distinct();

        /// <summary>The mask of each input given to the call: the explicit mask, else the input's own (as a tensor of
        /// <paramref name="valueOf"/>).</summary>
        internal IReadOnlyList<T?> InputMasks<T>(Func<KerasTensor, T?> valueOf, Func<KerasTensor, T?> maskOf) where T : class
            => InputTensors.Select((t, i) => Masks?[i] is { } explicitMask ? valueOf(explicitMask) : maskOf(t)).ToArray();

        private void CheckStates(Layer layer, int?[] inputShape)
        {
            if (InitialState.Count == 0) return;
            var sizes = layer.StateSizes;
            if (sizes is null) return;
            if (InitialState.Count != sizes.Count)
                throw new ArgumentException(
                    $"Layer \"{layer.Name}\" ({layer.GetType().Name}) expects {sizes.Count} state tensor(s) in initialState, but it received {InitialState.Count}.", "initialState");
            for (int i = 0; i < sizes.Count; i++)
            {
                var s = InitialState[i].Shape;
                if (s.Count != 2 || s[1] is int d && d != sizes[i] || s[0] is int b && inputShape[0] is int ib && b != ib)
                    throw new ShapeMismatchException(
                        $"Layer \"{layer.Name}\": each state in initialState must have shape {ShapeUtils.Format(new[] { inputShape[0], (int?)sizes[i] })}, " +
                        $"received {ShapeUtils.Format(s)}.");
            }
        }

        /// <summary>
        /// Which outputs of a call carry a mask, and its rank (null: none), found by asking the layer's own
        /// <see cref="Layer.ComputeMask(Tensor, Tensor?)"/> on small placeholder tensors of the inputs' shapes (unknown
        /// axes of size 2) and masks, so custom layers' rules apply unchanged; a model runs on the placeholders, as
        /// Keras's <c>compute_mask</c> reruns a functional graph with the masks.
        /// </summary>
        internal static int?[] ProbeMaskRanks(Node node, int outputs)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            long[] Size(IReadOnlyList<int?> shape) => shape.Select(d => (long)(d ?? 2)).ToArray();
            var inputs = node.InputTensors.Select(t => zeros(Size(t.Shape), dtype: DTypes.ToScalarType(t.DType))).ToArray();
            var masks = node.InputMasks(t => ones(Size(t.Shape), dtype: ScalarType.Bool), t => t.MaskShape is { } shape ? ones(Size(shape), dtype: ScalarType.Bool) : null);
            var layer = node.Layer;
            IReadOnlyList<Tensor?> found;
            if (layer is Model model)
            {
                var states = node.InitialState.Select(t => zeros(Size(t.Shape))).ToArray();
                var result = inputs.Length == 1 ? model.Call(inputs[0], masks[0], states.Length > 0 ? states : null, false) : model.Call(inputs, masks, null, false);
                found = result.ComputedMask?.Masks ?? Array.Empty<Tensor?>();
            }
            else
            {
                found = Functional.MasksOf(layer, outputs, node.OneInput ? layer.ComputeMask(inputs[0], masks[0]) : layer.ComputeMask(inputs, masks));
            }
            return Enumerable.Range(0, outputs).Select(i => i < found.Count && found[i] is { } m ? (int?)m.dim() : null).ToArray();
        }
    }
}
