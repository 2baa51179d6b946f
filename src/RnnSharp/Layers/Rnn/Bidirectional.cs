using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Saving;
using RnnSharp.Utils;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Bidirectional</c> wrapper: runs a recurrent layer forwards and a copy of it backwards over the same
    /// sequence and merges the two outputs.
    /// </summary>
    /// <remarks>
    /// <para>As in Keras, the forward layer (<c>forward_&lt;name&gt;</c>) is rebuilt from <c>layer</c>'s
    /// config, and the backward layer (<c>backward_&lt;name&gt;</c>) from the same config with <c>goBackwards</c>
    /// flipped, unless <c>backwardLayer</c> is given (it is rebuilt from its own config under the
    /// <c>backward_</c> name). Both get fresh weights; <c>zeroOutputForMask</c> is set to <c>returnSequences</c> on both.
    /// With <c>returnSequences</c> the backward sequence is reversed back to the input's time order before merging;
    /// with <c>returnState</c> the result is <c>[output, forward states..., backward states...]</c>.</para>
    /// <para>When both directions are plain SimpleRNN/LSTM/GRU cells of the same kind and options that the fused kernel
    /// computes, their weights live in one bidirectional TorchSharp engine (<c>weight_ih_l0</c> forward,
    /// <c>weight_ih_l0_reverse</c> backward) and the whole layer runs as one fused bidirectional call, masked batches
    /// with one contiguous run of valid steps per sample included (as packed sequences). Otherwise the two layers run
    /// one after the other.</para>
    /// </remarks>
    public class Bidirectional : Layer
    {
        private static readonly string?[] MergeModes = { "concat", "sum", "mul", "ave", null };
        private readonly RNN? givenBackwardLayer;
        private FusedEngine? engine;

        /// <summary>Wraps <paramref name="layer"/>, as Keras's <c>Bidirectional(layer, merge_mode, backward_layer)</c>.</summary>
        /// <param name="layer">The recurrent layer (an <see cref="RNN"/>: SimpleRNN, LSTM, GRU or RNN over a cell).</param>
        /// <param name="mergeMode"><c>"concat"</c> (default), <c>"sum"</c>, <c>"mul"</c>, <c>"ave"</c>, or null to return
        /// both outputs, <c>[forward, backward]</c>.</param>
        /// <param name="backwardLayer">The layer for the backward direction, with <c>goBackwards</c> opposite to
        /// <paramref name="layer"/>'s and the same <c>stateful</c>, <c>returnSequences</c> and <c>returnState</c>; null
        /// copies <paramref name="layer"/>.</param>
        /// <param name="inputShape">Input shape without batch, e.g. <c>[5, 10]</c>; defaults to <paramref name="layer"/>'s.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>bidirectional</c>, <c>bidirectional_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public Bidirectional(
            RNN layer, string? mergeMode = "concat", RNN? backwardLayer = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : base(name, inputShape, batchInputShape ?? (inputShape is null ? layer?.BatchInputShape : null), batchSize, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
            ArgumentNullException.ThrowIfNull(layer);
            if (!MergeModes.Contains(mergeMode))
                throw new ArgumentException(
                    $"Invalid merge mode. Received: {mergeMode}. Merge mode should be one of {{\"sum\", \"mul\", \"ave\", \"concat\", null}}", nameof(mergeMode));
            Layer = layer;
            givenBackwardLayer = backwardLayer;
            MergeMode = mergeMode;
            // Keras 3 stores the halves themselves, already prefixed: a prefix is not doubled (Keras's removeprefix).
            ForwardLayer = Copy(layer, "forward_" + RemovePrefix(layer.Name, "forward_"), flipGoBackwards: false);
            BackwardLayer = backwardLayer is null
                ? Copy(layer, "backward_" + RemovePrefix(layer.Name, "forward_"), flipGoBackwards: true)
                : Copy(backwardLayer, "backward_" + RemovePrefix(backwardLayer.Name, "backward_"), flipGoBackwards: false);
            if (ForwardLayer.GoBackwards == BackwardLayer.GoBackwards)
                throw new ArgumentException(
                    "Forward layer and backward layer should have different `go_backwards` value. " +
                    $"forward_layer.go_backwards = {ForwardLayer.GoBackwards}, backward_layer.go_backwards = {BackwardLayer.GoBackwards}", nameof(backwardLayer));
            foreach (var (attribute, f, b) in new[]
            {
                ("stateful", ForwardLayer.Stateful, BackwardLayer.Stateful),
                ("return_sequences", ForwardLayer.ReturnSequences, BackwardLayer.ReturnSequences),
                ("return_state", ForwardLayer.ReturnState, BackwardLayer.ReturnState),
            })
                if (f != b)
                    throw new ArgumentException(
                        $"Forward layer and backward layer are expected to have the same value for attribute \"{attribute}\", got \"{f}\" for forward layer and \"{b}\" for backward layer", nameof(backwardLayer));
            // Keras forces zero outputs for masked steps when returning sequences, so the merged steps line up.
            ForwardLayer.ZeroOutputForMask = ForwardLayer.ReturnSequences;
            BackwardLayer.ZeroOutputForMask = BackwardLayer.ReturnSequences;
            register_module(ForwardLayer.Name, ForwardLayer);
            register_module(BackwardLayer.Name, BackwardLayer);
            InputSpec = new InputSpec(ndim: 3);
        }

        /// <summary>The layer given to the constructor (not run: its configuration made the two directions).</summary>
        public RNN Layer { get; }

        /// <summary>The forward direction, <c>forward_&lt;name&gt;</c>.</summary>
        public RNN ForwardLayer { get; }

        /// <summary>The backward direction, <c>backward_&lt;name&gt;</c>.</summary>
        public RNN BackwardLayer { get; }

        /// <summary>How the two outputs are merged: <c>concat</c>, <c>sum</c>, <c>mul</c>, <c>ave</c>, or null (both returned).</summary>
        public string? MergeMode { get; }

        /// <summary>Whether the layers return whole sequences.</summary>
        public bool ReturnSequences => ForwardLayer.ReturnSequences;

        /// <summary>Whether the states are returned after the output.</summary>
        public bool ReturnState => ForwardLayer.ReturnState;

        /// <summary>Whether the layers carry their states across calls.</summary>
        public bool Stateful => ForwardLayer.Stateful;

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => new Layer[] { ForwardLayer, BackwardLayer };

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected internal override bool AcceptsInitialState => true;

        /// <summary>Keras masks both directions' outputs when they are returned apart (mergeMode null).</summary>
        internal override int MaskedOutputCount => MergeMode is null ? 2 : 1;

        /// <inheritdoc />
        protected internal override IReadOnlyList<int> StateSizes => ForwardLayer.Cell.StateSize.Concat(BackwardLayer.Cell.StateSize).ToArray();

        /// <summary>Whether to use the fused kernel where possible (both directions); false forces the step-by-step path.</summary>
        public bool UseFused
        {
            get => ForwardLayer.UseFused && BackwardLayer.UseFused;
            set
            {
                ForwardLayer.UseFused = value;
                BackwardLayer.UseFused = value;
            }
        }

        /// <summary><see cref="RnnExecutionPath.Fused"/> when a call in training runs as one fused bidirectional call
        /// (both directions plain cells of one kind with fused-compatible options), else the step-by-step path. Recurrent
        /// dropout needs the step-by-step path only while it is in play (see <see cref="GetExecutionPathReason"/>).</summary>
        public RnnExecutionPath ExecutionPath => ExecutionPathReason is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep;

        /// <summary>Why a call in training does not run as one fused bidirectional call, or null when it does.</summary>
        public string? ExecutionPathReason => GetExecutionPathReason(training: true);

        /// <summary>Why a call (in training, or at inference) does not run as one fused bidirectional call, or null when it
        /// does; the rule the call itself follows.</summary>
        public string? GetExecutionPathReason(bool training) => FusedEngine.Ineligibility(new[] { ForwardLayer, BackwardLayer }, UseFused, training);

        /// <summary>The path the most recent call took, or null before the first call: <see cref="RnnExecutionPath.Fused"/>
        /// when it ran on fused kernels only, as one bidirectional call or, for directions that cannot share an engine
        /// (<see cref="ExecutionPath"/> is then step by step), as one fused call per direction (each direction's own
        /// <see cref="RNN.LastCallPath"/> tells).</summary>
        public RnnExecutionPath? LastCallPath { get; private set; }

        private static RNN Copy(RNN layer, string name, bool flipGoBackwards)
        {
            var config = layer.GetConfig();
            config["name"] = name;
            if (flipGoBackwards) config["go_backwards"] = !layer.GoBackwards;
            string className = layer.GetType().Name;
            var copy = LayerRegistry.Deserialize(className, config);
            return copy as RNN ?? throw new ArgumentException($"Layer class {className} did not rebuild as an RNN from its config.");
        }

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            if (inputShape[^1] is not int inputDim)
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\" needs a known feature dimension (last axis), received input shape {ShapeUtils.Format(inputShape)}.");
            if (!ForwardLayer.Built && !BackwardLayer.Built
                && FusedEngine.Ineligibility(new[] { ForwardLayer, BackwardLayer }, useFused: true, training: false) is null)
            {
                // One engine holds both directions, run by this layer: weight_ih_l0 (forward), weight_ih_l0_reverse (backward).
                engine = new FusedEngine((FusedRNNCell)ForwardLayer.Cell, inputDim, directions: 2);
                RegisterEngine(engine);
                ((FusedRNNCell)ForwardLayer.Cell).Bind(engine.Direction(0));
                ((FusedRNNCell)BackwardLayer.Cell).Bind(engine.Direction(1));
            }
            ForwardLayer.Build(inputShape);
            BackwardLayer.Build(inputShape);
            InputSpec = new InputSpec(ndim: 3, axes: new Dictionary<int, int> { [-1] = inputDim });
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => ForwardLayer.Weights.Concat(BackwardLayer.Weights).ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => ForwardLayer.GetWeights().Concat(BackwardLayer.GetWeights()).ToArray();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int half = ForwardLayer.Weights.Count;
            ForwardLayer.SetWeights(weights.Take(half).ToArray());
            BackwardLayer.SetWeights(weights.Skip(half).ToArray());
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            var shape = ForwardLayer.ComputeOutputShape(inputShape);
            if (MergeMode == "concat") shape[^1] = shape[^1] * 2;
            return shape;
        }

        /// <inheritdoc />
        public override IReadOnlyList<int?[]> ComputeOutputShapes(int?[] inputShape)
        {
            var shapes = new List<int?[]> { ComputeOutputShape(inputShape) };
            if (MergeMode is null) shapes.Add(ComputeOutputShape(inputShape));
            if (ReturnState)
            {
                shapes.AddRange(ForwardLayer.ComputeOutputShapes(inputShape).Skip(1));
                shapes.AddRange(BackwardLayer.ComputeOutputShapes(inputShape).Skip(1));
            }
            return shapes;
        }

        /// <inheritdoc />
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => ReturnSequences ? mask : null;

        /// <summary>Resets the carried states of both directions (zeros, or <paramref name="states"/>: the forward
        /// states then the backward ones), as Keras's <c>reset_states()</c>.</summary>
        public void ResetStates(IReadOnlyList<Tensor>? states = null)
        {
            if (!Stateful) throw new InvalidOperationException($"Layer \"{Name}\" must be stateful (stateful: true) to reset its states.");
            int half = ForwardLayer.StateCount;
            ForwardLayer.ResetStates(states?.Take(half).ToArray());
            BackwardLayer.ResetStates(states?.Skip(half).ToArray());
        }

        /// <summary>The carried states of a stateful layer, forward then backward (null before the first call or after a reset).</summary>
        public IReadOnlyList<Tensor>? States
            => ForwardLayer.States is { } f && BackwardLayer.States is { } b ? f.Concat(b).ToArray() : null;

        /// <summary>
        /// Runs both directions and merges them. <paramref name="initialState"/> is split in half: the first half starts
        /// the forward layer, the second the backward layer. The result is the merged output (or, with mergeMode null,
        /// the forward and the backward output), then with returnState the forward states and the backward states.
        /// </summary>
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            IReadOnlyList<Tensor>? forwardState = null, backwardState = null;
            if (initialState is { Count: > 0 })
            {
                if (initialState.Count % 2 != 0)
                    throw new ArgumentException(
                        $"When passing `initialState` to a Bidirectional RNN, the state should be a list containing the states of the underlying RNNs. Received {initialState.Count} tensors.",
                        nameof(initialState));
                int half = initialState.Count / 2;
                forwardState = initialState.Take(half).ToArray();
                backwardState = initialState.Skip(half).ToArray();
            }
            ForwardLayer.CheckCall(inputs, mask);
            BackwardLayer.CheckCall(inputs, mask);
            var forwardInitial = ForwardLayer.StartStates(inputs, forwardState);
            var backwardInitial = BackwardLayer.StartStates(inputs, backwardState);
            ForwardLayer.Cell.ResetDropoutMasks();
            BackwardLayer.Cell.ResetDropoutMasks();

            (Tensor Sequence, Tensor[] States) forward, backward;
            if (RunFused(inputs, mask, forwardInitial, backwardInitial, training) is { } fused)
            {
                (forward, backward) = fused;
                LastCallPath = RnnExecutionPath.Fused;
            }
            else
            {
                forward = ForwardLayer.RunSequence(inputs, mask, forwardInitial, training);
                backward = BackwardLayer.RunSequence(inputs, mask, backwardInitial, training);
                LastCallPath = ForwardLayer.LastCallPath == RnnExecutionPath.Fused && BackwardLayer.LastCallPath == RnnExecutionPath.Fused
                    ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep;
            }
            ForwardLayer.CarryStates(forward.States);
            BackwardLayer.CarryStates(backward.States);
            var y = ForwardLayer.Finish(forward.Sequence, forward.States);
            var yRev = BackwardLayer.Finish(backward.Sequence, backward.States);
            // Keras calls the two layers, so each one's activity regularizer sees its own outputs.
            ForwardLayer.AddActivityLosses(y);
            BackwardLayer.AddActivityLosses(yRev);
            // The backward layer's sequence is in its processing order: reverse it back to the input's time order.
            Tensor backwardOutput = ReturnSequences ? yRev.Output.flip(1) : yRev.Output;
            var states = y.States.Concat(yRev.States).ToArray();
            Tensor f = y.Output;
            if (MergeMode is null) return new LayerOutput(f, new[] { backwardOutput }.Concat(states).ToArray());
            Tensor output = MergeMode switch
            {
                "concat" => cat(new[] { f, backwardOutput }, -1),
                "sum" => f + backwardOutput,
                "ave" => (f + backwardOutput) / 2,
                _ => f * backwardOutput,
            };
            return new LayerOutput(output, states);
        }

        // Both directions in one bidirectional engine call, or null when that is not possible for this call.
        private ((Tensor, Tensor[]), (Tensor, Tensor[]))? RunFused(Tensor inputs, Tensor? mask, Tensor[] forwardInitial, Tensor[] backwardInitial, bool training)
        {
            if (engine is null || GetExecutionPathReason(training) is not null) return null;
            // Each direction keeps its own input-dropout mask, as two Keras layers would.
            Tensor xForward = ((FusedRNNCell)ForwardLayer.Cell).DropInputs(inputs, training);
            Tensor xBackward = ((FusedRNNCell)BackwardLayer.Cell).DropInputs(inputs, training);
            var result = engine.Run(new[] { xForward, xBackward }, mask?.to(ScalarType.Bool), new[] { forwardInitial, backwardInitial },
                zeroOutputForMask: ReturnSequences, statesNeeded: true, lastStepOnly: !ReturnSequences);
            if (result is null) return null;
            ForwardLayer.LastCallPath = RnnExecutionPath.Fused;
            BackwardLayer.LastCallPath = RnnExecutionPath.Fused;
            return ((result.Sequences[0], result.Finals[0]), (result.Sequences[1], result.Finals[1]));
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["layer"] = LayerRegistry.Serialize(Layer);
            config["merge_mode"] = MergeMode;
            if (givenBackwardLayer is not null) config["backward_layer"] = LayerRegistry.Serialize(givenBackwardLayer);
            return config;
        }

        /// <summary>Keras 3's config: the two halves themselves, <c>layer</c> the forward one and <c>backward_layer</c>.</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            config["layer"] = LayerRegistry.Serialize(ForwardLayer);
            config["backward_layer"] = LayerRegistry.Serialize(BackwardLayer);
            return config;
        }

        private static string RemovePrefix(string name, string prefix) => name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Bidirectional FromConfig(Saving.LayerConfig config) => FromConfig<Bidirectional>(config);
    }
}
