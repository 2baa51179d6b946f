using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// Masked batches on the fused path without returned states (what a Sequential does): on the CPU they run padded in
    /// groups of similar length and gather each sample's valid outputs (with returned LSTM states they pack). Both must
    /// compute Keras's masked recurrence, outputs and gradients, exactly as the step-by-step path does.
    /// </summary>
    public class MaskedFusedPathTests
    {
        private const int Features = 4, Units = 5;
        private const double Tolerance = 1e-5;

        public enum Cell { SimpleRnn, Lstm, Gru }

        public enum Padding { Right, Left, WithEmptyRow, LowFill, Spread }

        public static IEnumerable<object[]> Cases()
            => from cell in Enum.GetValues<Cell>()
               from padding in Enum.GetValues<Padding>()
               select new object[] { cell, padding };

        private static RNN Make(Cell cell, bool returnSequences, bool goBackwards, bool zeroOutput, bool returnState = false) => cell switch
        {
            Cell.SimpleRnn => new SimpleRNN(Units, returnSequences: returnSequences, goBackwards: goBackwards, zeroOutputForMask: zeroOutput, returnState: returnState),
            Cell.Lstm => new LSTM(Units, returnSequences: returnSequences, goBackwards: goBackwards, zeroOutputForMask: zeroOutput, returnState: returnState),
            _ => new GRU(Units, returnSequences: returnSequences, goBackwards: goBackwards, zeroOutputForMask: zeroOutput, returnState: returnState),
        };

        // Valid steps per row as [from, to). LowFill leaves under a tenth of the batch valid; Spread has lengths 1-12,
        // shuffled, some left-padded. Every layout runs in several length groups on the CPU (asserted below), so rows
        // are reordered and put back.
        private static (int Steps, (int From, int To)[] Rows) Layout(Padding padding) => padding switch
        {
            Padding.Right => (7, new[] { (0, 7), (0, 4), (0, 1), (0, 6) }),
            Padding.Left => (7, new[] { (0, 7), (3, 7), (6, 7), (1, 7) }),
            Padding.WithEmptyRow => (6, new[] { (0, 5), (0, 0), (0, 2) }),
            Padding.LowFill => (30, new[] { (0, 30) }.Concat(Enumerable.Repeat((0, 1), 19)).ToArray()),
            _ => (12, new[] { 7, 2, 12, 5, 9, 1, 11, 4, 8, 3, 10, 6 }.Select((l, i) => i % 3 == 1 ? (12 - l, 12) : (0, l)).ToArray()),
        };

        private static Tensor Mask(int steps, (int From, int To)[] rows)
            => tensor(rows.SelectMany(r => Enumerable.Range(0, steps).Select(t => t >= r.From && t < r.To)).ToArray(), new long[] { rows.Length, steps });

        [Theory]
        [MemberData(nameof(Cases))]
        public void FusedMatchesStepByStepWithoutStates(Cell cell, Padding padding)
        {
            var (steps, rows) = Layout(padding);
            Backend.SetRandomSeed(17);
            var x = randn(rows.Length, steps, Features);
            var mask = Mask(steps, rows);
            // Non-zero initial states: a group given another group's state rows would show.
            var initial = Enumerable.Range(0, cell == Cell.Lstm ? 2 : 1).Select(_ => randn(rows.Length, Units)).ToArray();
            foreach (bool returnSequences in new[] { false, true })
            foreach (bool goBackwards in new[] { false, true })
            foreach (bool zeroOutput in new[] { false, true })
            {
                var fused = Make(cell, returnSequences, goBackwards, zeroOutput);
                var step = Make(cell, returnSequences, goBackwards, zeroOutput);
                fused.Build(new int?[] { null, steps, Features });
                step.Build(new int?[] { null, steps, Features });
                step.SetWeights(fused.GetWeights());
                step.UseFused = false;
                string what = $"{cell} {padding} seq={returnSequences} back={goBackwards} zero={zeroOutput}";

                var xa = x.detach().requires_grad_(true);
                var xb = x.detach().requires_grad_(true);
                var a = fused.Call(xa, mask, initial, training: true).Output;
                var b = step.Call(xb, mask, initial, training: true).Output;
                Assert.True(a.allclose(b, rtol: 0, atol: Tolerance), what + ": outputs");
                Assert.Equal(RnnExecutionPath.Fused, fused.LastCallPath);
                Assert.True(fused.LastLengthGroups > 1, what + $": ran in {fused.LastLengthGroups} length group(s)");

                // Gradients: padding processed on the padded run must contribute nothing.
                using var weights = randn(a.shape);
                (a * weights).sum().backward();
                (b * weights).sum().backward();
                Assert.True(xa.grad!.allclose(xb.grad!, rtol: 0, atol: Tolerance), what + ": input gradient");
                foreach (var (pa, pb) in fused.parameters().Zip(step.parameters()).Where(p => p.First.requires_grad))
                    Assert.True(pa.grad!.allclose(pb.grad!, rtol: 0, atol: Tolerance), what + ": weight gradient");

                using (no_grad())
                    Assert.True(fused.Call(x, mask, initial).Output.allclose(step.Call(x, mask, initial).Output, rtol: 0, atol: Tolerance), what + ": inference");
            }
        }

        [Theory]
        [InlineData(Cell.SimpleRnn)]
        [InlineData(Cell.Lstm)]
        [InlineData(Cell.Gru)]
        public void AnEmptyMaskedBatchGivesEmptyOutputs(Cell cell)
        {
            foreach (bool returnSequences in new[] { false, true })
            foreach (bool useFused in new[] { true, false })
            {
                var layer = Make(cell, returnSequences, goBackwards: false, zeroOutput: false, returnState: true);
                layer.UseFused = useFused;
                var result = layer.Call(zeros(0, 7, Features), zeros(0, 7, dtype: TorchSharp.torch.ScalarType.Bool));
                Assert.Equal(returnSequences ? new long[] { 0, 7, Units } : new long[] { 0, Units }, result.Output.shape);
                for (int i = 1; i < result.Count; i++) Assert.Equal(new long[] { 0, Units }, result[i].shape);
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void ReturnedStatesAgreeWithStepByStep(Cell cell, Padding padding)
        {
            var (steps, rows) = Layout(padding);
            Backend.SetRandomSeed(23);
            var x = randn(rows.Length, steps, Features);
            var mask = Mask(steps, rows);
            var fused = Make(cell, returnSequences: false, goBackwards: false, zeroOutput: false, returnState: true);
            var step = Make(cell, returnSequences: false, goBackwards: false, zeroOutput: false, returnState: true);
            fused.Build(new int?[] { null, steps, Features });
            step.Build(new int?[] { null, steps, Features });
            step.SetWeights(fused.GetWeights());
            step.UseFused = false;
            var a = fused.Call(x, mask);
            var b = step.Call(x, mask);
            Assert.Equal(b.Count, a.Count);
            for (int i = 0; i < a.Count; i++)
                Assert.True(a[i].allclose(b[i], rtol: 0, atol: Tolerance), $"{cell} {padding}: tensor {i}");
        }
    }
}
