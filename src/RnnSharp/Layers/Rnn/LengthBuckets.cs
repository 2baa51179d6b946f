using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Splits a masked batch into groups of samples with similar valid lengths, so that each group can run padded only to
    /// its own longest sample. A padded fused call over a group costs about <c>longest × (rows + overheadRows)</c>
    /// row-steps: the rows' own work, plus a per-step cost that does not shrink with the group (reading the recurrent
    /// weights, the kernel's per-step set-up), expressed as a number of rows. The split minimises the sum of those costs
    /// exactly: after sorting by length an optimal split cuts the sorted order into consecutive runs, found by dynamic
    /// programming over the distinct lengths.
    /// </summary>
    internal static class LengthBuckets
    {
        /// <summary>The per-step cost of one fused call, in rows. Chosen on the bench (S7: LSTM(128), lengths 10-200, B = 64
        /// and 256, 2-core EPYC, libtorch 2.10): 1-2 gave the best masked throughput on one thread, 2-8 were within the
        /// spread on two, 16 and more gave back much of the gain, and 0 (a call per distinct length) was slower than no
        /// grouping in inference. LSTM(512) and LSTM(1024) (lengths 10-100, B = 32 and 128) gained from grouping with 2 and 8 alike.</summary>
        public const int DefaultOverheadRows = 2;

        /// <summary>One group: the indices of its samples (longest first) and the longest length among them.</summary>
        public sealed record Group(long[] Indices, long Longest);

        /// <summary>Groups the samples of a batch by <paramref name="lengths"/> (one per sample, at least 1).</summary>
        public static IReadOnlyList<Group> Plan(IReadOnlyList<long> lengths, int overheadRows = DefaultOverheadRows)
        {
            if (lengths.Count == 0) return Array.Empty<Group>();
            // Distinct lengths, longest first, with the samples of each.
            var levels = Enumerable.Range(0, lengths.Count)
                .GroupBy(i => lengths[i])
                .OrderByDescending(g => g.Key)
                .Select(g => (Length: g.Key, Samples: g.Select(i => (long)i).ToArray()))
                .ToArray();
            int n = levels.Length;
            // best[j]: the least cost of the levels from j to the end; cut[j]: where the group starting at level j ends.
            var best = new double[n + 1];
            var cut = new int[n];
            for (int j = n - 1; j >= 0; j--)
            {
                best[j] = double.PositiveInfinity;
                long rows = 0;
                for (int k = j; k < n; k++)
                {
                    rows += levels[k].Samples.Length;
                    double cost = (double)levels[j].Length * (rows + overheadRows) + best[k + 1];
                    if (cost < best[j])
                    {
                        best[j] = cost;
                        cut[j] = k + 1;
                    }
                }
            }
            var groups = new List<Group>();
            for (int j = 0; j < n; j = cut[j])
                groups.Add(new Group(levels[j..cut[j]].SelectMany(l => l.Samples).ToArray(), levels[j].Length));
            return groups;
        }
    }
}
