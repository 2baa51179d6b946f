using System;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Attention.AttentionReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary><see cref="AdditiveAttention"/>: Bahdanau scores against the double reference with and without the
    /// <c>scale</c> vector, masks, the weight's shape and initializer, and the config.</summary>
    public class AdditiveAttentionTests
    {
        private const double Tolerance = 2e-5;

        private static Tensor T(double[][][] x) => TestTensors.From(x);

        [Fact]
        public void ScaledAdditiveScoresWithMasks()
        {
            var rng = new Random(11);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 4);
            var layer = new AdditiveAttention();
            layer.Call(new[] { T(q), T(v) });
            var w = Assert.Single(layer.Weights);
            Assert.Equal("scale", w.Name);
            Assert.Equal(new long[] { 4 }, w.Shape);
            // glorot_uniform on (4,): fan_in = fan_out = 4, limit sqrt(6 / 8); not the constant 1.
            var init = TestTensors.Values(layer.GetWeights()[0]);
            Assert.All(init, x => Assert.InRange(Math.Abs(x), 0, Math.Sqrt(6.0 / 8)));
            Assert.True(init.Distinct().Count() > 1);

            var scale = new[] { 0.5, -1.2, 0.9, 2.0 };
            layer.SetWeights(new[] { TestTensors.From(scale) });
            double Score(double[] a, double[] b) => Enumerable.Range(0, 4).Sum(d => scale[d] * Math.Tanh(a[d] + b[d]));
            TestTensors.AssertClose(Flat(Dense(q, v, v, Score).Output), layer.Call(new[] { T(q), T(v) }).Output, Tolerance, "scaled");

            var qm = new[] { new[] { true, false, true }, new[] { true, true, true } };
            var vm = new[] { new[] { true, true, false, false, false }, new[] { true, true, true, true, false } };
            var masked = layer.Call(new[] { T(q), T(v) }, new Tensor?[] { TestTensors.Mask(qm), TestTensors.Mask(vm) }).Output;
            TestTensors.AssertClose(Flat(Dense(q, v, v, Score, qm, vm).Output), masked, Tolerance, "masked");
        }

        [Fact]
        public void WithoutScaleTheScoresAreASumOfTanh()
        {
            var rng = new Random(12);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 2);
            var k = TestTensors.Random3(rng, 2, 5, 4);
            var layer = new AdditiveAttention(useScale: false);
            var result = layer.Call(new[] { T(q), T(v), T(k) }, null, training: false, returnAttentionScores: true, useCausalMask: true);
            Assert.Empty(layer.Weights);
            var (output, weights) = Dense(q, v, k, (a, b) => a.Zip(b, (x, y) => Math.Tanh(x + y)).Sum(), causal: true);
            Assert.Equal(new long[] { 2, 3, 2 }, result.Output.shape);
            TestTensors.AssertClose(Flat(output), result.Output, Tolerance, "unscaled");
            TestTensors.AssertClose(Flat(weights), result[1], Tolerance, "weights");
        }

        [Fact]
        public void ConfigRoundTrips()
        {
            var layer = new AdditiveAttention(useScale: false, dropout: 0.1, name: "add_att");
            var config = layer.GetConfig();
            Assert.Equal(new[] { "name", "trainable", "dtype", "dropout", "use_scale" }, config.Keys);
            Assert.False((bool)config["use_scale"]!);
            var copy = Assert.IsType<AdditiveAttention>(Layer.FromConfig("AdditiveAttention", config));
            Assert.False(copy.UseScale);
            Assert.Equal(0.1, copy.Dropout);
            Assert.Equal(config, copy.GetConfig());
            Assert.True(Assert.IsType<AdditiveAttention>(Layer.FromConfig("AdditiveAttention", new System.Collections.Generic.Dictionary<string, object?>())).UseScale);
        }
    }
}
