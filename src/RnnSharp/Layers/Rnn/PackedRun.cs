using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A masked batch on a fused engine as packed sequences: each sample runs over its own run of valid steps only, in
    /// one call per input (cuDNN runs packed batches natively; libtorch's CPU path loops over the steps). Any number of
    /// directions and states; the final states are each run's own.
    /// </summary>
    internal static class PackedRun
    {
        /// <summary>
        /// Runs <paramref name="engine"/> over <paramref name="inputs"/> (one per direction, or one for all, each with the
        /// runs of <paramref name="run"/> moved to the front) from <paramref name="states"/> (<c>(directions, batch,
        /// units)</c> each). Returns each direction's outputs over the moved runs, padded to the batch's steps, and its
        /// final states.
        /// </summary>
        public static (Tensor[] Outputs, Tensor[][] Finals) Run(FusedEngine engine, IReadOnlyList<Tensor> inputs, Tensor[] states, MaskedRun run)
            => engine.PerDirection(inputs.Count, i =>
            {
                var packed = nn.utils.rnn.pack_padded_sequence(inputs[i], run.HostLengths, batch_first: true, enforce_sorted: false);
                var (output, finals) = engine.Call(packed, states);
                var (padded, _) = nn.utils.rnn.pad_packed_sequence(output, batch_first: true, total_length: run.Steps);
                return (padded, finals);
            });
    }
}
