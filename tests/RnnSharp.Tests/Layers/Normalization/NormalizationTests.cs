using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Normalization
{
    /// <summary>LayerNormalization and BatchNormalization against plain double loops written from Keras's equations:
    /// forward passes, moving statistics, gradients, weights in Keras's order, masks, configs.</summary>
    public class NormalizationTests
    {
        private const double Eps = 1e-3;

        private static double[] RandomValues(Random rng, int n, double scale = 1.0, double shift = 0.0)
            => Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 2 - 1) * scale + shift).ToArray();

        private static Tensor T(double[] values, params long[] shape) => tensor(values.Select(v => (float)v).ToArray(), shape);

        // Channels-last rows (rows, channels): per-channel weighted mean and biased variance, as tf.nn.(weighted_)moments.
        private static (double[] Mean, double[] Var) Moments(double[] x, int rows, int channels, double[]? rowWeights = null)
        {
            var mean = new double[channels];
            var variance = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                double sw = 0, s = 0;
                for (int r = 0; r < rows; r++) { double w = rowWeights?[r] ?? 1; sw += w; s += w * x[r * channels + c]; }
                mean[c] = s / sw;
                double q = 0;
                for (int r = 0; r < rows; r++) { double w = rowWeights?[r] ?? 1; double d = x[r * channels + c] - mean[c]; q += w * d * d; }
                variance[c] = q / sw;
            }
            return (mean, variance);
        }

        private static double[] Normalize(double[] x, int rows, int channels, double[] mean, double[] variance, double[] gamma, double[] beta)
        {
            var y = new double[x.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < channels; c++)
                    y[r * channels + c] = gamma[c] * (x[r * channels + c] - mean[c]) / Math.Sqrt(variance[c] + Eps) + beta[c];
            return y;
        }

        [Fact]
        public void LayerNormalizationOnTheLastAxisMatchesDoubleLoops()
        {
            var rng = new Random(1);
            int b = 2, t = 3, f = 4;
            var x = RandomValues(rng, b * t * f, 2.0, 0.5);
            var gamma = RandomValues(rng, f);
            var beta = RandomValues(rng, f);
            var layer = new LayerNormalization();
            layer.Build(new int?[] { null, t, f });
            layer.SetWeights(new[] { T(gamma, f), T(beta, f) });
            var y = layer.Call(T(x, b, t, f)).Output;
            var expected = new double[x.Length];
            for (int r = 0; r < b * t; r++)
            {
                var row = x.Skip(r * f).Take(f).ToArray();
                double m = row.Average(), v = row.Select(z => (z - m) * (z - m)).Average();
                for (int c = 0; c < f; c++) expected[r * f + c] = gamma[c] * (row[c] - m) / Math.Sqrt(v + Eps) + beta[c];
            }
            TestTensors.AssertClose(expected, y, 1e-5, "layer norm, axis -1");
            Assert.Equal(new long[] { b, t, f }, y.shape);
        }

        [Fact]
        public void LayerNormalizationOverSeveralAxesHasWeightsOfTheirSizes()
        {
            var rng = new Random(2);
            int b = 2, t = 3, f = 4;
            var x = RandomValues(rng, b * t * f, 1.5);
            var gamma = RandomValues(rng, t * f);
            var beta = RandomValues(rng, t * f);
            var layer = new LayerNormalization(axis: new[] { 1, 2 });
            var y0 = layer.Call(T(x, b, t, f)).Output;
            Assert.Equal(new[] { new WeightInfo("gamma", new long[] { t, f }, true), new WeightInfo("beta", new long[] { t, f }, true) },
                layer.Weights.Select(w => new WeightInfo(w.Name, w.Shape.ToArray(), w.Trainable)).ToArray(), new WeightComparer());
            layer.SetWeights(new[] { T(gamma, t, f), T(beta, t, f) });
            var y = layer.Call(T(x, b, t, f)).Output;
            var expected = new double[x.Length];
            int n = t * f;
            for (int s = 0; s < b; s++)
            {
                var sample = x.Skip(s * n).Take(n).ToArray();
                double m = sample.Average(), v = sample.Select(z => (z - m) * (z - m)).Average();
                for (int i = 0; i < n; i++) expected[s * n + i] = gamma[i] * (sample[i] - m) / Math.Sqrt(v + Eps) + beta[i];
            }
            TestTensors.AssertClose(expected, y, 1e-5, "layer norm, axes (1, 2)");
            Assert.Equal(new[] { 1, 2 }, layer.Axis);
        }

        private sealed class WeightComparer : IEqualityComparer<WeightInfo>
        {
            public bool Equals(WeightInfo? a, WeightInfo? b)
                => a is not null && b is not null && a.Name == b.Name && a.Trainable == b.Trainable && a.Shape.SequenceEqual(b.Shape);
            public int GetHashCode(WeightInfo w) => w.Name.GetHashCode();
        }

        [Fact]
        public void LayerNormalizationGradientsOfGammaAndBetaMatchTheClosedForm()
        {
            var rng = new Random(3);
            int b = 2, t = 3, f = 4;
            var x = RandomValues(rng, b * t * f, 2.0);
            var gamma = RandomValues(rng, f);
            var beta = RandomValues(rng, f);
            var w = RandomValues(rng, b * t * f);
            var layer = new LayerNormalization();
            layer.Build(new int?[] { null, t, f });
            layer.SetWeights(new[] { T(gamma, f), T(beta, f) });
            var loss = (layer.Call(T(x, b, t, f)).Output * T(w, b, t, f)).sum();
            loss.backward();
            // loss = sum w * (gamma * xhat + beta): d/dgamma_c = sum w * xhat, d/dbeta_c = sum w over the rows.
            var dGamma = new double[f];
            var dBeta = new double[f];
            for (int r = 0; r < b * t; r++)
            {
                var row = x.Skip(r * f).Take(f).ToArray();
                double m = row.Average(), v = row.Select(z => (z - m) * (z - m)).Average();
                for (int c = 0; c < f; c++)
                {
                    dGamma[c] += w[r * f + c] * (row[c] - m) / Math.Sqrt(v + Eps);
                    dBeta[c] += w[r * f + c];
                }
            }
            var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            TestTensors.AssertClose(dGamma, parameters["gamma"].grad!, 1e-4, "d loss / d gamma");
            TestTensors.AssertClose(dBeta, parameters["beta"].grad!, 1e-4, "d loss / d beta");
        }

        [Fact]
        public void LayerNormalizationPassesTheMaskThroughAndIgnoresIt()
        {
            var rng = new Random(4);
            var x = T(RandomValues(rng, 2 * 3 * 4), 2, 3, 4);
            var mask = TestTensors.Mask(new[] { new[] { true, true, false }, new[] { true, false, false } });
            var layer = new LayerNormalization();
            var masked = layer.Call(x, mask);
            Assert.True(TestTensors.Same(layer.Call(x).Output, masked.Output));
            Assert.Same(mask, layer.ComputeMask(x, mask));
            Assert.True(layer.SupportsMasking);
        }

        [Fact]
        public void BatchNormalizationTrainsOnBatchStatisticsAndUpdatesMovingStatisticsWithTheBiasedVariance()
        {
            var rng = new Random(5);
            int b = 3, t = 2, f = 4, rows = b * t;
            double momentum = 0.8;
            var gamma = RandomValues(rng, f, 0.5, 1.0);
            var beta = RandomValues(rng, f);
            var layer = new BatchNormalization(momentum: momentum);
            layer.Build(new int?[] { null, t, f });
            var movingMean = new double[f];
            var movingVar = Enumerable.Repeat(1.0, f).ToArray();
            layer.SetWeights(new[] { T(gamma, f), T(beta, f), T(movingMean, f), T(movingVar, f) });
            for (int call = 1; call <= 2; call++)
            {
                var x = RandomValues(rng, rows * f, 2.0, call);
                var y = layer.Call(T(x, b, t, f), training: true).Output;
                var (mean, variance) = Moments(x, rows, f);
                TestTensors.AssertClose(Normalize(x, rows, f, mean, variance, gamma, beta), y, 1e-5, $"training output, call {call}");
                for (int c = 0; c < f; c++)
                {
                    movingMean[c] = movingMean[c] * momentum + mean[c] * (1 - momentum);
                    movingVar[c] = movingVar[c] * momentum + variance[c] * (1 - momentum);
                }
                var weights = layer.GetWeights();
                TestTensors.AssertClose(movingMean, weights[2], 1e-5, $"moving_mean after {call} call(s)");
                TestTensors.AssertClose(movingVar, weights[3], 1e-5, $"moving_variance after {call} call(s)");
            }
            // Inference: the moving statistics, which it leaves alone.
            var xi = RandomValues(rng, rows * f, 2.0);
            var yi = layer.Call(T(xi, b, t, f)).Output;
            TestTensors.AssertClose(Normalize(xi, rows, f, movingMean, movingVar, gamma, beta), yi, 1e-5, "inference output");
            TestTensors.AssertClose(movingMean, layer.GetWeights()[2], 1e-6, "moving_mean after inference");
        }

        [Fact]
        public void BatchNormalizationWeighsTheStatisticsWithTheMaskOnSequences()
        {
            var rng = new Random(6);
            int b = 2, t = 3, f = 2, rows = b * t;
            var keep = new[] { new[] { true, true, false }, new[] { true, false, false } };
            var rowWeights = keep.SelectMany(r => r).Select(k => k ? 1.0 : 0.0).ToArray();
            var x = RandomValues(rng, rows * f, 2.0);
            var layer = new BatchNormalization(momentum: 0.5);
            var mask = TestTensors.Mask(keep);
            var result = layer.Call(T(x, b, t, f), mask, training: true);
            var (mean, variance) = Moments(x, rows, f, rowWeights);
            var ones = Enumerable.Repeat(1.0, f).ToArray();
            TestTensors.AssertClose(Normalize(x, rows, f, mean, variance, ones, new double[f]), result.Output, 1e-5, "masked training output");
            TestTensors.AssertClose(mean.Select(m => 0.5 * m).ToArray(), layer.GetWeights()[2], 1e-5, "masked moving_mean");
            TestTensors.AssertClose(variance.Select(v => 0.5 + 0.5 * v).ToArray(), layer.GetWeights()[3], 1e-5, "masked moving_variance");
            Assert.Same(mask, layer.ComputeMask(T(x, b, t, f), mask));
        }

        [Fact]
        public void BatchNormalizationOnImagesUpdatesTheMovingVarianceWithTheUnbiasedVarianceAsTheFusedKernel()
        {
            var rng = new Random(7);
            int b = 2, h = 2, w = 3, c = 3, rows = b * h * w;
            var x = RandomValues(rng, rows * c, 2.0);
            var layer = new BatchNormalization(momentum: 0.5);
            var y = layer.Call(T(x, b, h, w, c), training: true).Output;
            var (mean, variance) = Moments(x, rows, c);
            var ones = Enumerable.Repeat(1.0, c).ToArray();
            TestTensors.AssertClose(Normalize(x, rows, c, mean, variance, ones, new double[c]), y, 1e-5, "4D training output (biased variance)");
            double bessel = rows / (rows - 1.0);
            TestTensors.AssertClose(variance.Select(v => 0.5 + 0.5 * v * bessel).ToArray(), layer.GetWeights()[3], 1e-5, "4D moving_variance (unbiased)");
        }

        [Fact]
        public void BatchNormalizationHasKerasWeightsAndOnlyGammaAndBetaTrain()
        {
            var layer = new BatchNormalization();
            layer.Build(new int?[] { null, 4 });
            Assert.Equal(new[] { "gamma", "beta", "moving_mean", "moving_variance" }, layer.Weights.Select(w => w.Name));
            Assert.Equal(new[] { true, true, false, false }, layer.Weights.Select(w => w.Trainable));
            Assert.All(layer.Weights, w => Assert.Equal(new long[] { 4 }, w.Shape));
            Assert.Equal(16, layer.CountParams());
            Assert.Equal(8, layer.CountTrainableParams());
            var byName = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            Assert.True(byName["gamma"].requires_grad && byName["beta"].requires_grad);
            Assert.False(byName["moving_mean"].requires_grad || byName["moving_variance"].requires_grad);
            // Toggling Trainable keeps the moving statistics out of training.
            layer.Trainable = false;
            Assert.Equal(0, layer.CountTrainableParams());
            layer.Trainable = true;
            Assert.False(byName["moving_mean"].requires_grad || byName["moving_variance"].requires_grad);
            Assert.True(byName["gamma"].requires_grad);
            var loss = layer.Call(randn(5, 4), training: true).Output.square().sum();
            loss.backward();
            Assert.NotNull(byName["gamma"].grad);
            Assert.Null(byName["moving_mean"].grad);
            // Initial values: gamma ones, beta zeros, moving_mean zeros, moving_variance ones.
            var fresh = new BatchNormalization();
            fresh.Build(new int?[] { null, 2 });
            var initial = fresh.GetWeights();
            Assert.Equal(new float[] { 1, 1, 0, 0, 0, 0, 1, 1 }, initial.SelectMany(TestTensors.Values));
        }

        [Fact]
        public void ANonTrainableBatchNormalizationRunsInInferenceModeAsKeras2()
        {
            var rng = new Random(8);
            var x = RandomValues(rng, 6 * 3, 2.0, 1.0);
            var layer = new BatchNormalization(trainable: false);
            var y = layer.Call(T(x, 6, 3), training: true).Output;
            var ones = Enumerable.Repeat(1.0, 3).ToArray();
            TestTensors.AssertClose(Normalize(x, 6, 3, new double[3], ones, ones, new double[3]), y, 1e-5, "frozen layer output");
            Assert.Equal(new float[] { 0, 0, 0 }, TestTensors.Values(layer.GetWeights()[2]));
        }

        [Fact]
        public void SetWeightsAndGetWeightsUseKerasOrder()
        {
            var layer = new BatchNormalization(axis: 1);
            layer.Build(new int?[] { null, 3, 2 });
            var weights = Enumerable.Range(0, 4).Select(i => T(new double[] { i, i + 0.5, i + 0.25 }, 3)).ToArray();
            layer.SetWeights(weights);
            var read = layer.GetWeights();
            for (int i = 0; i < 4; i++) Assert.Equal(TestTensors.Values(weights[i]), TestTensors.Values(read[i]));
            Assert.Throws<ArgumentException>(() => layer.SetWeights(weights.Take(2).ToArray()));
            var noCenter = new LayerNormalization(center: false);
            noCenter.Build(new int?[] { null, 3 });
            Assert.Equal(new[] { "gamma" }, noCenter.Weights.Select(w => w.Name));
            var noScale = new BatchNormalization(scale: false);
            noScale.Build(new int?[] { null, 3 });
            Assert.Equal(new[] { "beta", "moving_mean", "moving_variance" }, noScale.Weights.Select(w => w.Name));
            Assert.Equal(3, noScale.CountTrainableParams());
        }

        [Fact]
        public void BatchNormalizationOnAMiddleAxisNormalizesPerStep()
        {
            // axis=1 on (batch, steps, features): statistics per step over batch and features.
            var rng = new Random(9);
            int b = 2, t = 3, f = 4;
            var x = RandomValues(rng, b * t * f, 2.0);
            var layer = new BatchNormalization(axis: 1, momentum: 0.5);
            var y = TestTensors.Values(layer.Call(T(x, b, t, f), training: true).Output);
            for (int s = 0; s < t; s++)
            {
                var group = new List<double>();
                for (int i = 0; i < b; i++) for (int c = 0; c < f; c++) group.Add(x[(i * t + s) * f + c]);
                double m = group.Average(), v = group.Select(z => (z - m) * (z - m)).Average();
                for (int i = 0; i < b; i++)
                    for (int c = 0; c < f; c++)
                        Assert.Equal((x[(i * t + s) * f + c] - m) / Math.Sqrt(v + Eps), y[(i * t + s) * f + c], 4);
                Assert.Equal(0.5 * m, TestTensors.Values(layer.GetWeights()[2])[s], 5);
            }
        }

        [Fact]
        public void AnLstmLayerNormalizationDenseModelCountsKerasParameters()
        {
            var model = new Sequential(new Layer[]
            {
                new LSTM(8, inputShape: new int?[] { 5, 3 }),
                new LayerNormalization(),
                new Dense(2),
            });
            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            // LSTM(8) on 3 features: 4 * (8 * (3 + 8) + 8) = 384; LayerNormalization(8): 16; Dense(2): 18.
            Assert.Contains("Total params: 418", lines);
            Assert.Contains("Trainable params: 418", lines);
            Assert.Contains(lines, l => l.StartsWith("layer_normalization") && l.Contains("(None, 8)") && l.TrimEnd().EndsWith(" 16"));
            Assert.Equal(new long[] { 3, 2 }, model.Predict(randn(3, 5, 3)).shape);
        }

        [Fact]
        public void BatchNormalizationSummaryCountsNonTrainableParameters()
        {
            var model = new Sequential(new Layer[] { new Dense(4, inputShape: new int?[] { 3 }), new BatchNormalization() });
            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            Assert.Contains("Total params: 32", lines);
            Assert.Contains("Trainable params: 24", lines);
            Assert.Contains("Non-trainable params: 8", lines);
        }

        [Fact]
        public void ConfigsRoundTripThroughTheRegistry()
        {
            var layers = new Layer[]
            {
                new LayerNormalization(axis: new[] { 1, 2 }, epsilon: 1e-5, center: false, name: "ln"),
                new BatchNormalization(momentum: 0.9, epsilon: 1e-4, scale: false, name: "bn"),
            };
            layers[0].Build(new int?[] { null, 3, 4 });
            layers[1].Build(new int?[] { null, 3, 4 });
            foreach (var layer in layers)
            {
                var config = layer.GetConfig();
                Assert.Equal(layer is LayerNormalization ? new[] { 1, 2 } : new[] { 2 }, (int[])config["axis"]!);
                var rebuilt = LayerRegistry.Deserialize(layer.ClassName, ConfigJsonRoundTrip(config));
                Assert.IsType(layer.GetType(), rebuilt);
                rebuilt.Build(new int?[] { null, 3, 4 });
                Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(rebuilt.GetConfig()));
            }
            var bnConfig = layers[1].GetConfig();
            foreach (var key in new[] { "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
                         "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint" })
                Assert.True(bnConfig.ContainsKey(key), key);
            // Unbuilt with Keras's defaults: axis is the integer -1; an integer axis in a config loads too.
            var unbuilt = new LayerNormalization().GetConfig();
            Assert.Equal(-1, unbuilt["axis"]);
            Assert.Equal(1e-3, unbuilt["epsilon"]);
            var fromInt = (BatchNormalization)LayerRegistry.Deserialize("BatchNormalization", ConfigJsonRoundTrip(new BatchNormalization(axis: 1).GetConfig()));
            Assert.Equal(new[] { 1 }, fromInt.Axis);
            Assert.Equal(0.99, fromInt.Momentum);
        }

        [Fact]
        public void InvalidAxesRaiseKerasErrors()
        {
            var bad = Assert.Throws<ArgumentException>(() => new LayerNormalization(axis: 3).Build(new int?[] { null, 3, 4 }));
            Assert.Equal("Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with inputs.rank=3). Received: axis=(3,)", bad.Message);
            var undefined = Assert.Throws<ShapeMismatchException>(() => new BatchNormalization(axis: 1).Build(new int?[] { null, null, 4 }));
            Assert.Equal("Input has undefined `axis` dimension. Received input with shape (None, None, 4) and axis=(1,)", undefined.Message);
        }

        private static IReadOnlyDictionary<string, object?> ConfigJsonRoundTrip(Dictionary<string, object?> config)
            => (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(ConfigJson.Serialize(config))!;
    }
}
