using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// The valid steps of a masked batch whose samples each have one contiguous run of valid steps (right padding, left
    /// padding, or both): where each run starts, how long it is and its last step, computed once from the mask. A fused
    /// strategy (<see cref="PackedRun"/>, <see cref="LengthGroupedRun"/>) runs the engine over the runs moved to the front
    /// (<see cref="ShiftToFront"/>); <see cref="Place"/> then puts each direction's outputs back on the time axis with
    /// Keras's masking rules.
    /// </summary>
    /// <remarks>Its tensors belong to the dispose scope it was made in.</remarks>
    internal sealed class MaskedRun
    {
        private readonly Tensor time;
        private Tensor? shiftIndex;
        private Tensor? hostLengths;
        private Tensor? lastValid;
        private Tensor? nonEmpty;
        private bool? shifted;

        private MaskedRun(Tensor time, Tensor start, Tensor lengths)
        {
            this.time = time;
            Start = start;
            Lengths = lengths;
            Steps = time.shape[1];
            Batch = lengths.shape[0];
        }

        /// <summary>Each sample's first valid step, <c>(batch)</c> int64 (0 for a sample with none).</summary>
        public Tensor Start { get; }

        /// <summary>Each sample's number of valid steps, <c>(batch)</c> int64.</summary>
        public Tensor Lengths { get; }

        /// <summary>The number of timesteps of the batch.</summary>
        public long Steps { get; }

        /// <summary>The number of samples.</summary>
        public long Batch { get; }

        /// <summary>True when every step of every sample is valid: the batch runs as an unmasked one.</summary>
        public bool Complete { get; private init; }

        /// <summary>The index of each run's last step once moved to the front, <c>(batch, 1)</c> (0 for an empty run).</summary>
        public Tensor LastValid => lastValid ??= (Lengths - 1).clamp_min(0).unsqueeze(1);

        /// <summary>
        /// The runs of <paramref name="mask"/> (boolean <c>(batch, steps)</c>, at least one sample), or null when some
        /// sample's valid steps are not one contiguous run (a fused kernel cannot skip holes).
        /// </summary>
        public static MaskedRun? Of(Tensor mask)
        {
            long steps = mask.shape[1];
            var time = arange(steps, dtype: int64, device: mask.device).unsqueeze(0);
            var lengths = mask.sum(1, type: int64);
            var start = where(lengths > 0, mask.to(int64).argmax(1), zeros_like(lengths));
            var run = (time >= start.unsqueeze(1)).logical_and(time < (start + lengths).unsqueeze(1));
            if (run.ne(mask).any().item<bool>()) return null;
            return new MaskedRun(time, start, lengths) { Complete = lengths.min().item<long>() == steps };
        }

        /// <summary>Each run's length, at least 1, on the CPU (what packing takes; an empty run runs one discarded step).</summary>
        public Tensor HostLengths => hostLengths ??= Lengths.clamp_min(1).cpu();

        /// <summary>
        /// <paramref name="input"/> <c>(batch, steps, features)</c> with each sample's run moved to step 0; the steps
        /// after a run hold whatever followed it and are never read.
        /// </summary>
        public Tensor ShiftToFront(Tensor input)
        {
            shifted ??= Start.any().item<bool>();
            if (!shifted.Value) return input;
            shiftIndex ??= (time + Start.unsqueeze(1)).clamp_max(Steps - 1);
            return input.gather(1, shiftIndex.unsqueeze(2).expand(Batch, Steps, input.shape[2]));
        }

        /// <summary>Each sample's output at the last step of its run, <c>(batch, units)</c>, from outputs over the runs
        /// moved to the front.</summary>
        public Tensor AtLastValid(Tensor output)
            => output.gather(1, LastValid.unsqueeze(2).expand(Batch, 1, output.shape[2])).squeeze(1);

        /// <summary>
        /// One direction's Keras output sequence from its outputs over the runs moved to the front (or, with
        /// <paramref name="atLastValid"/>, already each run's last output, one step): in processing order (the backward
        /// direction's reversed), or only its last step with <paramref name="lastStepOnly"/>. Forward: zeros before the
        /// run, the run's outputs, then its last output repeated; backward (processing the reversed sequence): zeros
        /// after the run, the outputs, then the output of the run's first step repeated; zeros outside the run with
        /// <paramref name="zeroOutputForMask"/>; zeros throughout for an empty run.
        /// </summary>
        public Tensor Place(Tensor output, int direction, bool lastStepOnly, bool zeroOutputForMask, bool atLastValid = false)
        {
            long units = output.shape[2];
            var start = Start.unsqueeze(1);
            var end = (Start + Lengths).unsqueeze(1);
            // The steps to produce: all, or only the last in processing order (the backward direction's is step 0).
            var at = lastStepOnly ? full(1, 1, direction == 0 ? Steps - 1 : 0, dtype: int64, device: time.device) : time;
            var inRun = (at >= start).logical_and(at < end);
            // Step t of the run sits at index t - start; outside the run the index is clamped to the run's ends.
            var values = atLastValid
                ? output
                : output.gather(1, minimum((at - start).clamp_min(0), LastValid).unsqueeze(2).expand(Batch, at.shape[1], units));
            var keep = zeroOutputForMask ? inRun : (direction == 0 ? at >= start : at < end).logical_and(NonEmpty);
            var sequence = where(keep.unsqueeze(2), values, zeros_like(values));
            return direction == 0 ? sequence : sequence.flip(1);
        }

        /// <summary>The final states of a direction where its run is not empty, else its initial states (Keras keeps the
        /// states through masked steps).</summary>
        public Tensor[] KeepValid(Tensor[] finals, Tensor[] initial)
            => finals.Select((s, k) => where(NonEmpty, s, initial[k])).ToArray();

        private Tensor NonEmpty => nonEmpty ??= (Lengths > 0).unsqueeze(1);
    }
}
