using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// The grouping of a masked batch by length: checked against an exhaustive search over every way of splitting the
    /// samples into groups (not only splits of the sorted order), with the cost written from its definition.
    /// </summary>
    public class LengthBucketsTests
    {
        // Cost of a grouping: each group runs padded to its longest sample, plus a per-step overhead of `overhead` rows.
        private static double Cost(IEnumerable<IReadOnlyList<int>> groups, long[] lengths, int overhead)
            => groups.Sum(g => (double)g.Max(i => lengths[i]) * (g.Count + overhead));

        // Every set partition of {0..n-1}, by placing each element in an existing block or a new one.
        private static IEnumerable<List<List<int>>> Partitions(int n)
        {
            if (n == 0)
            {
                yield return new List<List<int>>();
                yield break;
            }
            foreach (var rest in Partitions(n - 1))
            {
                for (int b = 0; b < rest.Count; b++)
                {
                    var copy = rest.Select(g => g.ToList()).ToList();
                    copy[b].Add(n - 1);
                    yield return copy;
                }
                var added = rest.Select(g => g.ToList()).ToList();
                added.Add(new List<int> { n - 1 });
                yield return added;
            }
        }

        public static IEnumerable<object[]> Batches() => new[]
        {
            new object[] { new long[] { 7, 4, 1, 6 }, 2 },
            new object[] { new long[] { 30, 1, 1, 1, 1, 1, 1 }, 2 },
            new object[] { new long[] { 5, 5, 5, 5 }, 2 },
            new object[] { new long[] { 200, 10, 150, 12, 90, 11, 180, 95 }, 2 },
            new object[] { new long[] { 200, 10, 150, 12, 90, 11, 180, 95 }, 8 },
            new object[] { new long[] { 200, 10, 150, 12, 90, 11, 180, 95 }, 0 },
            new object[] { new long[] { 3, 9, 27, 81, 243, 2, 8 }, 1 },
        };

        [Theory]
        [MemberData(nameof(Batches))]
        public void PlanIsAnOptimalGrouping(long[] lengths, int overhead)
        {
            var plan = LengthBuckets.Plan(lengths, overhead);

            // Every sample exactly once, each group's Longest its true longest, longest groups first.
            Assert.Equal(Enumerable.Range(0, lengths.Length).Select(i => (long)i), plan.SelectMany(g => g.Indices).OrderBy(i => i));
            foreach (var g in plan) Assert.Equal(g.Indices.Max(i => lengths[i]), g.Longest);
            Assert.Equal(plan.Select(g => g.Longest).OrderByDescending(l => l), plan.Select(g => g.Longest));

            double best = Partitions(lengths.Length).Min(p => Cost(p, lengths, overhead));
            double planned = Cost(plan.Select(g => (IReadOnlyList<int>)g.Indices.Select(i => (int)i).ToList()), lengths, overhead);
            Assert.Equal(best, planned, 6);
        }

        [Fact]
        public void SpreadLengthsSplitAndEqualLengthsDoNot()
        {
            Assert.Single(LengthBuckets.Plan(Enumerable.Repeat(80L, 64).ToArray()));
            var rng = new Random(3);
            var spread = Enumerable.Range(0, 64).Select(_ => (long)rng.Next(10, 201)).ToArray();
            var plan = LengthBuckets.Plan(spread);
            Assert.InRange(plan.Count, 2, 64);
            // The padded work is then far below padding everything to the longest sample.
            long padded = plan.Sum(g => g.Longest * g.Indices.Length);
            Assert.True(padded < 0.75 * spread.Max() * spread.Length, $"padded work {padded}");
        }

        [Fact]
        public void EmptyBatchHasNoGroups() => Assert.Empty(LengthBuckets.Plan(Array.Empty<long>()));
    }
}
