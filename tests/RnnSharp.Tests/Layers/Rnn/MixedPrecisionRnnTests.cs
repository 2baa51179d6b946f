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
    /// SimpleRNN, LSTM and GRU under the mixed policies, on the fused path (plain and masked), the step path and in
    /// Bidirectional, against the double-precision reference with tolerances derived from the compute format: each
    /// step rounds inputs, weights and states to the format (relative error u = 2^-8 for bfloat16, 2^-11 for
    /// float16), products accumulate in float32, and tanh/sigmoid contract errors, so over these six steps of values
    /// near 1 the error stays within a small multiple of u; <see cref="Budget"/> allows 8u.
    /// </summary>
    [Collection("MixedPrecision")]
    public class MixedPrecisionRnnTests
    {
        private const int Batch = 3, Steps = 6, Features = 4, Units = 5;

        public static IEnumerable<object[]> Cases()
            => from kind in new[] { Kind.SimpleRnn, Kind.Lstm, Kind.Gru, Kind.GruResetBefore }
               from policy in new[] { "mixed_bfloat16", "mixed_float16" }
               from fused in new[] { true, false }
               select new object[] { kind, policy, fused };

        internal static double UnitRoundoff(string policy) => policy == "mixed_bfloat16" ? Math.Pow(2, -8) : Math.Pow(2, -11);

        internal static double Budget(string policy) => 8 * UnitRoundoff(policy);

        internal static ScalarType ComputeType(string policy) => policy == "mixed_bfloat16" ? ScalarType.BFloat16 : ScalarType.Float16;

        private static RNN Make(Kind kind, string policy, bool returnSequences = true, bool goBackwards = false)
            => kind switch
            {
                Kind.SimpleRnn => new SimpleRNN(Units, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, dtype: policy),
                Kind.Lstm => new LSTM(Units, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, dtype: policy),
                Kind.Gru => new GRU(Units, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, dtype: policy),
                _ => new GRU(Units, resetAfter: false, returnSequences: returnSequences, returnState: true, goBackwards: goBackwards, dtype: policy),
            };

        /// <summary>Largest absolute difference from the reference; fails when it exceeds the budget.</summary>
        internal static double AssertWithin(double[] expected, Tensor actual, double budget, string what)
        {
            var values = actual.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
            Assert.Equal(expected.Length, values.Length);
            double worst = 0;
            for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - values[i]));
            Assert.True(worst <= budget, $"{what}: max error {worst:G4} exceeds {budget:G4}");
            return worst;
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void MatchesReferenceWithinTheFormatsTolerance(Kind kind, string policy, bool fused)
        {
            using var cpuHalf = MixedPrecisionScope.CpuFloat16();
            var rng = new Random(77 + (int)kind);
            var w = RecurrentLayerTests.MakeWeights(kind, rng);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            foreach (var maskKind in new[] { RecurrentLayerTests.MaskKind.None, RecurrentLayerTests.MaskKind.RightPadded, RecurrentLayerTests.MaskKind.Holes })
            foreach (bool goBackwards in new[] { false, true })
            {
                var mask = RecurrentLayerTests.MakeMask(maskKind);
                var expected = KerasReference.Run(kind, x, w, Units, mask, goBackwards: goBackwards);
                var layer = Make(kind, policy, goBackwards: goBackwards);
                layer.UseFused = fused;
                RecurrentLayerTests.SetKerasWeights(layer, kind, w);
                var result = layer.Call(TestTensors.From(x), mask is null ? null : TestTensors.Mask(mask));
                string what = $"{kind} {policy} fused={fused} mask={maskKind} back={goBackwards}";

                Assert.Equal(ComputeType(policy), result.Output.dtype);
                double error = AssertWithin(expected.SequenceFlat, result.Output, Budget(policy), what + " sequence");
                for (int k = 0; k < StateCount(kind); k++)
                    AssertWithin(expected.StateFlat(k), result.States[k], Budget(policy), what + $" state {k}");
                // The layer really computed in 16 bits: float32 agrees with the reference to ~1e-7, far below u/4.
                Assert.True(error > UnitRoundoff(policy) / 64, $"{what}: error {error:G4} is float32-sized; the policy was not applied");
                bool fusedExpected = fused && kind != Kind.GruResetBefore && maskKind != RecurrentLayerTests.MaskKind.Holes;
                Assert.Equal(fusedExpected ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, layer.LastCallPath);
                // Master weights stay float32.
                Assert.All(layer.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            }
        }
    }
}
