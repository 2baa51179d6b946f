using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Activations;
using RnnSharp.Initializers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>RNN</c>: runs a cell over a sequence, with <c>returnSequences</c>/<c>returnState</c>,
    /// <c>goBackwards</c>, <c>stateful</c>, initial states and masks, e.g.
    /// <c>new RNN(new SimpleRNNCell(3), returnSequences: true)</c>, or with several cells (a
    /// <see cref="StackedRNNCells"/>). <see cref="SimpleRNN"/>, <see cref="LSTM"/> and <see cref="GRU"/> are RNNs over
    /// their cell.
    /// </summary>
    /// <remarks>
    /// The layer holds the loop once for every cell: states (given, carried, or zeros), direction, masks and dropout
    /// masks. A <see cref="FusedRNNCell"/> (<see cref="SimpleRNNCell"/>, <see cref="LSTMCell"/>, <see cref="GRUCell"/>, or
    /// a cell of your own that names its kernel) with options the fused kernel computes runs the whole sequence in one
    /// call of TorchSharp's <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c> (<see cref="RnnExecutionPath.Fused"/>), on the
    /// <see cref="FusedEngine"/> the layer owns; any other cell, including a custom <see cref="AbstractRNNCell"/>, runs
    /// step by step, and <see cref="ExecutionPathReason"/> says why. Both paths compute the same equations from the
    /// same weights.
    /// </remarks>
    public class RNN : Layer
    {
        private Tensor[]? statefulStates;

        /// <summary>Creates the layer over <paramref name="cell"/>, with Keras's arguments and defaults.</summary>
        /// <param name="cell">The cell run at each timestep.</param>
        /// <param name="returnSequences">Return the whole output sequence rather than the last output.</param>
        /// <param name="returnState">Also return the final states.</param>
        /// <param name="goBackwards">Process the sequence backwards (the returned sequence stays in processing order).</param>
        /// <param name="stateful">Carry the final states of each batch into the next call.</param>
        /// <param name="unroll">Keras's unroll flag (no effect on the computation).</param>
        /// <param name="zeroOutputForMask">Masked steps output zeros instead of the previous output.</param>
        /// <param name="inputShape">Input shape without batch, e.g. <c>[4, 5]</c>.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>rnn</c>, <c>rnn_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public RNN(
            AbstractRNNCell cell, bool returnSequences = false, bool returnState = false, bool goBackwards = false,
            bool stateful = false, bool unroll = false, bool zeroOutputForMask = false,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : base(name, inputShape, batchInputShape, batchSize, trainable)
        {
            Cell = cell ?? throw new ArgumentNullException(nameof(cell));
            ReturnSequences = returnSequences;
            ReturnState = returnState;
            GoBackwards = goBackwards;
            Stateful = stateful;
            Unroll = unroll;
            ZeroOutputForMask = zeroOutputForMask;
            InputSpec = new InputSpec(ndim: 3);
            // A fused cell's weights live in an engine the RNNs over it run and register (as "engine"; several RNNs over
            // one cell share it, as in Keras), unless the cell was built on its own and registers its engine itself; any
            // other cell is registered as a whole.
            if (cell is not FusedRNNCell fused || !fused.AddRunner(this)) register_module("cell", cell);
        }

        /// <summary>Creates the layer over several cells, stacked into a <see cref="StackedRNNCells"/>, as Keras's
        /// <c>RNN([cell1, cell2])</c>.</summary>
        /// <param name="cells">The cells, first to last.</param>
        /// <param name="returnSequences">Return the whole output sequence rather than the last output.</param>
        /// <param name="returnState">Also return the final states (every cell's, in order).</param>
        /// <param name="goBackwards">Process the sequence backwards.</param>
        /// <param name="stateful">Carry the final states of each batch into the next call.</param>
        /// <param name="unroll">Keras's unroll flag (no effect on the computation).</param>
        /// <param name="zeroOutputForMask">Masked steps output zeros instead of the previous output.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>rnn</c>, <c>rnn_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public RNN(
            IEnumerable<AbstractRNNCell> cells, bool returnSequences = false, bool returnState = false, bool goBackwards = false,
            bool stateful = false, bool unroll = false, bool zeroOutputForMask = false,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : this(new StackedRNNCells(cells), returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask,
                   inputShape, batchInputShape, batchSize, name, trainable)
        {
        }

        /// <summary>The cell run at each timestep.</summary>
        public AbstractRNNCell Cell { get; }

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => new Layer[] { Cell };

        /// <summary>The cell computes as its layer does (Keras passes the layer's <c>dtype</c> to the cell it makes).</summary>
        private protected override IEnumerable<Layer> PolicyFollowers => InnerLayers;

        /// <summary>Return the whole output sequence rather than the last output.</summary>
        public bool ReturnSequences { get; }
        /// <summary>Also return the final states.</summary>
        public bool ReturnState { get; }
        /// <summary>Process the sequence backwards; the returned sequence stays in processing order (reversed).</summary>
        public bool GoBackwards { get; }
        /// <summary>Carry the final states of each batch into the next call (see <see cref="ResetStates"/>).</summary>
        public bool Stateful { get; }
        /// <summary>Keras's <c>unroll</c> flag; accepted for compatibility and reported in the config. The fused kernel
        /// is already one native call, so it does not change the computation.</summary>
        public bool Unroll { get; }
        /// <summary>Masked timesteps output zeros instead of the previous output. A <see cref="Bidirectional"/> sets it to
        /// its <see cref="ReturnSequences"/>, as Keras does.</summary>
        public bool ZeroOutputForMask { get; internal set; }

        /// <summary>Dimensionality of the output (the cell's <see cref="AbstractRNNCell.OutputSize"/>).</summary>
        public int Units => Cell.OutputSize;
        /// <summary>The cell's activation (SimpleRNN, LSTM and GRU cells only).</summary>
        public Activations.Activation Activation => BuiltInCell(nameof(Activation)).Activation;
        /// <summary>Whether the cell has bias vectors (SimpleRNN, LSTM and GRU cells only).</summary>
        public bool UseBias => BuiltInCell(nameof(UseBias)).UseBias;
        /// <summary>Initializer of the cell's <c>kernel</c> (SimpleRNN, LSTM and GRU cells only).</summary>
        public Initializer KernelInitializer => BuiltInCell(nameof(KernelInitializer)).KernelInitializer;
        /// <summary>Initializer of the cell's <c>recurrent_kernel</c> (SimpleRNN, LSTM and GRU cells only).</summary>
        public Initializer RecurrentInitializer => BuiltInCell(nameof(RecurrentInitializer)).RecurrentInitializer;
        /// <summary>Initializer of the cell's <c>bias</c> (SimpleRNN, LSTM and GRU cells only).</summary>
        public Initializer BiasInitializer => BuiltInCell(nameof(BiasInitializer)).BiasInitializer;
        /// <summary>Fraction of the input units dropped in training (cells derived from <see cref="DropoutRNNCell"/>).</summary>
        public double Dropout => DropoutCell(nameof(Dropout)).Dropout;
        /// <summary>Fraction of the recurrent units dropped in training (cells derived from <see cref="DropoutRNNCell"/>).</summary>
        public double RecurrentDropout => DropoutCell(nameof(RecurrentDropout)).RecurrentDropout;

        private FusedRNNCell BuiltInCell(string property)
            => Cell as FusedRNNCell ?? throw NoSuchProperty(property);

        private DropoutRNNCell DropoutCell(string property) => Cell as DropoutRNNCell ?? throw NoSuchProperty(property);

        private InvalidOperationException NoSuchProperty(string property)
            => new($"Layer \"{Name}\" runs a {Cell.GetType().Name}, which has no {property}: read it from the cell (layer.Cell).");

        /// <summary>The path a call in training takes for the layer's options: <see cref="RnnExecutionPath.Fused"/> unless
        /// the cell or an option needs the step-by-step path (<see cref="ExecutionPathReason"/> says which). Recurrent
        /// dropout needs it only while it is in play: at inference such a layer runs fused (see
        /// <see cref="GetExecutionPathReason"/>).</summary>
        public RnnExecutionPath ExecutionPath => ExecutionPathReason is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep;

        /// <summary>Why a call in training runs step by step, or null when it runs on the fused kernel.</summary>
        public string? ExecutionPathReason => GetExecutionPathReason(training: true);

        /// <summary>Why a call (in training, or at inference) runs step by step, or null when it runs on the fused
        /// kernel; the rule the call itself follows.</summary>
        public string? GetExecutionPathReason(bool training) => FusedEngine.Ineligibility(new[] { this }, UseFused, training);

        /// <summary>
        /// Whether to use the fused kernel where the options allow (default true), as Keras 3's <c>use_cudnn="auto"</c>.
        /// Set false to force the step-by-step path, e.g. to compare the two.
        /// </summary>
        public bool UseFused { get; set; } = true;

        /// <summary>The path the most recent call took (masks that are not one contiguous run of steps per sample also
        /// fall back to the step-by-step path), or null before the first call.</summary>
        public RnnExecutionPath? LastCallPath { get; internal set; }

        /// <summary>How many padded fused calls over groups of similar length the last fused call made (0: unmasked or
        /// packed). For tests and diagnostics.</summary>
        internal int LastLengthGroups { get; private set; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected internal override bool AcceptsInitialState => true;

        /// <inheritdoc />
        protected internal override IReadOnlyList<int> StateSizes => Cell.StateSize;

        /// <summary>The number of state tensors (1, 2 for an LSTM, the sum over the cells of a stack).</summary>
        internal int StateCount => Cell.StateSize.Count;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            if (inputShape[^1] is not int inputDim)
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\" needs a known feature dimension (last axis), received input shape {ShapeUtils.Format(inputShape)}.");
            if (Stateful && inputShape[0] is null)
                throw new ArgumentException(
                    $"Layer \"{Name}\" is stateful, so it needs a fixed batch size: give batchInputShape (e.g. [32, 10, {inputDim}]) " +
                    "to the first layer of the model.");
            // Before the cell builds, so the engine is registered here, by the layer that runs it (a Bidirectional has
            // already placed a shared two-direction engine, which it registers itself).
            if (Cell is FusedRNNCell fused && !fused.Built) fused.EnsureEngine(inputDim, builtAlone: false);
            Cell.Build(new[] { inputShape[0], (int?)inputDim });
            InputSpec = new InputSpec(ndim: 3, axes: new Dictionary<int, int> { [-1] = inputDim });
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => Cell.Weights;

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => Cell.GetWeights();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights) => Cell.SetWeights(weights);

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
            => ReturnSequences ? new[] { inputShape[0], inputShape[1], (int?)Cell.OutputSize } : new[] { inputShape[0], (int?)Cell.OutputSize };

        /// <inheritdoc />
        public override IReadOnlyList<int?[]> ComputeOutputShapes(int?[] inputShape)
        {
            var shapes = new List<int?[]> { ComputeOutputShape(inputShape) };
            if (ReturnState)
                foreach (int size in Cell.StateSize) shapes.Add(new[] { inputShape[0], (int?)size });
            return shapes;
        }

        /// <inheritdoc />
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => ReturnSequences ? mask : null;

        /// <summary>Zeroes the carried states of a stateful layer (or sets them to <paramref name="states"/>), as
        /// Keras's <c>reset_states()</c>.</summary>
        public void ResetStates(IReadOnlyList<Tensor>? states = null)
        {
            if (!Stateful)
                throw new InvalidOperationException($"Layer \"{Name}\" must be stateful (stateful: true) to reset its states.");
            if (states is null)
            {
                statefulStates = null;
                return;
            }
            int? batch = BuiltInputShape?[0] ?? BatchInputShape?[0];
            statefulStates = CheckStates(states, batch ?? states[0].shape[0], "ResetStates")
                .Select(s => s.detach().clone().DetachFromDisposeScope()).ToArray();
        }

        /// <summary>The carried states of a stateful layer (null before the first call or after a reset).</summary>
        public IReadOnlyList<Tensor>? States => statefulStates;

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            CheckCall(inputs, mask);
            Cell.ResetDropoutMasks();
            var (sequence, finals) = RunSequence(inputs, mask, StartStates(inputs, initialState), training);
            CarryStates(finals);
            return Finish(sequence, finals);
        }

        /// <summary>Checks the batch of a stateful layer and the mask's shape.</summary>
        internal void CheckCall(Tensor inputs, Tensor? mask)
        {
            long batch = inputs.shape[0], steps = inputs.shape[1];
            if (Stateful && BuiltInputShape?[0] is int fixedBatch && fixedBatch != batch)
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\" is stateful with batch size {fixedBatch}, but received an input of shape {ShapeUtils.Format(inputs.shape)}.");
            if (mask is not null && (mask.dim() != 2 || mask.shape[0] != batch || mask.shape[1] != steps))
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\": the mask must have shape {ShapeUtils.Format(new[] { batch, steps })} (batch, timesteps), received {ShapeUtils.Format(mask.shape)}.");
        }

        /// <summary>The output (the sequence, or its last step in processing order, as Keras's <c>outputs[-1]</c>) and,
        /// with returnState, the final states.</summary>
        internal LayerOutput Finish(Tensor sequence, Tensor[] finals)
        {
            Tensor output = ReturnSequences ? sequence : sequence.select(1, sequence.shape[1] - 1);
            return ReturnState ? new LayerOutput(output, finals) : new LayerOutput(output);
        }

        /// <summary>Keeps the final states of a stateful layer for its next call.</summary>
        internal void CarryStates(Tensor[] finals)
        {
            if (Stateful)
                // Detached from any dispose scope: the carried states must outlive the call that made them.
                statefulStates = finals.Select(s => s.detach().DetachFromDisposeScope()).ToArray();
        }

        /// <summary>The states a call starts from: the given initial states, the carried states of a stateful layer, or
        /// the cell's initial states (zeros).</summary>
        internal Tensor[] StartStates(Tensor inputs, IReadOnlyList<Tensor>? initialState)
        {
            long batch = inputs.shape[0];
            if (initialState is not null && initialState.Count > 0)
                return CheckStates(initialState, batch, "initialState").Select(s => s.to(inputs.device)).ToArray();
            if (Stateful && statefulStates is not null)
            {
                if (statefulStates[0].device_type != inputs.device_type || statefulStates[0].device_index != inputs.device_index)
                    statefulStates = statefulStates.Select(s => s.to(inputs.device).DetachFromDisposeScope()).ToArray();
                return statefulStates;
            }
            return Cell.GetInitialState(batch, inputs.dtype, inputs.device);
        }

        private Tensor[] CheckStates(IReadOnlyList<Tensor> states, long batch, string what)
        {
            var sizes = Cell.StateSize;
            if (states.Count != sizes.Count)
                throw new ArgumentException(
                    $"Layer \"{Name}\" ({GetType().Name}) expects {sizes.Count} state tensor(s) in {what}, but it received {states.Count}.");
            for (int i = 0; i < states.Count; i++)
                if (states[i].dim() != 2 || states[i].shape[0] != batch || states[i].shape[1] != sizes[i])
                    throw new ShapeMismatchException(
                        $"Layer \"{Name}\": each state in {what} must have shape {ShapeUtils.Format(new[] { batch, (long)sizes[i] })}, received {ShapeUtils.Format(states[i].shape)}.");
            return states.ToArray();
        }

        /// <summary>
        /// The output sequence in processing order (without returnSequences, possibly only its last step: all that
        /// <see cref="Finish"/> reads) and the final states, on the fused kernel when the options allow
        /// (masked batches too, when each sample's valid steps are one contiguous run), else step by step.
        /// </summary>
        internal (Tensor Sequence, Tensor[] States) RunSequence(Tensor inputs, Tensor? mask, Tensor[] initial, bool training)
        {
            Tensor? stepMask = mask?.to(ScalarType.Bool);
            if (Cell is FusedRNNCell fused)
            {
                Tensor x = fused.DropInputs(inputs, training);
                Tensor? recurrentMask = fused.GetRecurrentDropoutMask(initial[0], training);
                if (GoBackwards)
                {
                    x = x.flip(1);
                    stepMask = stepMask?.flip(1);
                }
                if (GetExecutionPathReason(training) is null
                    && fused.View!.Engine.Run(new[] { x }, stepMask, new[] { initial }, ZeroOutputForMask,
                        statesNeeded: ReturnState || Stateful, lastStepOnly: !ReturnSequences) is { } result)
                {
                    LastCallPath = RnnExecutionPath.Fused;
                    LastLengthGroups = result.LengthGroups;
                    return (result.Sequences[0], result.Finals[0]);
                }
                // The input projection of every timestep in one product; only the recurrence is per step. Unbinding
                // once (rather than a select per step) keeps backward from adding a zero-filled gradient of the whole
                // projection at every step.
                var projected = fused.ProjectInputs(x).unbind(1);
                return RunSteps(projected.Length, (t, states) =>
                {
                    var next = fused.StepProjected(projected[t], states, recurrentMask);
                    return (next[0], next);
                }, stepMask, initial, inputs.shape[0]);
            }
            var sequenceInput = (GoBackwards ? inputs.flip(1) : inputs).unbind(1);
            if (GoBackwards) stepMask = stepMask?.flip(1);
            return RunSteps(sequenceInput.Length, (t, states) => Cell.Step(sequenceInput[t], states, training), stepMask, initial, inputs.shape[0]);
        }

        private (Tensor Sequence, Tensor[] States) RunSteps(
            int steps, Func<int, Tensor[], (Tensor Output, Tensor[] States)> step, Tensor? mask, Tensor[] initial, long batch)
        {
            LastCallPath = RnnExecutionPath.StepByStep;
            LastLengthGroups = 0;
            var states = initial;
            Tensor previous = zeros(batch, Cell.OutputSize, dtype: initial[0].dtype, device: initial[0].device);
            var outputs = new Tensor[steps];
            var stepMasks = mask?.unsqueeze(2).unbind(1);
            for (int t = 0; t < steps; t++)
            {
                var (output, next) = step(t, states);
                if (stepMasks is not null)
                {
                    // Keras's masking: a masked step keeps the states and repeats the previous output (or outputs zeros).
                    var m = stepMasks[t];
                    var kept = states;
                    next = next.Select((s, i) => where(m, s, kept[i])).ToArray();
                    output = where(m, output, ZeroOutputForMask ? zeros_like(output) : previous);
                }
                states = next;
                previous = output;
                outputs[t] = output;
            }
            return (stack(outputs, 1), states);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["return_sequences"] = ReturnSequences;
            config["return_state"] = ReturnState;
            config["go_backwards"] = GoBackwards;
            config["stateful"] = Stateful;
            config["unroll"] = Unroll;
            config["time_major"] = false;
            config["zero_output_for_mask"] = ZeroOutputForMask;
            if (GetType() == typeof(RNN)) config["cell"] = Saving.LayerRegistry.Serialize(Cell);
            else
            {
                foreach (var (key, value) in Cell.GetConfig().Where(kv => kv.Key is not ("name" or "trainable" or "dtype"))) config[key] = value;
                // Keras's LSTM, GRU and SimpleRNN always write their own activity regularizer beside the cell's arguments.
                config["activity_regularizer"] = ActivityRegularizer?.Serialize();
            }
            return config;
        }

        /// <summary>Keras 3's config: Keras 2's without <c>time_major</c>, which Keras 3 no longer takes; the built-in
        /// layers (<c>LSTM</c>, ...) carry their cell's Keras 3 arguments, as the cell writes them.</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            config.Remove("time_major");
            if (GetType() != typeof(RNN))
            {
                // The cell's Keras 2 arguments were merged by GetConfig: those its Keras 3 config drops go, its Keras 3 ones replace them.
                var cell = Cell.GetKeras3Config();
                foreach (var key in Cell.GetConfig().Keys.Except(cell.Keys)) config.Remove(key);
                foreach (var (key, value) in cell.Where(kv => kv.Key is not ("name" or "trainable" or "dtype"))) config[key] = value;
            }
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static RNN FromConfig(Saving.LayerConfig config) => FromConfig<RNN>(config);
    }
}
