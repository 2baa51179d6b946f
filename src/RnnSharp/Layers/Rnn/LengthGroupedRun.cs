using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A masked one-direction batch on a fused engine as a few padded calls: the samples are grouped by the length of
    /// their run (<see cref="LengthBuckets"/>) and each group runs padded only to its own longest run. A sample's outputs
    /// over its run do not depend on the padding after it or on the other samples, so grouping changes no value; the
    /// final states past the padding are meaningless, so only a single-state cell's (its last valid output) is usable.
    /// </summary>
    internal static class LengthGroupedRun
    {
        /// <summary>
        /// Whether a masked batch runs grouped rather than packed. On the CPU libtorch runs padded batches on oneDNN's
        /// fused kernel but packed ones on a generic per-step loop, measured (bench S7, LSTM(128), 200 steps, lengths
        /// 10-200, 2-core EPYC) at 1.5x the padded time forward and 4-16x forward+backward. cuDNN runs packed batches
        /// natively, so other devices pack. The backward direction of a bidirectional engine would read padding first,
        /// and an LSTM's final cell state is not in its outputs, so those pack unless no state is used.
        /// </summary>
        public static bool Applies(Tensor input, int directions, int stateCount, bool statesNeeded)
            => input.device_type == DeviceType.CPU && directions == 1 && (stateCount == 1 || !statesNeeded);

        /// <summary>
        /// Runs one-direction <paramref name="engine"/> over <paramref name="input"/> (the runs of <paramref name="run"/>
        /// moved to the front) from <paramref name="states"/> (<c>(1, batch, units)</c> each), group by group. Returns the
        /// outputs in batch order over the longest run (steps past a sample's run come from padding and are never read),
        /// or with <paramref name="lastStepOnly"/> each sample's output at its last valid step, <c>(batch, 1, units)</c>;
        /// and the number of groups.
        /// </summary>
        public static (Tensor Output, int Groups) Run(FusedEngine engine, Tensor input, Tensor[] states, MaskedRun run, bool lastStepOnly)
        {
            var groups = LengthBuckets.Plan(run.HostLengths.data<long>().ToArray());
            long longest = groups[0].Longest;
            var parts = new Tensor[groups.Count];
            var order = new long[run.Batch];
            int next = 0;
            foreach (var (group, g) in groups.Select((group, g) => (group, g)))
            {
                Tensor? index = groups.Count == 1 ? null : tensor(group.Indices, device: input.device);
                Tensor Rows(Tensor t, int axis) => index is null ? t : t.index_select(axis, index);
                var (output, _) = engine.Call(Rows(input.narrow(1, 0, group.Longest), 0), states.Select(s => Rows(s, 1)).ToArray());
                parts[g] = lastStepOnly
                    ? output.gather(1, Rows(run.LastValid, 0).unsqueeze(2).expand(group.Indices.Length, 1, output.shape[2]))
                    : group.Longest < longest ? nn.functional.pad(output, new[] { 0L, 0, 0, longest - group.Longest }) : output;
                foreach (long i in group.Indices) order[next++] = i;
            }
            if (groups.Count == 1) return (parts[0], 1);
            // Back to batch order: position i of the concatenation holds sample order[i].
            var inverse = new long[order.Length];
            for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
            return (cat(parts, 0).index_select(0, tensor(inverse, device: input.device)), groups.Count);
        }
    }
}
