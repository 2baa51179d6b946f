using System;
using System.Linq;
using RnnSharp.DTypePolicies;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using RnnSharp.Tests.Layers.Rnn;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests
{
    /// <summary>
    /// The global policy and what it does to a model: layers take it at construction, compute in 16 bits with float32
    /// variables, heads and losses in float32, Compile's loss scaling under mixed_float16, training, saving.
    /// </summary>
    [Collection("MixedPrecision")]
    public class MixedPrecisionTests
    {
        private static (Tensor X, Tensor Y) SignTask(int count, int steps, int seed)
        {
            var rng = new Random(seed);
            var x = new float[count * steps];
            var y = new float[count];
            for (int i = 0; i < count; i++)
            {
                double sum = 0;
                for (int t = 0; t < steps; t++) sum += x[i * steps + t] = (float)(rng.NextDouble() * 2 - 1);
                y[i] = sum > 0 ? 1 : 0;
            }
            return (tensor(x, new long[] { count, steps, 1 }), tensor(y, new long[] { count, 1 }));
        }

        private static Sequential Model(string? dtype = null) => new(new Layer[]
        {
            new LSTM(16, inputShape: new int?[] { 9, 1 }, returnSequences: true, dtype: dtype),
            new GRU(8, dtype: dtype),
            new Dense(1, activation: "sigmoid", dtype: dtype),
        });

        [Fact]
        public void LayersTakeTheGlobalPolicyAtConstruction()
        {
            Assert.Equal("float32", MixedPrecision.GlobalPolicy.Name);
            using var scope = MixedPrecisionScope.Global("mixed_bfloat16");
            Assert.Equal("mixed_bfloat16", MixedPrecision.GlobalPolicy.Name);
            var lstm = new LSTM(4);
            Assert.Equal("mixed_bfloat16", lstm.DtypePolicy.Name);
            Assert.Equal("bfloat16", lstm.ComputeDtype);
            Assert.Equal("float32", lstm.VariableDtype);
            Assert.Equal("mixed_bfloat16", lstm.Cell.DtypePolicy.Name);
            // An explicit dtype wins, and an RNN's cell follows its layer.
            var own = new GRU(4, dtype: "float32");
            Assert.Equal("float32", own.DtypePolicy.Name);
            Assert.Equal("float32", own.Cell.DtypePolicy.Name);
            lstm.DtypePolicy = "mixed_float16";
            Assert.Equal("mixed_float16", lstm.Cell.DtypePolicy.Name);
            Assert.Throws<ArgumentException>(() => MixedPrecision.SetGlobalPolicy("int8"));
            Assert.Equal("mixed_bfloat16", MixedPrecision.GlobalPolicy.Name);
        }

        [Fact]
        public void HeadsComputeInFloat32AndWeightsStayFloat32()
        {
            var rng = new Random(3);
            var kernel = TestTensors.Random2(rng, 6, 3);
            var bias = TestTensors.Random1(rng, 3);
            var x = TestTensors.Random2(rng, 4, 6);
            foreach (var activation in new[] { "softmax", "sigmoid", "tanh" })
            {
                var dense = new Dense(3, activation: activation, dtype: "mixed_bfloat16");
                dense.Build(new int?[] { null, 6 });
                dense.SetWeights(new[] { TestTensors.From(kernel), TestTensors.From(bias) });
                Tensor y = dense.Call(TestTensors.From(x));
                // Keras's guide: softmax/sigmoid outputs in float32; other activations stay in the compute dtype.
                Assert.Equal(activation == "tanh" ? ScalarType.BFloat16 : ScalarType.Float32, y.dtype);
                Assert.All(dense.GetWeights(), w => Assert.Equal(ScalarType.Float32, w.dtype));
                var expected = x.SelectMany(row =>
                {
                    var z = Enumerable.Range(0, 3).Select(j => bias[j] + Enumerable.Range(0, 6).Sum(i => row[i] * kernel[i][j])).ToArray();
                    return activation switch
                    {
                        "softmax" => z.Select(v => Math.Exp(v) / z.Sum(Math.Exp)).ToArray(),
                        "sigmoid" => z.Select(KerasReference.Sigmoid).ToArray(),
                        _ => z.Select(Math.Tanh).ToArray(),
                    };
                }).ToArray();
                double error = MixedPrecisionRnnTests.AssertWithin(expected, y, MixedPrecisionRnnTests.Budget("mixed_bfloat16"), activation);
                Assert.True(error > 1e-5, $"{activation}: error {error} is float32-sized");
            }
        }

        [Theory]
        [InlineData("mixed_bfloat16", true)]
        [InlineData("mixed_bfloat16", false)]
        [InlineData("mixed_float16", true)]
        public void GradientsReachTheFloat32Weights(string policy, bool fused)
        {
            using var cpuHalf = MixedPrecisionScope.CpuFloat16();
            Backend.SetRandomSeed(11);
            var x = randn(6, 7, 4);
            var mask = tensor(Enumerable.Range(0, 42).Select(i => i % 7 < 7 - i / 7).ToArray(), new long[] { 6, 7 });
            var low = new LSTM(8, returnSequences: true, dtype: policy);
            var full = new LSTM(8, returnSequences: true);
            low.Build(new int?[] { null, 7, 4 });
            full.Build(new int?[] { null, 7, 4 });
            full.SetWeights(low.GetWeights());
            low.UseFused = full.UseFused = fused;
            using var upstream = randn(6, 7, 8);
            (low.Call(x, mask, training: true).Output.to(ScalarType.Float32) * upstream).sum().backward();
            (full.Call(x, mask, training: true).Output * upstream).sum().backward();
            Assert.Equal(fused ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, low.LastCallPath);
            // (Held parameters, e.g. the LSTM's second bias kept at zero, take no gradient.)
            var trained = low.parameters().Zip(full.parameters()).Where(p => p.First.requires_grad).ToList();
            Assert.Equal(3, trained.Count);
            foreach (var (a, b) in trained)
            {
                Assert.Equal(ScalarType.Float32, a.dtype);
                Assert.NotNull(a.grad);
                Assert.Equal(ScalarType.Float32, a.grad!.dtype);
                // Each gradient element sums ~batch·steps products of 16-bit values: allow 16u of the largest.
                double scale = b.grad!.abs().max().item<float>();
                double worst = (a.grad - b.grad).abs().max().item<float>();
                Assert.True(worst <= 16 * MixedPrecisionRnnTests.UnitRoundoff(policy) * scale, $"{policy} fused={fused}: gradient error {worst} of {scale}");
                Assert.True(worst > 0, $"{policy} fused={fused}: the gradient is float32's exactly");
            }
        }

        [Fact]
        public void CompileWrapsTheOptimizerUnderMixedFloat16Only()
        {
            using (MixedPrecisionScope.Global("mixed_float16"))
            {
                using var model = Model();
                model.Compile(optimizer: "adam", loss: "binary_crossentropy");
                var wrapped = Assert.IsType<LossScaleOptimizer>(model.Optimizer);
                Assert.Equal("loss_scale_optimizer", wrapped.Name);
                Assert.IsType<Adam>(wrapped.InnerOptimizer);
                Assert.Equal(32768.0, wrapped.DynamicScale);
                // A LossScaleOptimizer given by the user is kept as it is.
                var own = new LossScaleOptimizer(new SGD(), initialScale: 64);
                model.Compile(optimizer: own, loss: "binary_crossentropy");
                Assert.Same(own, model.Optimizer);
            }
            using (MixedPrecisionScope.Global("mixed_bfloat16"))
            {
                using var model = Model();
                model.Compile(optimizer: "adam", loss: "binary_crossentropy");
                Assert.IsType<Adam>(model.Optimizer);
            }
        }

        [Fact]
        public void Float16OnTheCpuFallsBackToFloat32AndSaysSo()
        {
            using var scope = MixedPrecisionScope.Global("mixed_float16").Recording();
            var layer = new LSTM(3, returnSequences: true);
            var y = layer.Call(randn(2, 4, 5)).Output;
            if (TestDevice.IsCuda)
            {
                // On a GPU the policy computes in float16, silently.
                Assert.Equal(ScalarType.Float16, y.dtype);
                Assert.Empty(scope.Said);
                return;
            }
            Assert.Equal(ScalarType.Float32, y.dtype);
            layer.Call(randn(2, 4, 5));
            var said = Assert.Single(scope.Said);
            Assert.Contains("mixed_float16", said);
            Assert.Contains("float32", said);
            Assert.Contains("mixed_bfloat16", said);
        }

        [Theory]
        [InlineData("mixed_bfloat16")]
        [InlineData("mixed_float16")]
        public void FitLearnsUnderAMixedPolicy(string policy)
        {
            // float16 computes on the CPU here so that loss scaling runs for real.
            using var scope = MixedPrecisionScope.Global(policy);
            MixedPrecision.CpuFloat16 = true;
            Backend.SetRandomSeed(7);
            var (x, y) = SignTask(512, 9, seed: 1);
            using var model = Model();
            model.Compile(optimizer: new Adam(learningRate: 0.01), loss: "binary_crossentropy", metrics: new[] { "acc" });
            var history = model.Fit(x, y, batchSize: 32, epochs: 8, verbose: 0);
            Assert.All(history.Values["loss"], l => Assert.True(double.IsFinite(l)));
            var (xt, yt) = SignTask(256, 9, seed: 2);
            var results = model.Evaluate(xt, yt, verbose: 0);
            Assert.True(results["acc"] > 0.85, $"{policy}: test accuracy {results["acc"]}");
            var predicted = model.Predict(xt);
            Assert.Equal(ScalarType.Float32, predicted.dtype);
            Assert.All(model.GetWeights(), w => Assert.Equal(ScalarType.Float32, w.dtype));
            if (policy == "mixed_float16")
            {
                var optimizer = Assert.IsType<LossScaleOptimizer>(model.Optimizer);
                Assert.True(optimizer.Iterations > 0);
                Assert.True(optimizer.DynamicScale >= 1, $"scale {optimizer.DynamicScale}");
            }
        }

        [Theory]
        [InlineData("model.keras")]
        [InlineData("model.h5")]
        public void PoliciesSurviveSaveAndLoadWithFloat32Weights(string file)
        {
            using var dir = new TempDir();
            using var scope = MixedPrecisionScope.Global("mixed_bfloat16");
            Backend.SetRandomSeed(5);
            using var model = new Sequential(new Layer[]
            {
                new LSTM(6, inputShape: new int?[] { 5, 3 }),
                new Dense(2, activation: "softmax", dtype: "float32"),
            });
            var x = randn(4, 5, 3);
            var before = model.Predict(x);
            string path = dir.File(file);
            model.Save(path);
            // Loaded under another global policy, the saved policies hold.
            MixedPrecision.SetGlobalPolicy("float32");
            using var loaded = Sequential.Load(path);
            Assert.Equal("mixed_bfloat16", loaded.Layers[0].DtypePolicy.Name);
            Assert.Equal("float32", loaded.Layers[1].DtypePolicy.Name);
            Assert.All(loaded.GetWeights(), w => Assert.Equal(ScalarType.Float32, w.dtype));
            Assert.True(TestTensors.Same(before, loaded.Predict(x)), $"{file}: predictions differ after loading");
            // GetConfig/FromConfig carry it too; Summary is the same as float32's.
            var config = loaded.GetConfig();
            using var rebuilt = Sequential.FromConfig(config);
            Assert.Equal("mixed_bfloat16", rebuilt.Layers[0].DtypePolicy.Name);
            var lines = new System.Collections.Generic.List<string>();
            loaded.Summary(printFn: lines.Add);
            Assert.DoesNotContain(lines, l => l.Contains("bfloat16", StringComparison.Ordinal));
        }
    }
}
