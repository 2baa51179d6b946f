using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// <see cref="PackedRun"/> on real engines with Keras weights, one direction and two: over each sample's run moved
    /// to the front, the outputs and final states must be those of <see cref="KerasReference"/> run on that sample's
    /// valid steps alone (the backward direction: with goBackwards), from non-zero initial states.
    /// </summary>
    public class PackedRunTests
    {
        internal const int Features = 3, Units = 4, Steps = 7;
        private const double Tolerance = 1e-5;

        /// <summary>Valid steps per row as [from, to): one step at the start, left padded, empty, full, both sides, one
        /// step at the end, right padded. The (clamped) lengths 1, 4, 1, 7, 3, 1, 4 split into several length groups,
        /// whose order (longest first) is not the batch order.</summary>
        internal static readonly (int From, int To)[] Rows = { (0, 1), (3, 7), (0, 0), (0, 7), (2, 5), (6, 7), (0, 4) };

        /// <summary>The row with no valid step.</summary>
        internal const int EmptyRow = 2;

        public static IEnumerable<object[]> Kinds() => new[] { Kind.SimpleRnn, Kind.Lstm, Kind.Gru }.Select(k => new object[] { k });

        internal static Tensor Mask()
            => tensor(Rows.SelectMany(r => Enumerable.Range(0, Steps).Select(t => t >= r.From && t < r.To)).ToArray(), new long[] { Rows.Length, Steps });

        internal static FusedRNNCell Cell(Kind kind) => kind switch
        {
            Kind.SimpleRnn => new SimpleRNNCell(Units),
            Kind.Lstm => new LSTMCell(Units),
            Kind.Gru => new GRUCell(Units),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        private static RNN MakeLayer(Kind kind) => kind switch
        {
            Kind.SimpleRnn => new SimpleRNN(Units),
            Kind.Lstm => new LSTM(Units),
            Kind.Gru => new GRU(Units),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        /// <summary>An RNN over an unbuilt cell of <paramref name="kind"/>, built with Keras weights <paramref name="w"/>;
        /// its engine (one direction) is the cell's view's.</summary>
        internal static (RNN Layer, FusedEngine Engine) OneDirection(Kind kind, Weights w)
        {
            var rnn = new RNN(Cell(kind));
            RecurrentLayerTests.SetKerasWeights(rnn, kind, w);
            return (rnn, ((FusedRNNCell)rnn.Cell).View!.Engine);
        }

        /// <summary>A Bidirectional over a layer of <paramref name="kind"/>, built with forward weights
        /// <paramref name="forward"/> and backward weights <paramref name="backward"/>; its engine has two directions.</summary>
        internal static (Bidirectional Layer, FusedEngine Engine) TwoDirections(Kind kind, Weights forward, Weights backward)
        {
            var bi = new Bidirectional(MakeLayer(kind));
            bi.Build(new int?[] { null, Steps, Features });
            bi.SetWeights(CellTests.KerasWeights(kind, forward).Concat(CellTests.KerasWeights(kind, backward)).ToArray());
            return (bi, ((FusedRNNCell)bi.ForwardLayer.Cell).View!.Engine);
        }

        /// <summary>Sample <paramref name="b"/>'s valid steps alone, as a batch of one.</summary>
        internal static double[][][] Trimmed(double[][][] x, int b) => new[] { x[b][Rows[b].From..Rows[b].To] };

        /// <summary>Sample <paramref name="b"/>'s rows of the initial states, as a batch of one.</summary>
        internal static double[][][] InitialOf(double[][][] initial, int b) => initial.Select(s => new[] { s[b] }).ToArray();

        internal static int Length(int b) => Rows[b].To - Rows[b].From;

        /// <summary>The values of sample <paramref name="b"/>, step <paramref name="i"/> of a <c>(batch, steps, units)</c>
        /// tensor's values.</summary>
        internal static double[] At(float[] values, long steps, int b, int i)
            => Enumerable.Range(0, Units).Select(u => (double)values[(b * steps + i) * Units + u]).ToArray();

        internal static double[] Row(float[] values, int b) => Enumerable.Range(0, Units).Select(u => (double)values[b * Units + u]).ToArray();

        internal static void AssertClose(double[] expected, double[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                if (Math.Abs(expected[i] - actual[i]) > Tolerance)
                    throw new Xunit.Sdk.XunitException($"{what}: element {i} expected {expected[i]:G9} but was {actual[i]:G9}");
        }

        // Per direction, (1 or 2, batch, units) for each state kind.
        private static Tensor[] Stack(params double[][][][] perDirection)
            => Enumerable.Range(0, perDirection[0].Length)
                .Select(k => stack(perDirection.Select(d => TestTensors.From(d[k])).ToArray())).ToArray();

        [Theory]
        [MemberData(nameof(Kinds))]
        public void OneDirectionMatchesKerasOnEachSamplesValidSteps(Kind kind)
        {
            var rng = new Random(510 + (int)kind);
            var w = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var x = TestTensors.Random3(rng, Rows.Length, Steps, Features);
            var initial = Enumerable.Range(0, StateCount(kind)).Select(_ => TestTensors.Random2(rng, Rows.Length, Units)).ToArray();
            var (layer, engine) = OneDirection(kind, w);
            Assert.Equal(1, engine.Directions);

            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var run = MaskedRun.Of(Mask())!;
            var (outputs, finals) = PackedRun.Run(engine, new[] { run.ShiftToFront(TestTensors.From(x)) }, Stack(initial), run);
            Assert.Single(outputs);
            Assert.Equal(new long[] { Rows.Length, Steps, Units }, outputs[0].shape);
            Assert.Equal(StateCount(kind), finals[0].Length);
            var values = TestTensors.Values(outputs[0]);
            var finalValues = finals[0].Select(TestTensors.Values).ToArray();
            for (int b = 0; b < Rows.Length; b++)
            {
                if (Length(b) == 0) continue;
                var expected = KerasReference.Run(kind, Trimmed(x, b), w, Units, initial: InitialOf(initial, b));
                for (int i = 0; i < Length(b); i++)
                    AssertClose(expected.Sequence[0][i], At(values, Steps, b, i), $"{kind} sample {b} step {i}");
                for (int k = 0; k < StateCount(kind); k++)
                    AssertClose(expected.States[k][0], Row(finalValues[k], b), $"{kind} sample {b} state {k}");
            }
            // An empty run's packed step is discarded: KeepValid gives its initial states back.
            var kept = run.KeepValid(finals[0], initial.Select(TestTensors.From).ToArray());
            Assert.Equal(0, Length(EmptyRow));
            for (int k = 0; k < StateCount(kind); k++)
                AssertClose(initial[k][EmptyRow], Row(TestTensors.Values(kept[k]), EmptyRow), $"{kind} empty sample state {k}");
            GC.KeepAlive(layer);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void TwoDirectionsMatchKerasForwardAndGoBackwardsOnEachSamplesValidSteps(Kind kind)
        {
            var rng = new Random(520 + (int)kind);
            var wf = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var wb = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var x = TestTensors.Random3(rng, Rows.Length, Steps, Features);
            var xBackward = TestTensors.Random3(rng, Rows.Length, Steps, Features);
            var initialF = Enumerable.Range(0, StateCount(kind)).Select(_ => TestTensors.Random2(rng, Rows.Length, Units)).ToArray();
            var initialB = Enumerable.Range(0, StateCount(kind)).Select(_ => TestTensors.Random2(rng, Rows.Length, Units)).ToArray();
            var (layer, engine) = TwoDirections(kind, wf, wb);
            Assert.Equal(2, engine.Directions);
            Assert.Same(engine, ((FusedRNNCell)layer.BackwardLayer.Cell).View!.Engine);
            Assert.Equal(1, ((FusedRNNCell)layer.BackwardLayer.Cell).View!.Index);

            // One input for both directions (one call), and each direction its own input (one call per direction).
            foreach (bool ownInputs in new[] { false, true })
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var run = MaskedRun.Of(Mask())!;
                var inputs = ownInputs
                    ? new[] { run.ShiftToFront(TestTensors.From(x)), run.ShiftToFront(TestTensors.From(xBackward)) }
                    : new[] { run.ShiftToFront(TestTensors.From(x)) };
                var (outputs, finals) = PackedRun.Run(engine, inputs, Stack(initialF, initialB), run);
                Assert.Equal(2, outputs.Length);
                var forward = TestTensors.Values(outputs[0]);
                var backward = TestTensors.Values(outputs[1]);
                Assert.Equal(new long[] { Rows.Length, Steps, Units }, outputs[1].shape);
                var backwardX = ownInputs ? xBackward : x;
                string what = $"{kind} own inputs={ownInputs}";
                for (int b = 0; b < Rows.Length; b++)
                {
                    if (Length(b) == 0) continue;
                    var f = KerasReference.Run(kind, Trimmed(x, b), wf, Units, initial: InitialOf(initialF, b));
                    var r = KerasReference.Run(kind, Trimmed(backwardX, b), wb, Units, initial: InitialOf(initialB, b), goBackwards: true);
                    for (int i = 0; i < Length(b); i++)
                    {
                        AssertClose(f.Sequence[0][i], At(forward, Steps, b, i), $"{what} forward sample {b} step {i}");
                        // The backward output at run step i (time order) is the reference's at processing step len - 1 - i.
                        AssertClose(r.Sequence[0][Length(b) - 1 - i], At(backward, Steps, b, i), $"{what} backward sample {b} step {i}");
                    }
                    for (int k = 0; k < StateCount(kind); k++)
                    {
                        AssertClose(f.States[k][0], Row(TestTensors.Values(finals[0][k]), b), $"{what} forward sample {b} state {k}");
                        AssertClose(r.States[k][0], Row(TestTensors.Values(finals[1][k]), b), $"{what} backward sample {b} state {k}");
                    }
                }
            }
            GC.KeepAlive(layer);
        }
    }
}
