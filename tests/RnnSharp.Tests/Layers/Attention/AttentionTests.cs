using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Attention.AttentionReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary><see cref="RnnSharp.Layers.Attention"/>: forward values for each score mode and option against the
    /// double reference, masks, the causal mask, returned scores, seeded dropout, gradients against finite differences,
    /// shapes, errors and configs.</summary>
    public class AttentionTests
    {
        private const double Tolerance = 2e-5;

        private static Tensor T(double[][][] x) => TestTensors.From(x);

        private static bool[][] Bools(params string[] rows) => rows.Select(r => r.Select(c => c == '1').ToArray()).ToArray();

        [Fact]
        public void DotScoresWithAndWithoutAKey()
        {
            var rng = new Random(1);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 4);
            var layer = new RnnSharp.Layers.Attention();
            var y = layer.Call(new[] { T(q), T(v) }).Output;
            Assert.Equal(new long[] { 2, 3, 4 }, y.shape);
            TestTensors.AssertClose(Flat(Dense(q, v, v, Dot).Output), y, Tolerance, "value as key");
            Assert.Empty(layer.Weights);

            // With a key: scores from the key, output from a value of another feature size.
            var v3 = TestTensors.Random3(rng, 2, 5, 3);
            var k = TestTensors.Random3(rng, 2, 5, 4);
            var withKey = new RnnSharp.Layers.Attention().Call(new[] { T(q), T(v3), T(k) }).Output;
            Assert.Equal(new long[] { 2, 3, 3 }, withKey.shape);
            TestTensors.AssertClose(Flat(Dense(q, v3, k, Dot).Output), withKey, Tolerance, "explicit key");
        }

        [Fact]
        public void UseScaleCreatesAScalarScaleInitializedToOne()
        {
            var rng = new Random(2);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 4, 4);
            var layer = new RnnSharp.Layers.Attention(useScale: true);
            layer.Call(new[] { T(q), T(v) });
            var w = Assert.Single(layer.Weights);
            Assert.Equal("scale", w.Name);
            Assert.Empty(w.Shape);
            Assert.Equal(1f, layer.GetWeights()[0].item<float>());
            layer.SetWeights(new[] { tensor(2.5f) });
            TestTensors.AssertClose(Flat(Dense(q, v, v, (a, b) => 2.5 * Dot(a, b)).Output), layer.Call(new[] { T(q), T(v) }).Output, Tolerance, "scaled");
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ConcatScoresAreASumOfTanh(bool useScale)
        {
            var rng = new Random(3);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 4, 4);
            var layer = new RnnSharp.Layers.Attention(useScale: useScale, scoreMode: "concat");
            layer.Call(new[] { T(q), T(v) });
            Assert.Equal(useScale ? new[] { "scale", "concat_score_weight" } : new[] { "concat_score_weight" }, layer.Weights.Select(w => w.Name));
            Assert.All(layer.GetWeights(), x => Assert.Equal(1f, x.item<float>()));
            double scale = useScale ? 0.6 : 1.0, weight = 1.7;
            layer.SetWeights(useScale ? new[] { tensor((float)scale), tensor((float)weight) } : new[] { tensor((float)weight) });
            double Score(double[] a, double[] b) => weight * a.Zip(b, (x, y) => Math.Tanh(scale * (x + y))).Sum();
            TestTensors.AssertClose(Flat(Dense(q, v, v, Score).Output), layer.Call(new[] { T(q), T(v) }).Output, Tolerance, "concat");
        }

        [Fact]
        public void APaddedValueMaskAndAQueryMask()
        {
            var rng = new Random(4);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 4, 4);
            var qm = Bools("110", "111");
            var vm = Bools("1100", "1110");
            var layer = new RnnSharp.Layers.Attention();
            var masks = new Tensor?[] { TestTensors.Mask(qm), TestTensors.Mask(vm) };
            var y = layer.Call(new[] { T(q), T(v) }, masks).Output;
            var (expected, _) = Dense(q, v, v, Dot, qm, vm);
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "masked");
            // The padded value steps have no weight: changing them changes nothing; the masked query step is zero.
            var v2 = v.Select((s, b) => s.Select((row, j) => vm[b][j] ? row : row.Select(x => x + 5).ToArray()).ToArray()).ToArray();
            TestTensors.AssertClose(Flat(expected), layer.Call(new[] { T(q), T(v2) }, masks).Output, Tolerance, "padding ignored");
            Assert.All(TestTensors.Values(y[0, 2]), x => Assert.Equal(0f, x));
            // The output mask is the query mask.
            Assert.True(TestTensors.Same(masks[0]!, layer.ComputeMask(new[] { T(q), T(v) }, masks)!));
            Assert.Null(layer.ComputeMask(new[] { T(q), T(v) }, new Tensor?[] { null, masks[1] }));
        }

        [Fact]
        public void CausalMaskAndReturnedScores()
        {
            var rng = new Random(5);
            var q = TestTensors.Random3(rng, 2, 4, 3);
            var v = TestTensors.Random3(rng, 2, 4, 3);
            var vm = Bools("1111", "1101");
            var layer = new RnnSharp.Layers.Attention();
            var result = layer.Call(new[] { T(q), T(v) }, new Tensor?[] { null, TestTensors.Mask(vm) }, training: false, returnAttentionScores: true, useCausalMask: true);
            Assert.Equal(2, result.Count);
            var (expected, weights) = Dense(q, v, v, Dot, null, vm, causal: true);
            TestTensors.AssertClose(Flat(expected), result.Output, Tolerance, "causal output");
            Assert.Equal(new long[] { 2, 4, 4 }, result[1].shape);
            TestTensors.AssertClose(Flat(weights), result[1], Tolerance, "causal weights");
            // Above the diagonal the weights are zero (to float precision), and each row sums to one.
            var w = TestTensors.Values(result[1]);
            Assert.Equal(0f, w[0 * 4 + 1], 6);
            Assert.Equal(0f, w[16 + 2 * 4 + 3], 6);
            // Without the causal mask, the first query step sees every value.
            var free = layer.Call(new[] { T(q), T(v) }, null, training: false, returnAttentionScores: true);
            Assert.True(TestTensors.Values(free[1])[1] > 1e-3);
        }

        [Fact]
        public void SeededDropoutDropsAndRescalesTheWeights()
        {
            var rng = new Random(6);
            var q = TestTensors.Random3(rng, 2, 5, 3);
            var v = TestTensors.Random3(rng, 2, 6, 3);
            var a = new RnnSharp.Layers.Attention(dropout: 0.4, seed: 7).Call(new[] { T(q), T(v) }, null, training: true, returnAttentionScores: true);
            var b = new RnnSharp.Layers.Attention(dropout: 0.4, seed: 7).Call(new[] { T(q), T(v) }, null, training: true, returnAttentionScores: true);
            Assert.True(TestTensors.Same(a[1], b[1]), "same seed, same dropout");
            var (_, weights) = Dense(q, v, v, Dot);
            var dropped = TestTensors.Values(a[1]);
            var reference = Flat(weights);
            int zeros = 0;
            for (int i = 0; i < dropped.Length; i++)
            {
                if (dropped[i] == 0) zeros++;
                else Assert.Equal(reference[i] / 0.6, dropped[i], 5);
            }
            Assert.InRange(zeros, 10, 50);
            // The output is the dropped weights times the values; in inference nothing is dropped.
            Assert.True(TestTensors.Same(matmul(a[1], T(v)), a.Output) || (matmul(a[1], T(v)) - a.Output).abs().max().item<float>() < 1e-6);
            TestTensors.AssertClose(reference, new RnnSharp.Layers.Attention(dropout: 0.4, seed: 7).Call(new[] { T(q), T(v) }, null, false, true)[1], Tolerance, "inference");
        }

        [Fact]
        public void GradientsMatchFiniteDifferences()
        {
            var rng = new Random(8);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 4, 4);
            var r = TestTensors.Random3(rng, 2, 3, 4);
            var vm = Bools("1110", "1111");
            const double scale = 0.8;
            var layer = new RnnSharp.Layers.Attention(useScale: true);
            var qt = T(q).requires_grad_(true);
            layer.Call(new[] { qt, T(v) });
            layer.SetWeights(new[] { tensor((float)scale) });
            var y = layer.Call(new[] { qt, T(v) }, new Tensor?[] { null, TestTensors.Mask(vm) }).Output;
            (y * T(r)).sum().backward();

            double Loss(double[][][] query, double s)
                => Flat(Dense(query, v, v, (a, b) => s * Dot(a, b), null, vm).Output).Zip(Flat(r), (a, b) => a * b).Sum();
            const double h = 1e-5;
            var grad = TestTensors.Values(qt.grad!);
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 3; i++)
                    for (int d = 0; d < 4; d++)
                    {
                        var plus = q.Select(s => s.Select(row => row.ToArray()).ToArray()).ToArray();
                        var minus = q.Select(s => s.Select(row => row.ToArray()).ToArray()).ToArray();
                        plus[b][i][d] += h;
                        minus[b][i][d] -= h;
                        double expected = (Loss(plus, scale) - Loss(minus, scale)) / (2 * h);
                        Assert.Equal(expected, grad[(b * 3 + i) * 4 + d], 4);
                    }
            double scaleGrad = (Loss(q, scale + h) - Loss(q, scale - h)) / (2 * h);
            Assert.Equal(scaleGrad, layer.parameters().Single().grad!.item<float>(), 4);
        }

        [Fact]
        public void ShapesAndSymbolicCalls()
        {
            var layer = new RnnSharp.Layers.Attention();
            Assert.Equal(new int?[] { null, 3, 6 }, layer.ComputeOutputShapes(new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 }, new int?[] { null, 5, 4 } })[0]);
            var query = Keras.Input(new int?[] { 3, 4 });
            var value = Keras.Input(new int?[] { 5, 4 });
            KerasTensor output = new RnnSharp.Layers.Attention().Call(new[] { query, value });
            Assert.Equal(new int?[] { null, 3, 4 }, output.Shape.ToArray());
        }

        [Fact]
        public void WrongInputsRaiseKerasErrors()
        {
            var layer = new RnnSharp.Layers.Attention(name: "att");
            var x = zeros(2, 3, 4);
            var one = Assert.Throws<ArgumentException>(() => layer.Call(x));
            Assert.Contains("Attention layer \"att\" must be called on a list of inputs, namely [query, value] or [query, value, key]", one.Message);
            var four = Assert.Throws<ArgumentException>(() => layer.Call(new[] { x, x, x, x }));
            Assert.Contains("accepts inputs list of length 2 or 3", four.Message);
            Assert.Contains("Received length: 4", four.Message);
            var dims = Assert.Throws<ShapeMismatchException>(() => new RnnSharp.Layers.Attention(name: "a2").Call(new[] { x, zeros(2, 5, 3) }));
            Assert.Contains("a2", dims.Message);
            Assert.Contains("(2, 5, 3)", dims.Message);
            var mode = Assert.Throws<ArgumentException>(() => new RnnSharp.Layers.Attention(scoreMode: "add"));
            Assert.Contains("Expected one of {'dot', 'concat'}. Received: score_mode=add", mode.Message);
            Assert.Throws<ArgumentException>(() => Keras.Input(new int?[] { 3, 4 }) is var i ? new RnnSharp.Layers.Attention().Call(i) : null);
        }

        [Fact]
        public void ConfigRoundTrips()
        {
            var layer = new RnnSharp.Layers.Attention(useScale: true, scoreMode: "concat", dropout: 0.25, seed: 3, name: "att_cfg");
            var config = layer.GetConfig();
            Assert.Equal(new[] { "name", "trainable", "dtype", "dropout", "use_scale", "score_mode" }, config.Keys);
            Assert.Equal(0.25, config["dropout"]);
            Assert.Equal("concat", config["score_mode"]);
            var keras3 = layer.GetKeras3Config();
            Assert.Equal(3, keras3["seed"]);
            var copy = Assert.IsType<RnnSharp.Layers.Attention>(Layer.FromConfig("Attention", keras3));
            Assert.True(copy.UseScale);
            Assert.Equal("concat", copy.ScoreMode);
            Assert.Equal(0.25, copy.Dropout);
            Assert.Equal(3, copy.Seed);
            Assert.Equal("att_cfg", copy.Name);
            Assert.Equal(config, copy.GetConfig());
        }
    }
}
