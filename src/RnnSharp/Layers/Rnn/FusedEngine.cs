using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A fused recurrent engine: the TorchSharp <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c> module that holds the weights of
    /// one or two directions in PyTorch's layout, the parameters held at their value (the kernel's second bias where
    /// Keras has one), and the one place a sequence runs on it (<see cref="Run"/>). The layer that runs it owns it and
    /// registers it (as <c>engine</c>): an <see cref="RNN"/> over a built-in cell, a <see cref="Bidirectional"/> whose two
    /// directions share one bidirectional engine, or a cell used on its own. Each cell sees its direction's weights
    /// through a <see cref="View"/>. <see cref="Ineligibility"/> is the one rule for whether layers may run on it.
    /// </summary>
    internal sealed class FusedEngine
    {
        private readonly View[] views;

        /// <summary>Creates the engine for <paramref name="cell"/>'s kernel, units and bias, for inputs of
        /// <paramref name="inputDim"/> features, with one or two directions; held parameters start at zero.</summary>
        public FusedEngine(FusedRNNCell cell, long inputDim, int directions)
        {
            Cell = cell;
            InputDim = inputDim;
            if (directions is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(directions), directions, "An engine has one or two directions.");
            Kernel = cell.Kernel;
            Units = cell.Units;
            Directions = directions;
            bool bidirectional = directions == 2;
            Module = Kernel switch
            {
                FusedKernel.Lstm => nn.LSTM(inputDim, Units, numLayers: 1, bias: cell.UseBias, batchFirst: true, bidirectional: bidirectional),
                FusedKernel.Gru => nn.GRU(inputDim, Units, numLayers: 1, bias: cell.UseBias, batchFirst: true, bidirectional: bidirectional),
                _ => nn.RNN(inputDim, Units, numLayers: 1,
                    nonLinearity: Kernel == FusedKernel.RnnRelu ? nn.NonLinearities.ReLU : nn.NonLinearities.Tanh,
                    bias: cell.UseBias, batchFirst: true, bidirectional: bidirectional),
            };
            views = Enumerable.Range(0, directions).Select(d => new View(this, d)).ToArray();
            // Keras has one bias where the kernel has two: the recurrent one is held at zero, untrained and uncounted.
            HeldParameters = cell.UseBias && !cell.HasRecurrentBias
                ? views.Select(v => "bias_hh_l0" + v.Suffix).ToArray()
                : Array.Empty<string>();
            using (no_grad())
                foreach (var held in HeldParameters) Module.get_parameter(held)!.zero_();
        }

        /// <summary>The cell the engine was made for (its kernel, units and bias).</summary>
        internal FusedRNNCell Cell { get; }

        /// <summary>The input features.</summary>
        internal long InputDim { get; }

        /// <summary>The engine's copy in a 16-bit compute dtype, made on first use (see <see cref="LowPrecisionRun"/>).</summary>
        internal LowPrecisionRun? LowPrecision { get; set; }

        /// <summary>The TorchSharp module.</summary>
        public nn.Module Module { get; }

        /// <summary>The kernel the module computes.</summary>
        public FusedKernel Kernel { get; }

        /// <summary>1, or 2 for a bidirectional engine (the second runs backward over the same time axis).</summary>
        public int Directions { get; }

        /// <summary>The units of each direction.</summary>
        public int Units { get; }

        /// <summary>The number of state tensors: 2 (h, c) for an LSTM, else 1.</summary>
        public int StateCount => Kernel == FusedKernel.Lstm ? 2 : 1;

        /// <summary>The module's parameters held at their value, never trained (names relative to the module).</summary>
        public IReadOnlyList<string> HeldParameters { get; }

        /// <summary>Direction <paramref name="direction"/>'s view (0 forward, 1 backward).</summary>
        public View Direction(int direction) => views[direction];

        /// <summary>One direction's weights in the engine, as a cell sees them.</summary>
        public sealed class View
        {
            internal View(FusedEngine engine, int index)
            {
                Engine = engine;
                Index = index;
                Suffix = index == 0 ? "" : "_reverse";
            }

            /// <summary>The engine.</summary>
            public FusedEngine Engine { get; }

            /// <summary>0 forward, 1 backward.</summary>
            public int Index { get; }

            /// <summary>The suffix of this direction's parameter names (<c>""</c> or <c>"_reverse"</c>).</summary>
            public string Suffix { get; }

            /// <summary>This direction's parameter <paramref name="name"/> (e.g. <c>weight_hh_l0</c>).</summary>
            public Tensor Parameter(string name)
                => Engine.Module.get_parameter(name + Suffix) ?? throw new InvalidOperationException($"Engine parameter {name}{Suffix} is missing.");
        }

        /// <summary>
        /// Why <paramref name="layers"/> (one recurrent layer, or a Bidirectional's forward and backward layers, which
        /// then share one bidirectional engine) cannot run on a fused engine, or null when they can; for a call in
        /// training or not (recurrent dropout needs the step-by-step path only when it is in play). The one rule for
        /// <see cref="RNN"/> and <see cref="Bidirectional"/>, their <c>ExecutionPathReason</c> and their calls alike.
        /// </summary>
        public static string? Ineligibility(IReadOnlyList<RNN> layers, bool useFused, bool training)
        {
            if (!useFused) return "UseFused is false";
            bool pair = layers.Count == 2;
            var cells = new FusedRNNCell[layers.Count];
            for (int i = 0; i < layers.Count; i++)
            {
                if (layers[i].Cell is not FusedRNNCell cell)
                    return pair
                        ? "a direction's cell is not a FusedRNNCell (SimpleRNNCell, LSTMCell, GRUCell)"
                        : $"the cell is a {layers[i].Cell.GetType().Name}; the fused kernels run cells derived from FusedRNNCell (SimpleRNNCell, LSTMCell, GRUCell)";
                if (cell.FusedIncompatibility is string reason) return (i == 1 ? "backward layer: " : "") + reason;
                cells[i] = cell;
            }
            if (pair)
            {
                var (f, b) = (cells[0], cells[1]);
                if (f.Kernel != b.Kernel || f.Units != b.Units || f.UseBias != b.UseBias || f.HasRecurrentBias != b.HasRecurrentBias)
                    return "the backward layer's cell differs from the forward layer's (kind, units, bias or activation)";
                if (layers[0].GoBackwards) return "the forward layer has goBackwards: true";
            }
            else if (cells[0].View is { Engine.Directions: 2 })
            {
                return "its weights live in the bidirectional engine of its Bidirectional wrapper, which runs it fused; called on its own it runs step by step";
            }
            if (training && cells.Any(c => c.RecurrentDropout > 0)) return "recurrentDropout > 0 (in training) is not supported by the fused kernel";
            return null;
        }

        /// <summary>Runs the module on a padded batch; states <c>(directions, batch, units)</c> each, in and out.</summary>
        public (Tensor Output, Tensor[] States) Call(Tensor input, Tensor[] states)
        {
            var (output, finals) = CallModule(input, states);
            return ((Tensor)output, finals);
        }

        /// <summary>Runs the module on a packed batch; states <c>(directions, batch, units)</c> each, in and out.</summary>
        public (nn.utils.rnn.PackedSequence Output, Tensor[] States) Call(nn.utils.rnn.PackedSequence input, Tensor[] states)
        {
            var (output, finals) = CallModule(input, states);
            return ((nn.utils.rnn.PackedSequence)output, finals);
        }

        // TorchSharp's modules take their states as (h, c) or h, and have an overload per input kind.
        private (object Output, Tensor[] States) CallModule(object input, Tensor[] states) => (Module, input) switch
        {
            (TorchSharp.Modules.LSTM lstm, Tensor x) => Split(CallLstm(lstm, x, states)),
            (TorchSharp.Modules.LSTM lstm, nn.utils.rnn.PackedSequence x) => Split(lstm.call(x, (states[0], states[1]))),
            (TorchSharp.Modules.GRU gru, Tensor x) => Split(gru.call(x, states[0])),
            (TorchSharp.Modules.GRU gru, nn.utils.rnn.PackedSequence x) => Split(gru.call(x, states[0])),
            (TorchSharp.Modules.RNN rnn, Tensor x) => Split(rnn.call(x, states[0])),
            (TorchSharp.Modules.RNN rnn, nn.utils.rnn.PackedSequence x) => Split(rnn.call(x, states[0])),
            _ => throw new InvalidOperationException($"Engine module {Module.GetType().Name} cannot run {input.GetType().Name}."),
        };

        // libtorch runs a CPU LSTM on oneDNN, with its forward_inference kernel when gradients are off. On some AVX-512
        // CPUs that kernel returns wrong numbers (seen on an AMD EPYC with avx512_bf16, libtorch 2.10: errors up to 1.3 at
        // most hidden sizes, 8, 16 and 100 among them, while forward_training agrees with the reference to 1e-7). So
        // without gradients the call runs with them on, which takes forward_training, and its results are detached.
        private static (Tensor Output, Tensor H, Tensor C) CallLstm(TorchSharp.Modules.LSTM lstm, Tensor x, Tensor[] states)
        {
            if (x.device_type != DeviceType.CPU || is_grad_enabled()) return lstm.call(x, (states[0], states[1]));
            using (enable_grad())
            {
                var (output, h, c) = lstm.call(x, (states[0], states[1]));
                var detached = (output.detach(), h.detach(), c.detach());
                output.Dispose();
                h.Dispose();
                c.Dispose();
                return detached;
            }
        }

        private static (object, Tensor[]) Split<T>((T Output, Tensor H) result) where T : notnull => (result.Output, new[] { result.H });

        private static (object, Tensor[]) Split<T>((T Output, Tensor H, Tensor C) result) where T : notnull => (result.Output, new[] { result.H, result.C });

        /// <summary>
        /// Makes <paramref name="calls"/> module calls and splits what they return by direction: the output
        /// <c>(batch, time, directions * units)</c> into each direction's half, the states <c>(directions, batch,
        /// units)</c> into each direction's. With one call per direction (each direction its own input), call i keeps
        /// only direction i.
        /// </summary>
        public (Tensor[] Outputs, Tensor[][] Finals) PerDirection(int calls, Func<int, (Tensor Output, Tensor[] States)> call)
        {
            var outputs = new Tensor[Directions];
            var finals = new Tensor[Directions][];
            for (int i = 0; i < calls; i++)
            {
                var (output, states) = call(i);
                for (int d = 0; d < Directions; d++)
                {
                    if (calls > 1 && d != i) continue;
                    outputs[d] = Directions == 1 ? output : output.narrow(2, (long)d * Units, Units);
                    finals[d] = states.Select(s => s[d]).ToArray();
                }
            }
            return (outputs, finals);
        }

        /// <summary>The result of <see cref="Run"/>.</summary>
        /// <param name="Sequences">Per direction, the Keras output sequence in that direction's processing order (the
        /// backward direction's is time-reversed), or only its last step.</param>
        /// <param name="Finals">Per direction, the final states.</param>
        /// <param name="LengthGroups">The number of padded calls over groups of similar length, or 0 when the batch ran
        /// unmasked or packed.</param>
        public sealed record Result(Tensor[] Sequences, Tensor[][] Finals, int LengthGroups = 0);

        /// <summary>
        /// Runs a whole sequence with Keras's masking rules. <paramref name="inputs"/> holds one input per direction (or
        /// one for all): with one direction the engine runs forward (a goBackwards layer passes its input already
        /// reversed); with two, the second runs backward over the same time axis, as a Bidirectional's backward layer.
        /// <paramref name="initial"/> holds each direction's initial states. A masked batch runs fused when each sample's
        /// valid steps are one contiguous run (<see cref="MaskedRun"/>): grouped by length where
        /// <see cref="LengthGroupedRun.Applies"/>, else packed (<see cref="PackedRun"/>).
        /// </summary>
        /// <param name="inputs">The inputs, <c>(batch, steps, features)</c>.</param>
        /// <param name="mask">The boolean <c>(batch, steps)</c> mask, or null.</param>
        /// <param name="initial">Per direction, its initial states <c>(batch, units)</c>.</param>
        /// <param name="zeroOutputForMask">Masked steps output zeros rather than repeating the last output.</param>
        /// <param name="statesNeeded">Whether the caller uses the final states (returnState, stateful, Bidirectional);
        /// when it does not, a one-direction LSTM may run grouped, which leaves its final cell state meaningless.</param>
        /// <param name="lastStepOnly">The caller reads only the last step of each sequence (no returnSequences): only
        /// that step is gathered, so each result sequence has one step.</param>
        /// <returns>The result, or null when the mask is not one contiguous run per sample.</returns>
        public Result? Run(IReadOnlyList<Tensor> inputs, Tensor? mask, Tensor[][] initial, bool zeroOutputForMask, bool statesNeeded, bool lastStepOnly)
        {
            using var scope = NewDisposeScope();
            // The same input for both directions runs once.
            if (inputs.Count == 2 && ReferenceEquals(inputs[0], inputs[1])) inputs = new[] { inputs[0] };
            MaskedRun? run = null;
            // An empty batch has nothing to mask (and its lengths have no minimum).
            if (mask is not null && inputs[0].shape[0] > 0)
            {
                run = MaskedRun.Of(mask);
                if (run is null) return null;
                if (run.Complete) run = null;
            }
            // A layer computing in 16 bits hands its inputs over in that dtype: the kernel runs in it, on a copy of the
            // float32 weights in that dtype whose gradients reach the float32 weights.
            var result = Layer.IsLowPrecision(inputs[0].dtype)
                ? LowPrecisionRun.For(this, inputs[0]).Run(inputs, run, initial, zeroOutputForMask, statesNeeded, lastStepOnly)
                : Compute(inputs, run, initial, zeroOutputForMask, statesNeeded, lastStepOnly);
            return new Result(
                result.Sequences.Select(s => s.MoveToOuterDisposeScope()).ToArray(),
                result.Finals.Select(f => f.Select(s => s.MoveToOuterDisposeScope()).ToArray()).ToArray(),
                result.LengthGroups);
        }

        /// <summary>The computation of <see cref="Run"/> on this engine's module, in the inputs' dtype (the module's).</summary>
        internal Result Compute(IReadOnlyList<Tensor> inputs, MaskedRun? run, Tensor[][] initial, bool zeroOutputForMask, bool statesNeeded, bool lastStepOnly)
        {
            var states = Enumerable.Range(0, StateCount).Select(k => stack(initial.Select(d => d[k]).ToArray())).ToArray();
            var sequences = new Tensor[Directions];
            var finals = new Tensor[Directions][];
            int groups = 0;
            if (run is null)
            {
                var (outputs, ends) = PerDirection(inputs.Count, i => Call(inputs[i], states));
                for (int d = 0; d < Directions; d++)
                {
                    // The last step in processing order: the forward direction's last, the backward direction's first.
                    var output = outputs[d];
                    sequences[d] = d == 0
                        ? (lastStepOnly ? output.narrow(1, output.shape[1] - 1, 1) : output)
                        : (lastStepOnly ? output.narrow(1, 0, 1) : output.flip(1));
                    finals[d] = ends[d];
                }
            }
            else
            {
                var shifted = inputs.Select(run.ShiftToFront).ToArray();
                if (LengthGroupedRun.Applies(shifted[0], Directions, StateCount, statesNeeded))
                {
                    (var output, groups) = LengthGroupedRun.Run(this, shifted[0], states, run, lastStepOnly);
                    sequences[0] = run.Place(output, 0, lastStepOnly, zeroOutputForMask, atLastValid: lastStepOnly);
                    // A single-state cell's state is its last valid output. An LSTM runs grouped only when no state is
                    // used: its final states past the padding are meaningless, so the initial ones stand in, unread.
                    finals[0] = StateCount == 1
                        ? new[] { lastStepOnly ? output.squeeze(1) : run.AtLastValid(output) }
                        : initial[0];
                }
                else
                {
                    var (outputs, ends) = PackedRun.Run(this, shifted, states, run);
                    for (int d = 0; d < Directions; d++)
                    {
                        sequences[d] = run.Place(outputs[d], d, lastStepOnly, zeroOutputForMask);
                        finals[d] = ends[d];
                    }
                }
                for (int d = 0; d < Directions; d++) finals[d] = run.KeepValid(finals[d], initial[d]);
            }
            return new Result(sequences, finals, groups);
        }
    }
}
