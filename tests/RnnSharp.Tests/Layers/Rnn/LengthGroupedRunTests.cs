using System;
using System.Linq;
using RnnSharp.Layers;
using TorchSharp;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static RnnSharp.Tests.Layers.Rnn.PackedRunTests;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// <see cref="LengthGroupedRun"/> on real one-direction engines with Keras weights: samples grouped by run length,
    /// each group padded only to its longest run, must give each sample's outputs over its run as
    /// <see cref="KerasReference"/> run on that sample's valid steps alone, from non-zero initial states; and the rule
    /// for when a masked batch runs grouped rather than packed.
    /// </summary>
    public class LengthGroupedRunTests
    {
        private static (Weights W, double[][][] X, double[][][] Initial) Data(Kind kind, int seed)
        {
            var rng = new Random(seed + (int)kind);
            var w = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var x = TestTensors.Random3(rng, Rows.Length, Steps, Features);
            var initial = Enumerable.Range(0, StateCount(kind)).Select(_ => TestTensors.Random2(rng, Rows.Length, Units)).ToArray();
            return (w, x, initial);
        }

        private static Tensor[] OneDirectionStates(double[][][] initial) => initial.Select(s => TestTensors.From(s).unsqueeze(0)).ToArray();

        [Theory]
        [MemberData(nameof(Kinds), MemberType = typeof(PackedRunTests))]
        public void GroupedOutputsMatchKerasOnEachSamplesValidSteps(Kind kind)
        {
            var (w, x, initial) = Data(kind, 610);
            var (layer, engine) = OneDirection(kind, w);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var run = MaskedRun.Of(Mask())!;
            var (output, groups) = LengthGroupedRun.Run(engine, run.ShiftToFront(TestTensors.From(x)), OneDirectionStates(initial), run, lastStepOnly: false);
            Assert.True(groups > 1, $"{kind}: ran in {groups} group(s); the layout must need several");
            Assert.Equal(new long[] { Rows.Length, Steps, Units }, output.shape);
            var values = TestTensors.Values(output);
            var lastValues = TestTensors.Values(run.AtLastValid(output));
            for (int b = 0; b < Rows.Length; b++)
            {
                if (Length(b) == 0) continue;
                var expected = KerasReference.Run(kind, Trimmed(x, b), w, Units, initial: InitialOf(initial, b));
                for (int i = 0; i < Length(b); i++)
                    AssertClose(expected.Sequence[0][i], At(values, Steps, b, i), $"{kind} sample {b} step {i}");
                // A single-state cell's final state is its last valid output (what FusedEngine takes from a grouped run).
                if (StateCount(kind) == 1)
                    AssertClose(expected.States[0][0], Row(lastValues, b), $"{kind} sample {b} final state");
            }
            GC.KeepAlive(layer);
        }

        [Theory]
        [MemberData(nameof(Kinds), MemberType = typeof(PackedRunTests))]
        public void LastStepOnlyReturnsEachSamplesLastValidOutput(Kind kind)
        {
            var (w, x, initial) = Data(kind, 620);
            var (layer, engine) = OneDirection(kind, w);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var run = MaskedRun.Of(Mask())!;
            var (output, groups) = LengthGroupedRun.Run(engine, run.ShiftToFront(TestTensors.From(x)), OneDirectionStates(initial), run, lastStepOnly: true);
            Assert.True(groups > 1, $"{kind}: ran in {groups} group(s)");
            Assert.Equal(new long[] { Rows.Length, 1, Units }, output.shape);
            var values = TestTensors.Values(output);
            for (int b = 0; b < Rows.Length; b++)
            {
                if (Length(b) == 0) continue;
                var expected = KerasReference.Run(kind, Trimmed(x, b), w, Units, initial: InitialOf(initial, b));
                AssertClose(expected.Sequence[0][^1], At(values, 1, b, 0), $"{kind} sample {b} last output");
            }
            GC.KeepAlive(layer);
        }

        [Fact]
        public void AppliesOnTheCpuToOneDirectionWithASingleStateOrNoStatesNeeded()
        {
            using var scope = NewDisposeScope();
            var cpu = zeros(2, 3, 4);
            var meta = empty(new long[] { 2, 3, 4 }, device: new Device(DeviceType.META));
            foreach (int directions in new[] { 1, 2 })
            foreach (int stateCount in new[] { 1, 2 })
            foreach (bool statesNeeded in new[] { false, true })
            {
                bool expected = directions == 1 && (stateCount == 1 || !statesNeeded);
                string what = $"directions={directions} states={stateCount} needed={statesNeeded}";
                Assert.True(expected == LengthGroupedRun.Applies(cpu, directions, stateCount, statesNeeded), what);
                // Off the CPU batches pack (cuDNN runs packed sequences natively).
                Assert.False(LengthGroupedRun.Applies(meta, directions, stateCount, statesNeeded), what + " off the CPU");
            }
        }

        [Theory]
        [InlineData(Kind.SimpleRnn, true, true)]
        [InlineData(Kind.Gru, true, true)]
        [InlineData(Kind.Lstm, false, true)]
        [InlineData(Kind.Lstm, true, false)]
        public void EngineRunGroupsOneDirectionExactlyWhereItApplies(Kind kind, bool statesNeeded, bool grouped)
        {
            var (w, x, initial) = Data(kind, 630);
            var (layer, engine) = OneDirection(kind, w);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var boolMask = Rows.Select(r => Enumerable.Range(0, Steps).Select(t => t >= r.From && t < r.To).ToArray()).ToArray();
            var result = engine.Run(new[] { TestTensors.From(x) }, Mask(), new[] { initial.Select(TestTensors.From).ToArray() },
                zeroOutputForMask: false, statesNeeded: statesNeeded, lastStepOnly: false)!;
            Assert.NotNull(result);
            string what = $"{kind} statesNeeded={statesNeeded}";
            if (grouped) Assert.True(result.LengthGroups > 1, $"{what}: {result.LengthGroups} group(s)");
            else Assert.Equal(0, result.LengthGroups);
            // Either way the whole masked sequence is Keras's.
            var expected = KerasReference.Run(kind, x, w, Units, boolMask, initial);
            TestTensors.AssertClose(expected.SequenceFlat, result.Sequences[0], 1e-5, what + " sequence");
            if (statesNeeded)
                for (int k = 0; k < StateCount(kind); k++)
                    TestTensors.AssertClose(expected.StateFlat(k), result.Finals[0][k], 1e-5, what + $" state {k}");
            GC.KeepAlive(layer);
        }

        [Theory]
        [InlineData(Kind.SimpleRnn)]
        [InlineData(Kind.Lstm)]
        public void EngineRunPacksBothDirectionsOfABidirectionalEngine(Kind kind)
        {
            var (w, x, initial) = Data(kind, 640);
            var (layer, engine) = TwoDirections(kind, w, w);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var states = initial.Select(TestTensors.From).ToArray();
            var result = engine.Run(new[] { TestTensors.From(x) }, Mask(), new[] { states, states },
                zeroOutputForMask: true, statesNeeded: false, lastStepOnly: false)!;
            Assert.NotNull(result);
            Assert.Equal(0, result.LengthGroups);
            Assert.Equal(2, result.Sequences.Length);
            GC.KeepAlive(layer);
        }
    }
}
