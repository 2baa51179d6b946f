using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// <see cref="MaskedRun"/>: finding each sample's one run of valid steps, moving the runs to the front, and putting a
    /// direction's outputs back on the time axis. Expectations are written by hand or computed in plain C# by simulating
    /// Keras's masking rule step by step (a masked step repeats the previous output, zeros before the first one, or
    /// outputs zeros with zeroOutputForMask), never from the code under test.
    /// </summary>
    public class MaskedRunTests
    {
        private const int Steps = 5, Units = 2;

        // Valid steps per row as [from, to): right, left and both-side padding, a full row, an empty row, one middle step.
        private static readonly (int From, int To)[] Rows = { (0, 3), (2, 5), (1, 4), (0, 5), (0, 0), (3, 4) };

        private static Tensor Mask(int steps, IEnumerable<(int From, int To)> rows)
        {
            var list = rows.ToArray();
            return tensor(list.SelectMany(r => Enumerable.Range(0, steps).Select(t => t >= r.From && t < r.To)).ToArray(), new long[] { list.Length, steps });
        }

        private static Tensor Mask(params bool[][] rows)
            => tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length });

        private static long[] Longs(Tensor t) => t.cpu().contiguous().data<long>().ToArray();

        [Fact]
        public void OfIsNullWhenASamplesValidStepsHaveAHole()
        {
            using var scope = NewDisposeScope();
            bool[] contiguous = { true, true, true, false };
            foreach (var holed in new[]
            {
                new[] { true, false, true, true },
                new[] { false, true, false, true },
                new[] { true, true, false, true },
                new[] { true, false, false, true },
            })
            {
                Assert.Null(MaskedRun.Of(Mask(contiguous, holed)));
                Assert.Null(MaskedRun.Of(Mask(holed, contiguous)));
            }
            // The same batch without the hole has runs.
            Assert.NotNull(MaskedRun.Of(Mask(contiguous, new[] { false, true, true, true })));
        }

        [Fact]
        public void OfIsCompleteOnlyWhenEveryStepOfEverySampleIsValid()
        {
            using var scope = NewDisposeScope();
            Assert.True(MaskedRun.Of(Mask(Steps, new[] { (0, Steps), (0, Steps) }))!.Complete);
            Assert.True(MaskedRun.Of(Mask(1, new[] { (0, 1) }))!.Complete);
            Assert.False(MaskedRun.Of(Mask(Steps, new[] { (0, Steps), (0, Steps - 1) }))!.Complete);
            Assert.False(MaskedRun.Of(Mask(Steps, new[] { (0, Steps), (1, Steps) }))!.Complete);
            Assert.False(MaskedRun.Of(Mask(Steps, new[] { (0, Steps), (0, 0) }))!.Complete);
            Assert.False(MaskedRun.Of(Mask(Steps, Rows))!.Complete);
        }

        [Fact]
        public void OfGivesEachRunsStartAndLengthForEveryPadding()
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, Rows))!;
            Assert.Equal(Steps, run.Steps);
            Assert.Equal(Rows.Length, run.Batch);
            Assert.Equal(ScalarType.Int64, run.Start.dtype);
            Assert.Equal(ScalarType.Int64, run.Lengths.dtype);
            // right (0,3), left (2,5), both (1,4), full (0,5), empty (start 0), one middle step (3,4).
            Assert.Equal(new long[] { 0, 2, 1, 0, 0, 3 }, Longs(run.Start));
            Assert.Equal(new long[] { 3, 3, 3, 5, 0, 1 }, Longs(run.Lengths));
            // Once moved to the front, each run's last step (0 for an empty run); packing lengths are at least 1, on the CPU.
            Assert.Equal(new long[] { 2, 2, 2, 4, 0, 0 }, Longs(run.LastValid.squeeze(1)));
            Assert.Equal(DeviceType.CPU, run.HostLengths.device_type);
            Assert.Equal(new long[] { 3, 3, 3, 5, 1, 1 }, Longs(run.HostLengths));
        }

        [Fact]
        public void OfGivesZeroStartAndLengthForAnAllEmptyBatch()
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, new[] { (0, 0), (0, 0) }))!;
            Assert.False(run.Complete);
            Assert.Equal(new long[] { 0, 0 }, Longs(run.Start));
            Assert.Equal(new long[] { 0, 0 }, Longs(run.Lengths));
        }

        // x[b, t, f] = 100 b + 10 t + f: a value names its sample, step and feature.
        private static Tensor Indexed(int batch, int steps, int features)
            => tensor(Enumerable.Range(0, batch * steps * features)
                .Select(i => (float)(100 * (i / (steps * features)) + 10 * (i / features % steps) + i % features)).ToArray(),
                new long[] { batch, steps, features });

        [Fact]
        public void ShiftToFrontMovesEachRunToStepZero()
        {
            using var scope = NewDisposeScope();
            const int features = 2;
            var run = MaskedRun.Of(Mask(Steps, Rows))!;
            var shifted = run.ShiftToFront(Indexed(Rows.Length, Steps, features));
            Assert.Equal(new long[] { Rows.Length, Steps, features }, shifted.shape);
            // By hand: the steps of each run, now at 0, 1, ...
            int[][] runSteps =
            {
                new[] { 0, 1, 2 },
                new[] { 2, 3, 4 },
                new[] { 1, 2, 3 },
                new[] { 0, 1, 2, 3, 4 },
                Array.Empty<int>(),
                new[] { 3 },
            };
            var values = TestTensors.Values(shifted);
            for (int b = 0; b < Rows.Length; b++)
                for (int i = 0; i < runSteps[b].Length; i++)
                    for (int f = 0; f < features; f++)
                        Assert.Equal(100 * b + 10 * runSteps[b][i] + f, values[(b * Steps + i) * features + f]);
        }

        [Fact]
        public void ShiftToFrontLeavesRunsThatAlreadyStartAtZero()
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, new[] { (0, 3), (0, 5), (0, 0), (0, 1) }))!;
            var x = Indexed(4, Steps, 3);
            Assert.True(TestTensors.Same(x, run.ShiftToFront(x)));
        }

        // Output of run step i in time order (the backward direction's output at time start + i): 1 + 100 b + 10 i + u.
        // Positions past the run hold -1000 - ...: they must never be read.
        private static double[][][] RunOutputs()
            => Rows.Select((r, b) => Enumerable.Range(0, Steps)
                .Select(i => Enumerable.Range(0, Units).Select(u => i < r.To - r.From ? 1.0 + 100 * b + 10 * i + u : -1000.0 - 100 * b - 10 * i - u).ToArray())
                .ToArray()).ToArray();

        /// <summary>
        /// Keras's masked output sequence of one direction, in processing order, simulated step by step: the forward
        /// direction processes t = 0..T-1, the backward one t = T-1..0; a valid step outputs its run output, a masked
        /// step repeats the previous output (zeros before the first), or outputs zeros with zeroOutputForMask.
        /// </summary>
        private static double[][][] KerasSequence(double[][][] runOutputs, int direction, bool zeroOutputForMask)
            => Rows.Select((r, b) =>
            {
                var previous = new double[Units];
                var sequence = new double[Steps][];
                for (int p = 0; p < Steps; p++)
                {
                    int t = direction == 0 ? p : Steps - 1 - p;
                    bool valid = t >= r.From && t < r.To;
                    var output = valid ? runOutputs[b][t - r.From] : zeroOutputForMask ? new double[Units] : previous;
                    sequence[p] = output;
                    previous = output;
                }
                return sequence;
            }).ToArray();

        private static double[] Flat(IEnumerable<double[][]> sequences) => sequences.SelectMany(s => s.SelectMany(v => v)).ToArray();

        public static IEnumerable<object[]> PlaceCases()
            => from direction in new[] { 0, 1 }
               from lastStepOnly in new[] { false, true }
               from zeroOutput in new[] { false, true }
               select new object[] { direction, lastStepOnly, zeroOutput };

        [Theory]
        [MemberData(nameof(PlaceCases))]
        public void PlaceFollowsKerasMaskingRule(int direction, bool lastStepOnly, bool zeroOutputForMask)
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, Rows))!;
            var outputs = RunOutputs();
            var placed = run.Place(TestTensors.From(outputs), direction, lastStepOnly, zeroOutputForMask);
            var expected = KerasSequence(outputs, direction, zeroOutputForMask);
            if (lastStepOnly) expected = expected.Select(s => new[] { s[^1] }).ToArray();
            Assert.Equal(new long[] { Rows.Length, lastStepOnly ? 1 : Steps, Units }, placed.shape);
            TestTensors.AssertClose(Flat(expected), placed, 0, $"direction {direction} last={lastStepOnly} zero={zeroOutputForMask}");
        }

        [Theory]
        [InlineData(0, false)]
        [InlineData(0, true)]
        [InlineData(1, false)]
        [InlineData(1, true)]
        public void PlaceAtLastValidTakesEachRunsLastOutputInProcessingOrder(int direction, bool zeroOutputForMask)
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, Rows))!;
            var outputs = RunOutputs();
            // One step per sample: the run's last output in processing order (forward: its last step; backward: its
            // first); an empty run's is garbage and must not show.
            var last = Rows.Select((r, b) =>
            {
                int length = r.To - r.From;
                return new[] { length == 0 ? new[] { -5000.0, -5001.0 } : outputs[b][direction == 0 ? length - 1 : 0] };
            }).ToArray();
            var placed = run.Place(TestTensors.From(last), direction, lastStepOnly: true, zeroOutputForMask, atLastValid: true);
            var expected = KerasSequence(outputs, direction, zeroOutputForMask).Select(s => new[] { s[^1] });
            Assert.Equal(new long[] { Rows.Length, 1, Units }, placed.shape);
            TestTensors.AssertClose(Flat(expected), placed, 0, $"direction {direction} zero={zeroOutputForMask}");
        }

        [Fact]
        public void PlaceGivesZerosThroughoutForAnEmptyRun()
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, new[] { (0, 0), (0, Steps) }))!;
            var outputs = full(2, Steps, Units, 9f);
            foreach (int direction in new[] { 0, 1 })
            foreach (bool lastStepOnly in new[] { false, true })
            foreach (bool zeroOutput in new[] { false, true })
            {
                var placed = run.Place(outputs, direction, lastStepOnly, zeroOutput);
                Assert.Equal(0f, placed[0].abs().max().item<float>());
                // The other row (all valid) shows its outputs.
                Assert.Equal(9f, placed[1].max().item<float>());
            }
        }

        [Fact]
        public void AtLastValidGathersEachRunsLastOutput()
        {
            using var scope = NewDisposeScope();
            var run = MaskedRun.Of(Mask(Steps, Rows))!;
            var outputs = RunOutputs();
            var last = run.AtLastValid(TestTensors.From(outputs));
            Assert.Equal(new long[] { Rows.Length, Units }, last.shape);
            var values = TestTensors.Values(last);
            for (int b = 0; b < Rows.Length; b++)
            {
                int length = Rows[b].To - Rows[b].From;
                if (length == 0) continue;
                for (int u = 0; u < Units; u++) Assert.Equal(1.0 + 100 * b + 10 * (length - 1) + u, values[b * Units + u]);
            }
        }

        [Fact]
        public void KeepValidKeepsInitialStatesForEmptyRuns()
        {
            using var scope = NewDisposeScope();
            var rows = new[] { (0, 3), (0, 0), (2, 5), (0, 0) };
            var run = MaskedRun.Of(Mask(Steps, rows))!;
            // Two states (an LSTM's h and c); finals b + 1 (+ 10 for c), initial -(b + 1) (- 10 for c).
            Tensor Filled(Func<int, int, float> value)
                => tensor(Enumerable.Range(0, rows.Length * Units).Select(i => value(i / Units, i % Units)).ToArray(), new long[] { rows.Length, Units });
            var finals = new[] { Filled((b, u) => b + 1 + u / 10f), Filled((b, u) => b + 11 + u / 10f) };
            var initial = new[] { Filled((b, u) => -(b + 1) - u / 10f), Filled((b, u) => -(b + 11) - u / 10f) };
            var kept = run.KeepValid(finals, initial);
            Assert.Equal(2, kept.Length);
            for (int k = 0; k < 2; k++)
            {
                var values = TestTensors.Values(kept[k]);
                for (int b = 0; b < rows.Length; b++)
                    for (int u = 0; u < Units; u++)
                    {
                        float expected = b % 2 == 1 ? -(b + 1 + 10 * k) - u / 10f : b + 1 + 10 * k + u / 10f;
                        Assert.Equal(expected, values[b * Units + u]);
                    }
            }
        }
    }
}
