using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A whole sequence on a fused engine of one or two directions, with Keras's masking rules. Masked batches run fused
    /// when each sample's valid steps form one contiguous run (right padding, left padding, or both): the runs are
    /// shifted to the front, run packed in one call (or, on the CPU with one direction and no LSTM state needed, padded
    /// in groups of similar length; see <see cref="PreferPaddedRun"/>) and placed back.
    /// </summary>
    internal static class FusedSequence
    {
        /// <summary>The result of a run.</summary>
        /// <param name="Sequences">Per direction, the Keras output sequence in that direction's processing order (the
        /// backward direction's is time-reversed), or only its last step.</param>
        /// <param name="Finals">Per direction, the final states.</param>
        /// <param name="LengthGroups">The number of padded calls over groups of similar length, or 0 when the batch ran
        /// unmasked or packed.</param>
        public sealed record Result(Tensor[] Sequences, Tensor[][] Finals, int LengthGroups = 0);

        /// <summary>
        /// Runs <paramref name="engine"/> (of <paramref name="cell"/>'s kind) over <paramref name="x"/>.
        /// With one direction the engine runs forward (a goBackwards layer passes its input already reversed). With two,
        /// the second direction runs backward over the same time axis, as Keras's backward layer of a
        /// <see cref="Bidirectional"/>; <paramref name="xBackward"/>, when not null, is that direction's own input (its own
        /// dropout mask): the engine then runs once per input and each direction keeps its half.
        /// </summary>
        /// <remarks><paramref name="statesNeeded"/>: whether the caller uses the final states (returnState, stateful,
        /// Bidirectional). When it does not, a one-direction LSTM may run padded, which leaves its final cell state
        /// meaningless. <paramref name="lastStepOnly"/>: the caller reads only the last step of each sequence (no
        /// returnSequences), so only that step is gathered: each result sequence then has one step.</remarks>
        /// <returns>The result, or null when the mask is not one contiguous run per sample.</returns>
        public static Result? Run(FusedRNNCell cell, nn.Module engine, Tensor x, Tensor? xBackward, Tensor? mask,
            Tensor[][] initial, bool zeroOutputForMask, bool statesNeeded = true, bool lastStepOnly = false)
        {
            int directions = initial.Length;
            long batch = x.shape[0], steps = x.shape[1];
            int hidden = cell.Units;
            using var scope = NewDisposeScope();
            var engineStates = Enumerable.Range(0, initial[0].Length)
                .Select(k => stack(initial.Select(d => d[k]).ToArray())).ToArray();
            var inputs = xBackward is null || ReferenceEquals(xBackward, x) ? new[] { x } : new[] { x, xBackward };

            Tensor? lengths = null, start = null, time = null;
            // An empty batch has nothing to mask (and its lengths have no minimum).
            if (batch == 0) mask = null;
            if (mask is not null)
            {
                time = arange(steps, dtype: int64, device: x.device).unsqueeze(0);
                lengths = mask.sum(1, type: int64);
                start = where(lengths > 0, mask.to(int64).argmax(1), zeros_like(lengths));
                var end = start + lengths;
                var run = (time >= start.unsqueeze(1)).logical_and(time < end.unsqueeze(1));
                if (run.ne(mask).any().item<bool>()) return null;
                if (lengths.min().item<long>() == steps) mask = null;
            }

            // Each direction's output over the original time axis, and its final states.
            var outputs = new Tensor[directions];
            var finals = new Tensor[directions][];
            if (mask is null)
            {
                for (int i = 0; i < inputs.Length; i++)
                {
                    var (output, states) = cell.RunEngine(engine, inputs[i], engineStates);
                    Collect(output, states, i, inputs.Length, directions, hidden, outputs, finals);
                }
                // The last step in processing order: the forward direction's last, the backward direction's first.
                var sequences = Enumerable.Range(0, directions).Select(d => d == 0
                    ? (lastStepOnly ? outputs[d].narrow(1, outputs[d].shape[1] - 1, 1) : outputs[d])
                    : (lastStepOnly ? outputs[d].narrow(1, 0, 1) : outputs[d].flip(1))).ToArray();
                return MoveOut(sequences, finals);
            }

            return RunMasked(cell, engine, inputs, engineStates, initial, time!, start!, lengths!, zeroOutputForMask, statesNeeded,
                lastStepOnly, directions, hidden, outputs, finals);
        }

        private static Result RunMasked(FusedRNNCell cell, nn.Module engine, Tensor[] inputs, Tensor[] engineStates, Tensor[][] initial,
            Tensor time, Tensor start, Tensor lengths, bool zeroOutputForMask, bool statesNeeded, bool lastStepOnly, int directions,
            int hidden, Tensor[] outputs, Tensor[][] finals)
        {
            long batch = inputs[0].shape[0], steps = inputs[0].shape[1];
            bool shifted = start.any().item<bool>();
            var shiftIndex = (time + start.unsqueeze(1)).clamp_max(steps - 1);
            // Each sample's run moved to the front; the steps after it hold whatever followed the run, and are never read.
            Tensor ShiftToFront(Tensor input)
                => shifted ? input.gather(1, shiftIndex.unsqueeze(2).expand(batch, steps, input.shape[2])) : input;
            // Packing needs lengths >= 1; fully masked samples run one step that is discarded below.
            var packLengths = lengths.clamp_min(1).cpu();
            long[] lengthValues = packLengths.data<long>().ToArray();
            var lastValid = (lengths - 1).clamp_min(0).unsqueeze(1);
            // With lastStepOnly, outputs[0] from the grouped padded run below already holds each sample's last valid
            // output (one step), which is what the gather below would pick: it is used as it is.
            bool outputsAtLastValid = false;
            int lengthGroups = 0;
            if (PreferPaddedRun(inputs[0], directions, initial[0].Length, statesNeeded))
            {
                (outputs[0], lengthGroups) = RunGroupsPadded(cell, engine, ShiftToFront(inputs[0]), engineStates, lengthValues, lastValid, lastStepOnly, hidden);
                outputsAtLastValid = lastStepOnly;
                // A single-state cell's state is its last valid output. An LSTM gets here only when no state is used: its
                // final states past the padding would be meaningless, so the initial ones stand in, unread.
                finals[0] = initial[0].Length == 1
                    ? new[] { (outputsAtLastValid ? outputs[0] : outputs[0].gather(1, lastValid.unsqueeze(2).expand(batch, 1, hidden))).squeeze(1) }
                    : initial[0];
            }
            else
            {
                for (int i = 0; i < inputs.Length; i++)
                {
                    var packed = nn.utils.rnn.pack_padded_sequence(ShiftToFront(inputs[i]), packLengths, batch_first: true, enforce_sorted: false);
                    var (packedOutput, states) = cell.RunEngine(engine, packed, engineStates);
                    var (padded, _) = nn.utils.rnn.pad_packed_sequence(packedOutput, batch_first: true, total_length: steps);
                    Collect(padded, states, i, inputs.Length, directions, hidden, outputs, finals);
                }
            }

            // Step t of the run sits at packed index t - start; outside the run the index is clamped to the run's ends.
            var valid = (lengths > 0).unsqueeze(1);
            var result = new Tensor[directions];
            for (int d = 0; d < directions; d++)
            {
                // The steps to produce: all, or only the last in processing order (the backward direction's is step 0).
                var at = lastStepOnly ? full(1, 1, d == 0 ? steps - 1 : 0, dtype: int64, device: time.device) : time;
                var inRun = (at >= start.unsqueeze(1)).logical_and(at < (start + lengths).unsqueeze(1));
                var values = outputsAtLastValid
                    ? outputs[d]
                    : outputs[d].gather(1, minimum((at - start.unsqueeze(1)).clamp_min(0), lastValid).unsqueeze(2).expand(batch, at.shape[1], hidden));
                // Forward: zeros before the run, the last output after it. Backward (processing the reversed sequence):
                // zeros after the run, the output of the run's first step before it. zeroOutputForMask zeroes both.
                var keep = zeroOutputForMask ? inRun
                    : (d == 0 ? at >= start.unsqueeze(1) : at < (start + lengths).unsqueeze(1)).logical_and(valid);
                var sequence = where(keep.unsqueeze(2), values, zeros_like(values));
                result[d] = d == 0 ? sequence : sequence.flip(1);
                finals[d] = finals[d].Select((s, k) => where(valid, s, initial[d][k])).ToArray();
            }
            return MoveOut(result, finals, lengthGroups);
        }

        /// <summary>
        /// Whether a masked one-direction batch runs padded (in groups of similar length, each sample over its group's
        /// longest run, valid outputs gathered afterwards) rather than packed. On the CPU libtorch runs padded batches on
        /// oneDNN's fused kernel but packed ones on a generic per-step loop, measured (bench S7, LSTM(128), 200 steps,
        /// lengths 10-200, 2-core EPYC) at 1.5x the padded time forward and 4-16x forward+backward. cuDNN runs packed
        /// batches natively, so other devices pack. The backward direction of a bidirectional engine would read padding
        /// first, and an LSTM's final cell state is not in its outputs, so those pack unless no state is used.
        /// </summary>
        private static bool PreferPaddedRun(Tensor x, int directions, int stateCount, bool statesNeeded)
            => x.device_type == DeviceType.CPU
               && directions == 1
               && (stateCount == 1 || !statesNeeded);

        /// <summary>
        /// Runs a one-direction engine over <paramref name="input"/>, whose runs all start at step 0, in groups of
        /// samples of similar length (<see cref="LengthBuckets"/>), each group padded only to its own longest run; a
        /// sample's result does not depend on the others in its batch, so grouping changes no value. Returns the outputs
        /// in batch order over the longest run (steps past a sample's run come from padding and are never read), or with
        /// <paramref name="lastStepOnly"/> each sample's output at its last valid step, <c>(batch, 1, units)</c>.
        /// </summary>
        private static (Tensor Output, int Groups) RunGroupsPadded(FusedRNNCell cell, nn.Module engine, Tensor input, Tensor[] engineStates,
            long[] lengthValues, Tensor lastValid, bool lastStepOnly, int hidden)
        {
            var groups = LengthBuckets.Plan(lengthValues);
            long longest = groups[0].Longest;
            var parts = new Tensor[groups.Count];
            var order = new long[lengthValues.Length];
            int next = 0;
            foreach (var (group, g) in groups.Select((group, g) => (group, g)))
            {
                Tensor? index = groups.Count == 1 ? null : tensor(group.Indices, device: input.device);
                Tensor Rows(Tensor t, int axis) => index is null ? t : t.index_select(axis, index);
                var (output, _) = cell.RunEngine(engine, Rows(input.narrow(1, 0, group.Longest), 0),
                    engineStates.Select(s => Rows(s, 1)).ToArray());
                parts[g] = lastStepOnly
                    ? output.gather(1, Rows(lastValid, 0).unsqueeze(2).expand(group.Indices.Length, 1, hidden))
                    : group.Longest < longest ? nn.functional.pad(output, new[] { 0L, 0, 0, longest - group.Longest }) : output;
                foreach (long i in group.Indices) order[next++] = i;
            }
            if (groups.Count == 1) return (parts[0], 1);
            // Back to batch order: position i of the concatenation holds sample order[i].
            var inverse = new long[order.Length];
            for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
            return (cat(parts, 0).index_select(0, tensor(inverse, device: input.device)), groups.Count);
        }

        // Splits an engine output (batch, time, directions * hidden) and states (directions, batch, hidden). With one
        // input per direction, call i keeps only direction i.
        private static void Collect(Tensor output, Tensor[] states, int call, int calls, int directions, int hidden, Tensor[] outputs, Tensor[][] finals)
        {
            for (int d = 0; d < directions; d++)
            {
                if (calls > 1 && d != call) continue;
                outputs[d] = directions == 1 ? output : output.narrow(2, (long)d * hidden, hidden);
                finals[d] = states.Select(s => s[d]).ToArray();
            }
        }

        private static Result MoveOut(Tensor[] sequences, Tensor[][] finals, int lengthGroups = 0)
            => new(sequences.Select(s => s.MoveToOuterDisposeScope()).ToArray(),
                   finals.Select(f => f.Select(s => s.MoveToOuterDisposeScope()).ToArray()).ToArray(), lengthGroups);
    }
}
