using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Layers.Attention.AttentionReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary><see cref="MultiHeadAttention"/>: forward values of the fused and the plain path against the double
    /// reference (key, masks, causal mask, attention mask, returned scores, output shape, no bias), gradients against
    /// finite differences, weights in Keras's layout read from Keras 2 and Keras 3 files, shapes, errors and configs.</summary>
    [Collection("Names")]
    public class MultiHeadAttentionTests
    {
        private const double Tolerance = 3e-5;
        private const int Heads = 2, KeyDim = 3, ValueDim = 2;

        private static Tensor T(double[][][] x) => TestTensors.From(x);

        private static bool[][] Bools(params string[] rows) => rows.Select(r => r.Select(c => c == '1').ToArray()).ToArray();

        // A layer built for query (2, 3, 4), value (2, 5, 6), key (2, 5, 3), with random weights (biases included).
        private static (MultiHeadAttention Layer, float[][] W) Built(Random rng, bool useBias = true, int[]? outputShape = null, bool withKey = true)
        {
            var layer = new MultiHeadAttention(Heads, KeyDim, ValueDim, useBias: useBias, outputShape: outputShape);
            layer.Build(withKey ? new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 }, new int?[] { null, 5, 3 } } : new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 } });
            var weights = layer.Weights.Select(w => TestTensors.Random1(rng, (int)w.Count, 0.8).Select(x => (float)x).ToArray()).ToArray();
            layer.SetWeights(weights.Select((w, i) => tensor(w, layer.Weights[i].Shape.ToArray())).ToArray());
            return (layer, weights);
        }

        private static (double[][][] Output, double[][][][] Scores) Reference(float[][] w, bool useBias, double[][][] q, double[][][] v, double[][][] k, int outDim,
            Func<int, int, int, bool>? allowed = null)
            => useBias
                ? MultiHead(q, v, k, Heads, KeyDim, ValueDim, outDim, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], allowed)
                : MultiHead(q, v, k, Heads, KeyDim, ValueDim, outDim, w[0], null, w[1], null, w[2], null, w[3], null, allowed);

        [Fact]
        public void BothPathsMatchTheReference()
        {
            var rng = new Random(21);
            var (layer, w) = Built(rng);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 6);
            var k = TestTensors.Random3(rng, 2, 5, 3);
            var (expected, scores) = Reference(w, true, q, v, k, 4);
            var fused = layer.Call(T(q), T(v), T(k));
            Assert.Equal(new long[] { 2, 3, 4 }, fused.Output.shape);
            TestTensors.AssertClose(Flat(expected), fused.Output, Tolerance, "fused");
            // Rank 3 with the default axes stays on the fused kernel.
            Assert.Equal(MultiHeadAttention.AttentionPath.Fused, layer.LastPath);
            var plain = layer.Call(T(q), T(v), T(k), null, returnAttentionScores: true);
            Assert.Equal(MultiHeadAttention.AttentionPath.Plain, layer.LastPath);
            TestTensors.AssertClose(Flat(expected), plain.Output, Tolerance, "plain");
            Assert.Equal(new long[] { 2, Heads, 3, 5 }, plain[1].shape);
            TestTensors.AssertClose(Flat(scores), plain[1], Tolerance, "scores");
            // The list call (a functional model's) is the same computation.
            TestTensors.AssertClose(Flat(expected), layer.Call(new[] { T(q), T(v), T(k) }).Output, Tolerance, "list call");
        }

        [Fact]
        public void QueryValueKeyAndAttentionMasksCombine()
        {
            var rng = new Random(22);
            var (layer, w) = Built(rng);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 6);
            var k = TestTensors.Random3(rng, 2, 5, 3);
            var qm = Bools("101", "111");
            var vm = Bools("11100", "11111");
            var km = Bools("11111", "11110");
            var am = new[] { Bools("11111", "01111", "11111"), Bools("10111", "11111", "11111") };
            var attention = tensor(am.SelectMany(r => r.SelectMany(c => c)).ToArray(), new long[] { 2, 3, 5 });
            bool Allowed(int b, int i, int j) => qm[b][i] && vm[b][j] && km[b][j] && am[b][i][j];
            var (expected, scores) = Reference(w, true, q, v, k, 4, Allowed);
            foreach (bool returnScores in new[] { false, true })
            {
                var result = layer.Call(T(q), T(v), T(k), attention, returnAttentionScores: returnScores,
                    queryMask: TestTensors.Mask(qm), valueMask: TestTensors.Mask(vm), keyMask: TestTensors.Mask(km));
                TestTensors.AssertClose(Flat(expected), result.Output, Tolerance, returnScores ? "plain" : "fused");
                if (returnScores) TestTensors.AssertClose(Flat(scores), result[1], Tolerance, "masked scores");
            }
            // The masked query step attends to nothing: its output is the output bias alone (Keras 3's softmax).
            var y = layer.Call(T(q), T(v), T(k), null, queryMask: TestTensors.Mask(qm)).Output;
            TestTensors.AssertClose(w[7].Select(x => (double)x).ToArray(), y[0, 1], 1e-6, "masked query step");
            // The output mask is the query's.
            var masks = new Tensor?[] { TestTensors.Mask(qm), TestTensors.Mask(vm), null };
            Assert.True(TestTensors.Same(masks[0]!, layer.ComputeMask(new[] { T(q), T(v), T(k) }, masks)!));
        }

        [Fact]
        public void CausalMaskAloneAndWithAValueMask()
        {
            var rng = new Random(23);
            var layer = new MultiHeadAttention(Heads, KeyDim, ValueDim);
            layer.Build(new[] { new int?[] { null, 4, 3 }, new int?[] { null, 4, 3 } });
            var w = layer.Weights.Select(x => TestTensors.Random1(rng, (int)x.Count, 0.8).Select(f => (float)f).ToArray()).ToArray();
            layer.SetWeights(w.Select((x, i) => tensor(x, layer.Weights[i].Shape.ToArray())).ToArray());
            var x = TestTensors.Random3(rng, 2, 4, 3);
            var (causal, causalScores) = Reference(w, true, x, x, x, 3, (b, i, j) => j <= i);
            TestTensors.AssertClose(Flat(causal), layer.Call(T(x), T(x), null, null, useCausalMask: true).Output, Tolerance, "fused causal");
            var plain = layer.Call(T(x), T(x), null, null, returnAttentionScores: true, useCausalMask: true);
            TestTensors.AssertClose(Flat(causal), plain.Output, Tolerance, "plain causal");
            TestTensors.AssertClose(Flat(causalScores), plain[1], Tolerance, "causal scores");
            var vm = Bools("1110", "1111");
            var (both, _) = Reference(w, true, x, x, x, 3, (b, i, j) => j <= i && vm[b][j]);
            TestTensors.AssertClose(Flat(both), layer.Call(T(x), T(x), null, null, useCausalMask: true, valueMask: TestTensors.Mask(vm)).Output, Tolerance, "causal and value mask");
        }

        [Fact]
        public void OutputShapeWithoutBiases()
        {
            var rng = new Random(24);
            var (layer, w) = Built(rng, useBias: false, outputShape: new[] { 2, 3 }, withKey: false);
            Assert.Equal(new[] { "kernel", "kernel", "kernel", "kernel" }, layer.Weights.Select(x => x.Name));
            Assert.Equal(new long[] { Heads, ValueDim, 2, 3 }, layer.Weights[3].Shape);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 6);
            var y = layer.Call(T(q), T(v)).Output;
            Assert.Equal(new long[] { 2, 3, 2, 3 }, y.shape);
            // The key is the value, so its kernel is (6, heads, key_dim).
            TestTensors.AssertClose(Flat(Reference(w, false, q, v, v, 6).Output), y, Tolerance, "no bias");
            Assert.Equal(new int?[] { null, 3, 2, 3 }, layer.ComputeOutputShapes(new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 } })[0]);
        }

        [Fact]
        public void GradientsMatchFiniteDifferences()
        {
            var rng = new Random(25);
            var (layer, w) = Built(rng, withKey: false);
            var q = TestTensors.Random3(rng, 2, 3, 4);
            var v = TestTensors.Random3(rng, 2, 5, 6);
            var r = TestTensors.Random3(rng, 2, 3, 4);
            var vm = Bools("11110", "11111");
            var qt = T(q).requires_grad_(true);
            var y = layer.Call(qt, T(v), null, null, valueMask: TestTensors.Mask(vm)).Output;
            (y * T(r)).sum().backward();
            double Loss(float[][] weights, double[][][] query)
                => Flat(Reference(weights, true, query, v, v, 4, (b, i, j) => vm[b][j]).Output).Zip(Flat(r), (a, c) => a * c).Sum();
            const double h = 1e-3;
            // Query kernel (weight 0) and value kernel (weight 4): every entry.
            var grads = layer.named_parameters().ToDictionary(p => p.name, p => TestTensors.Values(p.parameter.grad!));
            foreach (var (index, name) in new[] { (0, "query_kernel"), (4, "value_kernel"), (6, "attention_output_kernel") })
            {
                for (int e = 0; e < w[index].Length; e++)
                {
                    var plus = w.Select(x => x.ToArray()).ToArray();
                    var minus = w.Select(x => x.ToArray()).ToArray();
                    plus[index][e] += (float)h;
                    minus[index][e] -= (float)h;
                    // The perturbation is exact in float, so divide by the real step.
                    double step = plus[index][e] - (double)minus[index][e];
                    Assert.Equal((Loss(plus, q) - Loss(minus, q)) / step, grads[name][e], 3);
                }
            }
            var queryGrad = TestTensors.Values(qt.grad!);
            for (int e = 0; e < 24; e++)
            {
                var plus = q.Select(s => s.Select(row => row.ToArray()).ToArray()).ToArray();
                var minus = q.Select(s => s.Select(row => row.ToArray()).ToArray()).ToArray();
                plus[e / 12][e / 4 % 3][e % 4] += h;
                minus[e / 12][e / 4 % 3][e % 4] -= h;
                Assert.Equal((Loss(w, plus) - Loss(w, minus)) / (2 * h), queryGrad[e], 3);
            }
        }

        [Fact]
        public void WeightsShapesAndCountAsKeras()
        {
            var layer = new MultiHeadAttention(numHeads: 2, keyDim: 3, valueDim: 2);
            layer.Build(new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 }, new int?[] { null, 5, 3 } });
            Assert.Equal(new[] { "kernel", "bias", "kernel", "bias", "kernel", "bias", "kernel", "bias" }, layer.Weights.Select(w => w.Name));
            Assert.Equal(new[] { "4,2,3", "2,3", "3,2,3", "2,3", "6,2,2", "2,2", "2,2,4", "4" }, layer.Weights.Select(w => string.Join(",", w.Shape)));
            // Keras: 4·6+6 + 3·6+6 + 6·4+4 + 4·4+4.
            Assert.Equal(30 + 24 + 28 + 20, layer.CountParams());
            // The default initializers: glorot_uniform kernels, zero biases.
            var weights = layer.GetWeights();
            Assert.Contains(TestTensors.Values(weights[0]), x => x != 0);
            Assert.All(TestTensors.Values(weights[1]), x => Assert.Equal(0f, x));
        }

        [Fact]
        public void WrongInputsRaiseErrors()
        {
            var layer = new MultiHeadAttention(2, 3, name: "mha_err");
            var e = Assert.Throws<ShapeMismatchException>(() => layer.Call(zeros(2, 3, 4), zeros(2, 5, 4), zeros(2, 6, 4), null));
            Assert.Equal("All dimensions of `value` and `key`, except the last one, must be equal. Received: value_shape=(2, 5, 4) and key_shape=(2, 6, 4)", e.Message);
            Assert.Contains("mha_err", Assert.Throws<ArgumentException>(() => layer.Call(zeros(2, 3, 4))).Message);
            // Axis 2 is the features of a rank-3 input: refused when the layer is built.
            var badAxes = new MultiHeadAttention(2, 3, attentionAxes: new[] { 1, 2 });
            Assert.Contains("attention_axes", Assert.Throws<ArgumentException>(() => badAxes.Call(zeros(2, 3, 4), zeros(2, 5, 4))).Message);
            Assert.Contains("num_heads=0", Assert.Throws<ArgumentException>(() => new MultiHeadAttention(0, 3)).Message);
            var built = new MultiHeadAttention(2, 3);
            built.Call(zeros(2, 3, 4), zeros(2, 5, 4), null, null);
            Assert.Throws<ShapeMismatchException>(() => built.Call(zeros(2, 3, 5), zeros(2, 5, 4), null, null));
            Assert.Throws<ShapeMismatchException>(() => built.Call(zeros(2, 3, 4), zeros(2, 5, 4), null, ones(2, 3, 4, dtype: ScalarType.Bool)));
        }

        [Fact]
        public void ConfigHasTfKerasKeysAndRebuildsTheLayer()
        {
            Backend.ClearSession();
            var layer = new MultiHeadAttention(2, 3, dropout: 0.1, seed: 5);
            var before = layer.GetConfig();
            Assert.Null(before["query_shape"]);
            Assert.Null(before["attention_axes"]);
            Assert.Equal(3, before["value_dim"]);
            layer.Build(new[] { new int?[] { null, 3, 4 }, new int?[] { null, 5, 6 } });
            var config = layer.GetConfig();
            Assert.Equal("multi_head_attention", config["name"]);
            Assert.Equal(new[] { "name", "trainable", "dtype", "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes",
                "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
                "query_shape", "key_shape", "value_shape", "softmax_robust_masking" }, config.Keys);
            Assert.Equal(new[] { 1 }, config["attention_axes"]);
            Assert.Equal(new int?[] { null, 3, 4 }, config["query_shape"]);
            Assert.Equal(new int?[] { null, 5, 6 }, config["key_shape"]);
            // From the JSON config, built for the recorded shapes with the same weights' shapes.
            var json = System.Text.Json.JsonSerializer.Serialize(config);
            var copy = Assert.IsType<MultiHeadAttention>(Layer.FromConfig("MultiHeadAttention", (IReadOnlyDictionary<string, object?>)RnnSharp.Saving.ConfigJson.Parse(json)!));
            Assert.True(copy.Built);
            Assert.Equal(layer.Weights.Select(w => w.Name + string.Join(",", w.Shape)), copy.Weights.Select(w => w.Name + string.Join(",", w.Shape)));
            Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(copy.GetConfig()));
            var keras3 = layer.GetKeras3Config();
            Assert.False(keras3.ContainsKey("query_shape"));
            Assert.False(keras3.ContainsKey("softmax_robust_masking"));
            Assert.Equal(5, keras3["seed"]);
        }

        private static Model TwoInputModel(out MultiHeadAttention mha)
        {
            var query = Keras.Input(new int?[] { 3, 4 });
            var value = Keras.Input(new int?[] { 5, 6 });
            mha = new MultiHeadAttention(Heads, KeyDim, ValueDim);
            KerasTensor attended = mha.Call(new[] { query, value });
            return new Model(new[] { query, value }, new[] { attended });
        }

        [Fact]
        public void ReadsKeras3AndKeras2WeightFiles()
        {
            Backend.ClearSession();
            using var model = TwoInputModel(out var mha);
            Assert.Equal(new int?[] { null, 3, 4 }, model.Outputs[0].Shape.ToArray());
            var rng = new Random(26);
            var values = mha.Weights.Select(w => TestTensors.Random1(rng, (int)w.Count).Select(x => (float)x).ToArray()).ToArray();
            using var dir = new TempDir();

            // Keras 3: the sublayers under the public properties, kernel vars/0 and bias vars/1.
            var paths = new[] { "query_dense", "key_dense", "value_dense", "output_dense" }
                .SelectMany(p => new[] { $"layers/multi_head_attention/{p}/vars/0", $"layers/multi_head_attention/{p}/vars/1" }).ToArray();
            var variables = paths.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => (mha.Weights[x.i].Shape.ToArray(), values[x.i]));
            KerasFiles.WriteKeras3(dir.File("w.weights.h5"), new[] { "layers/input_layer", "layers/input_layer_1", "layers/multi_head_attention",
                "layers/multi_head_attention/query_dense", "layers/multi_head_attention/key_dense", "layers/multi_head_attention/value_dense",
                "layers/multi_head_attention/output_dense" }, variables);
            model.LoadWeights(dir.File("w.weights.h5"));
            var loaded = mha.GetWeights();
            for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], TestTensors.Values(loaded[i]));

            // Keras 2: multi_head_attention/query/kernel:0, ... in Keras's order.
            var names = new[] { "query", "key", "value", "attention_output" }.SelectMany(p => new[] { $"multi_head_attention/{p}/kernel:0", $"multi_head_attention/{p}/bias:0" }).ToArray();
            var reversed = values.Select(v => v.Reverse().ToArray()).ToArray();
            KerasFiles.WriteKeras2(dir.File("w2.h5"), new[]
            {
                new KerasFiles.KerasLayer("input_1", Array.Empty<KerasFiles.Weight>()),
                new KerasFiles.KerasLayer("input_2", Array.Empty<KerasFiles.Weight>()),
                new KerasFiles.KerasLayer("multi_head_attention", names.Select((n, i) => new KerasFiles.Weight(n, mha.Weights[i].Shape.ToArray(), reversed[i])).ToArray()),
            });
            model.LoadWeights(dir.File("w2.h5"));
            loaded = mha.GetWeights();
            for (int i = 0; i < values.Length; i++) Assert.Equal(reversed[i], TestTensors.Values(loaded[i]));

            // RnnSharp's own Keras 2 file names them the same way and loads back.
            model.Save(dir.File("m.h5"));
            using var back = Model.Load(dir.File("m.h5"));
            Assert.Equal(model.ToJson(), back.ToJson());
            var x = new[] { TestTensors.From(TestTensors.Random3(rng, 2, 3, 4)), TestTensors.From(TestTensors.Random3(rng, 2, 5, 6)) };
            Assert.True(TestTensors.Same(model.Call(x)[0], back.Call(x)[0]));
        }

        [Fact]
        public void AKerasConfigWithValueAsAKeywordTensorLoads()
        {
            Backend.ClearSession();
            using var model = TwoInputModel(out var mha);
            // tf-keras records mha(query, value) as [[query, 0, 0, {"value": [...], "use_causal_mask": false}]].
            var json = System.Text.Json.Nodes.JsonNode.Parse(model.ToJson())!;
            var layers = json["config"]!["layers"]!.AsArray();
            var node = layers.Single(l => (string?)l!["class_name"] == "MultiHeadAttention")!;
            var nodes = node["inbound_nodes"]!.AsArray();
            var call = nodes[0]!.AsArray();
            // RnnSharp writes the tf-keras form itself: one entry, the value as a keyword tensor.
            var entry = Assert.Single(call)!.AsArray();
            var kwargs = entry[3]!.AsObject();
            Assert.Equal("[\"input_2\",0,0]", kwargs["value"]!.ToJsonString());
            kwargs["use_causal_mask"] = false;
            using var loaded = Model.FromJson(json.ToJsonString());
            loaded.SetWeights(model.GetWeights());
            var rng = new Random(27);
            var x = new[] { TestTensors.From(TestTensors.Random3(rng, 2, 3, 4)), TestTensors.From(TestTensors.Random3(rng, 2, 5, 6)) };
            Assert.True(TestTensors.Same(model.Call(x)[0], loaded.Call(x)[0]));
            // use_causal_mask: true is replayed: the loaded model is causal.
            kwargs["use_causal_mask"] = true;
            using var causal = Model.FromJson(json.ToJsonString());
            causal.SetWeights(model.GetWeights());
            var causalMha = causal.Layers.OfType<MultiHeadAttention>().Single();
            Assert.True(TestTensors.Same(causalMha.Call(x[0], x[1], useCausalMask: true).Output, causal.Call(x)[0]));
            // An argument the layer does not take is refused, not ignored.
            kwargs.Remove("use_causal_mask");
            kwargs["no_such_argument"] = true;
            Assert.Contains("no_such_argument", Assert.Throws<ArgumentException>(() => Model.FromJson(json.ToJsonString())).Message);
        }
            // ---- Inputs of rank above 3 and chosen attention axes (Keras's einsum path). ----

        private static Tensor T(double[] x, params int[] shape) => tensor(x.Select(v => (float)v).ToArray(), shape.Select(d => (long)d).ToArray());

        private static int Size(int[] shape) => shape.Aggregate(1, (a, d) => a * d);

        private static int?[] Unbatched(int[] shape) => new int?[] { null }.Concat(shape.Skip(1).Select(d => (int?)d)).ToArray();

        // A layer with the given axes built for the shapes, random weights (biases included).
        private static (MultiHeadAttention Layer, float[][] W) BuiltNd(Random rng, int[]? axes, int[] q, int[] v, int[]? k = null, string? name = null)
        {
            var layer = new MultiHeadAttention(Heads, KeyDim, ValueDim, attentionAxes: axes, name: name);
            layer.Build(k is null ? new[] { Unbatched(q), Unbatched(v) } : new[] { Unbatched(q), Unbatched(v), Unbatched(k) });
            var weights = layer.Weights.Select(w => TestTensors.Random1(rng, (int)w.Count, 0.8).Select(x => (float)x).ToArray()).ToArray();
            layer.SetWeights(weights.Select((w, i) => tensor(w, layer.Weights[i].Shape.ToArray())).ToArray());
            return (layer, weights);
        }

        private static (double[] Output, double[] Scores) ReferenceNd(float[][] w, double[] q, int[] qs, double[] v, int[] vs, double[] k, int[] ks, int[] axes,
            Func<int, int[], int[], bool>? allowed = null)
            => MultiHeadNd(q, qs, v, vs, k, ks, axes, Heads, KeyDim, ValueDim, qs[^1], w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], allowed);

        [Fact]
        public void Rank4DefaultAxesAttendOverBothInnerAxesJointly()
        {
            var rng = new Random(31);
            int[] qs = { 2, 2, 3, 4 }, vs = { 2, 3, 2, 5 }, ks = { 2, 3, 2, 3 };
            var (layer, w) = BuiltNd(rng, null, qs, vs, ks);
            // Keras's _build_attention: every inner axis, reported once built.
            Assert.Equal(new[] { 1, 2 }, layer.AttentionAxes);
            // The kernels keep Keras's layout whatever the rank.
            Assert.Equal(new[] { "4,2,3", "2,3", "3,2,3", "2,3", "5,2,2", "2,2", "2,2,4", "4" }, layer.Weights.Select(x => string.Join(",", x.Shape)));
            double[] q = TestTensors.Random1(rng, Size(qs), 1.0), v = TestTensors.Random1(rng, Size(vs), 1.0), k = TestTensors.Random1(rng, Size(ks), 1.0);
            var (expected, scores) = ReferenceNd(w, q, qs, v, vs, k, ks, new[] { 1, 2 });
            var y = layer.Call(T(q, qs), T(v, vs), T(k, ks));
            Assert.Equal(MultiHeadAttention.AttentionPath.Einsum, layer.LastPath);
            Assert.Equal(new long[] { 2, 2, 3, 4 }, y.Output.shape);
            TestTensors.AssertClose(expected, y.Output, Tolerance, "rank-4 output");
            var withScores = layer.Call(T(q, qs), T(v, vs), T(k, ks), null, returnAttentionScores: true);
            // (batch, heads, T1, T2, S1, S2), normalized over (S1, S2) together.
            Assert.Equal(new long[] { 2, Heads, 2, 3, 3, 2 }, withScores[1].shape);
            TestTensors.AssertClose(scores, withScores[1], Tolerance, "rank-4 scores");
            TestTensors.AssertClose(Enumerable.Repeat(1.0, 2 * Heads * 6).ToArray(), withScores[1].sum(new long[] { -2, -1 }), 1e-5, "joint softmax");
            TestTensors.AssertClose(expected, withScores.Output, Tolerance, "rank-4 output with scores");
        }

        public static TheoryData<int[], int[], int[], int[], int[]> ChosenAxes => new()
        {
            // axes given, axes used, query, value shapes, scores shape
            { new[] { 2 }, new[] { 2 }, new[] { 2, 3, 4, 4 }, new[] { 2, 3, 5, 6 }, new[] { 2, 3, Heads, 4, 5 } },
            { new[] { -2 }, new[] { 2 }, new[] { 2, 3, 4, 4 }, new[] { 2, 3, 5, 6 }, new[] { 2, 3, Heads, 4, 5 } },
            { new[] { 1 }, new[] { 1 }, new[] { 2, 3, 4, 4 }, new[] { 2, 5, 4, 6 }, new[] { 2, 4, Heads, 3, 5 } },
            { new[] { -3 }, new[] { 1 }, new[] { 2, 3, 4, 4 }, new[] { 2, 5, 4, 6 }, new[] { 2, 4, Heads, 3, 5 } },
            // Axes in the order given: scores (batch, heads, T2, T1, S2, S1).
            { new[] { 2, 1 }, new[] { 2, 1 }, new[] { 2, 2, 3, 4 }, new[] { 2, 3, 2, 6 }, new[] { 2, Heads, 3, 2, 2, 3 } },
            // Rank 5, one axis: the other two inner axes are batch-like.
            { new[] { 2 }, new[] { 2 }, new[] { 2, 2, 3, 2, 4 }, new[] { 2, 2, 4, 2, 6 }, new[] { 2, 2, 2, Heads, 3, 4 } },
        };

        [Theory]
        [MemberData(nameof(ChosenAxes))]
        public void ChosenAttentionAxesMatchTheReference(int[] given, int[] used, int[] qs, int[] vs, int[] scoresShape)
        {
            var rng = new Random(32);
            var (layer, w) = BuiltNd(rng, given, qs, vs);
            Assert.Equal(used, layer.AttentionAxes);
            double[] q = TestTensors.Random1(rng, Size(qs), 1.0), v = TestTensors.Random1(rng, Size(vs), 1.0);
            var (expected, scores) = ReferenceNd(w, q, qs, v, vs, v, vs, used);
            var y = layer.Call(T(q, qs), T(v, vs), null, null, returnAttentionScores: true);
            Assert.Equal(qs.Select(d => (long)d), y.Output.shape);
            TestTensors.AssertClose(expected, y.Output, Tolerance, "output");
            Assert.Equal(scoresShape.Select(d => (long)d), y[1].shape);
            TestTensors.AssertClose(scores, y[1], Tolerance, "scores");
            TestTensors.AssertClose(expected, layer.Call(T(q, qs), T(v, vs)).Output, Tolerance, "without scores");
            // The symbolic shapes agree with the computed ones.
            var shapes = layer.ComputeOutputShapes(new[] { Unbatched(qs), Unbatched(vs) }, new Dictionary<string, object?> { ["return_attention_scores"] = true });
            Assert.Equal(Unbatched(qs), shapes[0]);
            Assert.Equal(Unbatched(scoresShape), shapes[1]);
        }

        [Fact]
        public void Rank4MasksOverTheLastInnerAxisCombineAsKeras()
        {
            // Attention over the last inner axis: Keras's masks [B, T1, T2, 1] & [B, S1, 1, S2] & attention_mask
            // [B, T1, T2, S2] line up with the scores (B, T1, heads, T2, S2).
            var rng = new Random(33);
            int[] qs = { 2, 2, 3, 4 }, vs = { 2, 2, 4, 5 };
            var (layer, w) = BuiltNd(rng, new[] { 2 }, qs, vs);
            double[] q = TestTensors.Random1(rng, Size(qs), 1.0), v = TestTensors.Random1(rng, Size(vs), 1.0);
            var qm = new[] { Bools("101", "111"), Bools("111", "011") };
            var vm = new[] { Bools("1110", "1111"), Bools("1101", "0111") };
            var am = Indices(new[] { 2, 2, 3, 4 }).Select(i => (i[0] + i[1] + i[2] + i[3]) % 5 != 0).ToArray();
            bool Attention(int b, int t1, int t2, int s2) => am[((b * 2 + t1) * 3 + t2) * 4 + s2];
            bool Allowed(int b, int[] t, int[] s) => qm[b][t[0]][t[1]] && vm[b][s[0]][s[1]] && Attention(b, t[0], t[1], s[1]);
            var (expected, scores) = ReferenceNd(w, q, qs, v, vs, v, vs, new[] { 2 }, Allowed);
            Tensor Mask(bool[][][] m) => tensor(m.SelectMany(r => r.SelectMany(c => c)).ToArray(), new long[] { m.Length, m[0].Length, m[0][0].Length });
            var attention = tensor(am, new long[] { 2, 2, 3, 4 });
            var y = layer.Call(T(q, qs), T(v, vs), null, attention, returnAttentionScores: true, queryMask: Mask(qm), valueMask: Mask(vm));
            TestTensors.AssertClose(expected, y.Output, Tolerance, "masked output");
            TestTensors.AssertClose(scores, y[1], Tolerance, "masked scores");
            // A masked query position attends to nothing: its output is the output bias alone.
            TestTensors.AssertClose(w[7].Select(x => (double)x).ToArray(), y.Output[0, 0, 1], 1e-6, "masked query position");
            // A lower-rank attention mask (B, T2, S2) is broadcast over T1, as Keras expands it.
            var small = Indices(new[] { 2, 3, 4 }).Select(i => (i[0] + 2 * i[1] + i[2]) % 3 != 0).ToArray();
            var (expectedSmall, _) = ReferenceNd(w, q, qs, v, vs, v, vs, new[] { 2 }, (b, t, s) => small[(b * 3 + t[1]) * 4 + s[1]]);
            TestTensors.AssertClose(expectedSmall, layer.Call(T(q, qs), T(v, vs), null, tensor(small, new long[] { 2, 3, 4 })).Output, Tolerance, "broadcast attention mask");
        }

        [Fact]
        public void Rank4MasksThatDoNotLineUpFailAsInKeras()
        {
            var rng = new Random(34);
            int[] qs = { 2, 2, 3, 4 }, vs = { 2, 3, 2, 4 };
            var (layer, _) = BuiltNd(rng, null, qs, vs, name: "mha_nd_mask");
            Tensor q = T(TestTensors.Random1(rng, Size(qs)), qs), v = T(TestTensors.Random1(rng, Size(vs)), vs);
            // The query's mask (B, T1, T2, 1), expanded to (B, 1, 1, T1, T2, 1), does not fit the scores (B, heads, T1, T2, S1, S2).
            var e = Assert.Throws<ShapeMismatchException>(() => layer.Call(q, v, null, null, queryMask: ones(2, 2, 3, dtype: ScalarType.Bool)));
            Assert.Contains("must be broadcastable", e.Message);
            // Keras's causal mask (1, T1, S1) is for (batch, T, dim) inputs: it cannot be expanded for two attention axes...
            Assert.Throws<ShapeMismatchException>(() => layer.Call(q, v, null, null, useCausalMask: true));
            // ...nor fit attention over axis 2 when T1 differs from T2.
            var (single, _) = BuiltNd(rng, new[] { 2 }, qs, new[] { 2, 2, 4, 4 });
            Assert.Throws<ShapeMismatchException>(() => single.Call(q, T(TestTensors.Random1(rng, 64), 2, 2, 4, 4), null, null, useCausalMask: true));
            // An attention mask whose axes do not fit the scores.
            Assert.Throws<ShapeMismatchException>(() => layer.Call(q, v, null, ones(new long[] { 2, 2, 3, 2, 3 }, dtype: ScalarType.Bool)));
        }

        [Fact]
        public void InvalidAxesAndRanksAreRefused()
        {
            Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 3, attentionAxes: new[] { 0 }));
            Assert.Throws<ArgumentException>(() => new MultiHeadAttention(2, 3, attentionAxes: Array.Empty<int>()));
            foreach (var axes in new[] { new[] { 3 }, new[] { -1 }, new[] { -4 }, new[] { 1, 1 }, new[] { 2, -2 } })
            {
                var layer = new MultiHeadAttention(2, 3, attentionAxes: axes, name: "mha_axes");
                var e = Assert.Throws<ArgumentException>(() => layer.Call(zeros(2, 3, 4, 5), zeros(2, 3, 4, 5)));
                Assert.Contains("attention_axes", e.Message);
            }
            // The query and the value have one rank; the batch-like axes agree.
            Assert.Throws<ShapeMismatchException>(() => new MultiHeadAttention(2, 3).Call(zeros(2, 3, 4, 5), zeros(2, 3, 5)));
            Assert.Throws<ShapeMismatchException>(() => new MultiHeadAttention(2, 3, attentionAxes: new[] { 2 }).Call(zeros(2, 3, 4, 5), zeros(2, 2, 4, 5)));
            // Built for rank 4, called on rank 3.
            var built = new MultiHeadAttention(2, 3);
            built.Call(zeros(2, 3, 4, 5), zeros(2, 3, 4, 5));
            Assert.Throws<ShapeMismatchException>(() => built.Call(zeros(2, 3, 5), zeros(2, 3, 5)));
            // Rank 3 with the time axis given stays fused.
            var rank3 = new MultiHeadAttention(2, 3, attentionAxes: new[] { -2 });
            rank3.Call(zeros(2, 3, 4), zeros(2, 5, 4));
            Assert.Equal(MultiHeadAttention.AttentionPath.Fused, rank3.LastPath);
            Assert.Equal(new[] { 1 }, rank3.AttentionAxes);
        }

        [Fact]
        public void Rank4InAFunctionalModel()
        {
            Backend.ClearSession();
            var query = Keras.Input(new int?[] { 2, 3, 4 });
            var value = Keras.Input(new int?[] { 3, 2, 5 });
            var mha = new MultiHeadAttention(Heads, KeyDim, ValueDim);
            var (output, scores) = mha.Call(query, value, returnAttentionScores: true);
            Assert.Equal(new int?[] { null, 2, 3, 4 }, output.Shape.ToArray());
            Assert.Equal(new int?[] { null, Heads, 2, 3, 3, 2 }, scores.Shape.ToArray());
            var single = new MultiHeadAttention(Heads, KeyDim, ValueDim, attentionAxes: new[] { 2 }, outputShape: new[] { 6 });
            var other = Keras.Input(new int?[] { 2, 5, 5 });
            var (output2, scores2) = single.Call(query, other, returnAttentionScores: true);
            Assert.Equal(new int?[] { null, 2, 3, 6 }, output2.Shape.ToArray());
            Assert.Equal(new int?[] { null, 2, Heads, 3, 5 }, scores2.Shape.ToArray());
            using var model = new Model(new[] { query, value, other }, new[] { output, scores, output2 });
            var rng = new Random(35);
            var x = new[] { T(TestTensors.Random1(rng, 48), 2, 2, 3, 4), T(TestTensors.Random1(rng, 60), 2, 3, 2, 5), T(TestTensors.Random1(rng, 100), 2, 2, 5, 5) };
            var y = model.Call(x);
            var direct = mha.Call(x[0], x[1], returnAttentionScores: true);
            Assert.True(TestTensors.Same(direct.Output, y[0]));
            Assert.True(TestTensors.Same(direct[1], y[1]));
            Assert.True(TestTensors.Same(single.Call(x[0], x[2]).Output, y[2]));
            // The model's config round trip keeps the axes and the rank.
            using var back = Model.FromJson(model.ToJson());
            back.SetWeights(model.GetWeights());
            var z = back.Call(x);
            for (int i = 0; i < 3; i++) Assert.True(TestTensors.Same(y[i], z[i]));
        }

        [Fact]
        public void Rank4ConfigRoundTrip()
        {
            Backend.ClearSession();
            var rng = new Random(36);
            var layer = new MultiHeadAttention(Heads, KeyDim, ValueDim, attentionAxes: new[] { -2 });
            Assert.Equal(new[] { -2 }, layer.GetConfig()["attention_axes"]);
            int[] qs = { 2, 3, 4, 4 }, vs = { 2, 3, 5, 6 };
            layer.Build(new[] { Unbatched(qs), Unbatched(vs) });
            var config = layer.GetConfig();
            // Keras writes the axes it resolved once built.
            Assert.Equal(new[] { 2 }, config["attention_axes"]);
            Assert.Equal(new[] { 2 }, layer.GetKeras3Config()["attention_axes"]);
            Assert.Equal(new int?[] { null, 3, 4, 4 }, config["query_shape"]);
            var json = System.Text.Json.JsonSerializer.Serialize(config);
            var copy = Assert.IsType<MultiHeadAttention>(Layer.FromConfig("MultiHeadAttention", (IReadOnlyDictionary<string, object?>)RnnSharp.Saving.ConfigJson.Parse(json)!));
            Assert.True(copy.Built);
            Assert.Equal(json, System.Text.Json.JsonSerializer.Serialize(copy.GetConfig()));
            Assert.Equal(layer.CountParams(), copy.CountParams());
            copy.SetWeights(layer.GetWeights());
            Tensor q = T(TestTensors.Random1(rng, Size(qs)), qs), v = T(TestTensors.Random1(rng, Size(vs)), vs);
            Assert.True(TestTensors.Same(layer.Call(q, v).Output, copy.Call(q, v).Output));
            // The same feature sizes give the same parameters as for rank 3.
            var rank3 = new MultiHeadAttention(Heads, KeyDim, ValueDim);
            rank3.Build(new[] { new int?[] { null, 4, 4 }, new int?[] { null, 5, 6 } });
            Assert.Equal(rank3.CountParams(), layer.CountParams());
        }

        [Fact]
        public void Rank4DropoutIsSeededAndTrainsOnlyInTraining()
        {
            var rng = new Random(37);
            int[] qs = { 2, 2, 3, 4 };
            Tensor x = T(TestTensors.Random1(rng, Size(qs)), qs);
            MultiHeadAttention Make()
            {
                var l = new MultiHeadAttention(Heads, KeyDim, ValueDim, dropout: 0.5, seed: 7);
                l.Build(new[] { Unbatched(qs), Unbatched(qs) });
                return l;
            }
            var a = Make();
            var b = Make();
            b.SetWeights(a.GetWeights());
            var inference = a.Call(x, x, null, null, returnAttentionScores: true);
            var trained = a.Call(x, x, null, null, returnAttentionScores: true, training: true);
            Assert.False(TestTensors.Same(inference.Output, trained.Output));
            // The returned scores are taken before dropout.
            Assert.True(TestTensors.Same(inference[1], trained[1]));
            b.Call(x, x, null, null, returnAttentionScores: true);
            Assert.True(TestTensors.Same(trained.Output, b.Call(x, x, null, null, training: true).Output));
        }
    }
}
