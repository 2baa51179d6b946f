using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Convolutional
{
    /// <summary>Conv1D against a plain double convolution written from TensorFlow's definition (valid, same and causal
    /// padding, strides, dilation, groups, both data formats), hand-computed outputs that show where TensorFlow pads, the
    /// kernel's gradient against its hand-derived double formula, Keras's output shapes, errors and config, and
    /// TimeDistributed over a 4D input.</summary>
    public class Conv1DTests
    {
        // y[b][o][f] = bias[f] + Σ_j Σ_c x[b][o·s + j·d − left][g·cin + c] · kernel[j][c][f], with g = f / (filters / groups),
        // cells outside the input 0. left: 0 (valid), (k−1)·d (causal) or half of TensorFlow's SAME total (the rest on the right).
        private static double[][][] Reference(double[][][] x, double[][][] kernel, double[]? bias, int strides, string padding, int dilation, int groups)
        {
            int steps = x[0].Length, channels = x[0][0].Length, k = kernel.Length, cin = kernel[0].Length, filters = kernel[0][0].Length;
            Assert.Equal(channels, cin * groups);
            int span = (k - 1) * dilation + 1;
            int outputs = padding == "valid" ? (steps - span) / strides + 1 : (steps + strides - 1) / strides;
            int left = padding switch
            {
                "causal" => (k - 1) * dilation,
                "same" => Math.Max((outputs - 1) * strides + span - steps, 0) / 2,
                _ => 0,
            };
            return x.Select(sample => Enumerable.Range(0, outputs).Select(o => Enumerable.Range(0, filters).Select(f =>
            {
                int g = f / (filters / groups);
                double sum = bias?[f] ?? 0;
                for (int j = 0; j < k; j++)
                {
                    int t = o * strides + j * dilation - left;
                    if (t < 0 || t >= steps) continue;
                    for (int c = 0; c < cin; c++) sum += sample[t][g * cin + c] * kernel[j][c][f];
                }
                return sum;
            }).ToArray()).ToArray()).ToArray();
        }

        private static Tensor Keras(double[][][] kernel) => TestTensors.From(kernel);

        private static double[] Flat(double[][][] y) => y.SelectMany(r => r.SelectMany(c => c)).ToArray();

        // (batch, steps, channels) to (batch, channels, steps).
        private static double[][][] Transposed(double[][][] x)
            => x.Select(s => Enumerable.Range(0, s[0].Length).Select(f => s.Select(step => step[f]).ToArray()).ToArray()).ToArray();

        public static IEnumerable<object[]> Cases()
        {
            foreach (var padding in new[] { "valid", "same", "causal" })
            {
                yield return new object[] { padding, 1, 1, 1, 3 };
                yield return new object[] { padding, 2, 1, 1, 3 };
                yield return new object[] { padding, 3, 1, 1, 2 };
                yield return new object[] { padding, 1, 2, 1, 3 };
                yield return new object[] { padding, 1, 3, 2, 2 };
                yield return new object[] { padding, 2, 1, 2, 4 };
                yield return new object[] { padding, 1, 1, 4, 1 };
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void ConvolvesAsTensorFlowDefinesIt(string padding, int strides, int dilation, int groups, int kernelSize)
        {
            var rng = new Random(100 + strides * 10 + dilation * 3 + groups + kernelSize * 7 + padding.Length);
            const int Batch = 2, Steps = 9, Channels = 4, Filters = 4;
            var x = TestTensors.Random3(rng, Batch, Steps, Channels);
            var kernel = TestTensors.Random3(rng, kernelSize, Channels / groups, Filters);
            var bias = TestTensors.Random1(rng, Filters);
            var expected = Reference(x, kernel, bias, strides, padding, dilation, groups);

            var layer = new Conv1D(Filters, kernelSize, strides, padding, dilationRate: dilation, groups: groups);
            layer.Build(new int?[] { null, Steps, Channels });
            layer.SetWeights(new[] { Keras(kernel), TestTensors.From(bias) });
            var y = layer.Call(TestTensors.From(x)).Output;
            Assert.Equal(new long[] { Batch, expected[0].Length, Filters }, y.shape);
            TestTensors.AssertClose(Flat(expected), y, 1e-5, $"{padding} strides {strides} dilation {dilation} groups {groups}");
            Assert.Equal(new int?[] { null, expected[0].Length, Filters }, layer.ComputeOutputShape(new int?[] { null, Steps, Channels }));

            // channels_first: the same convolution on (batch, channels, steps).
            var first = new Conv1D(Filters, kernelSize, strides, padding, "channels_first", dilation, groups);
            first.Build(new int?[] { null, Channels, Steps });
            first.SetWeights(new[] { Keras(kernel), TestTensors.From(bias) });
            var yFirst = first.Call(TestTensors.From(Transposed(x))).Output;
            TestTensors.AssertClose(Flat(expected.Select(s => Transposed(new[] { s })[0]).ToArray()), yFirst, 1e-5, $"channels_first {padding}");
        }

        [Fact]
        public void SameAndCausalPadWhereTensorFlowDoes()
        {
            // x = 1, 2, 3, 4 and a kernel 1, 10, 100: hand-computed outputs.
            var x = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 1, 4, 1 });
            var kernel = tensor(new float[] { 1, 10, 100 }, new long[] { 3, 1, 1 });
            float[] Run(string padding, int strides = 1, int dilation = 1)
            {
                var layer = new Conv1D(1, 3, strides, padding, dilationRate: dilation, useBias: false);
                layer.Build(new int?[] { null, 4, 1 });
                layer.SetWeights(new[] { kernel });
                return TestTensors.Values(layer.Call(x).Output);
            }
            // same, stride 1: one cell each side: (0,1,2) (1,2,3) (2,3,4) (3,4,0).
            Assert.Equal(new float[] { 210, 321, 432, 43 }, Run("same"));
            // same, stride 2: two outputs need one padded cell, which TensorFlow puts on the right: (1,2,3) (3,4,0).
            Assert.Equal(new float[] { 321, 43 }, Run("same", strides: 2));
            // causal: two cells on the left, output t sees inputs up to t only.
            Assert.Equal(new float[] { 100, 210, 321, 432 }, Run("causal"));
            // causal with dilation 2: four cells on the left, taps t-4, t-2, t.
            Assert.Equal(new float[] { 100, 200, 310, 420 }, Run("causal", dilation: 2));
            Assert.Equal(new float[] { 321, 432 }, Run("valid"));
        }

        [Fact]
        public void KernelGradientMatchesTheHandDerivedFormula()
        {
            // loss = Σ y·w, so ∂loss/∂kernel[j][c][f] = Σ_b Σ_o w[b][o][f] · x[b][o·s + j·d − left][g·cin + c] (0 outside),
            // and ∂loss/∂bias[f] = Σ_b Σ_o w[b][o][f].
            var rng = new Random(5);
            const int Steps = 7, Channels = 4, Filters = 2, K = 3, Groups = 2, Dilation = 2;
            var x = TestTensors.Random3(rng, 2, Steps, Channels);
            var kernel = TestTensors.Random3(rng, K, Channels / Groups, Filters);
            var layer = new Conv1D(Filters, K, padding: "causal", dilationRate: Dilation, groups: Groups);
            layer.Build(new int?[] { null, Steps, Channels });
            layer.SetWeights(new[] { Keras(kernel), zeros(Filters) });
            var y = layer.Call(TestTensors.From(x)).Output;
            var w = TestTensors.Random3(rng, 2, Steps, Filters);
            (y * TestTensors.From(w)).sum().backward();

            int cin = Channels / Groups, left = (K - 1) * Dilation;
            var expected = new double[K * cin * Filters];
            for (int j = 0; j < K; j++)
                for (int c = 0; c < cin; c++)
                    for (int f = 0; f < Filters; f++)
                    {
                        int g = f / (Filters / Groups);
                        double sum = 0;
                        for (int b = 0; b < 2; b++)
                            for (int o = 0; o < Steps; o++)
                            {
                                int t = o + j * Dilation - left;
                                if (t >= 0 && t < Steps) sum += w[b][o][f] * x[b][t][g * cin + c];
                            }
                        expected[(j * cin + c) * Filters + f] = sum;
                    }
            var grads = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
            // The parameter is in torch's (filters, channels / groups, kernel_size) layout; compare in Keras's.
            TestTensors.AssertClose(expected, grads["kernel"].permute(2, 1, 0), 1e-5, "kernel gradient");
            var biasGrad = Enumerable.Range(0, Filters).Select(f => w.Sum(s => s.Sum(step => step[f]))).ToArray();
            TestTensors.AssertClose(biasGrad, grads["bias"], 1e-5, "bias gradient");
        }

        [Fact]
        public void WeightsAreInKerasLayoutAndCounted()
        {
            var layer = new Conv1D(6, 5, groups: 3, activation: "relu");
            layer.Build(new int?[] { null, 10, 9 });
            Assert.Equal(new[] { "kernel 5,3,6", "bias 6" }, layer.Weights.Select(w => $"{w.Name} {string.Join(",", w.Shape)}").ToArray());
            Assert.Equal(5 * 3 * 6 + 6, layer.CountParams());
            Assert.Equal(new long[] { 5, 3, 6 }, layer.GetWeights()[0].shape);
            var noBias = new Conv1D(2, 3, useBias: false);
            noBias.Build(new int?[] { null, 5, 1 });
            Assert.Equal("kernel", Assert.Single(noBias.Weights).Name);
            // Glorot uniform over Keras's fans: kernel_size·channels/groups in, kernel_size·filters out.
            double limit = Math.Sqrt(6.0 / (5 * 3 + 5 * 6));
            var values = TestTensors.Values(layer.GetWeights()[0]);
            Assert.True(values.All(v => Math.Abs(v) <= limit) && values.Max() > limit / 2, "glorot_uniform limit");
            // relu is applied.
            Assert.True(TestTensors.Values(layer.Call(randn(2, 10, 9)).Output).All(v => v >= 0));
        }

        [Fact]
        public void OutputShapesAsKeras()
        {
            Assert.Equal(new int?[] { null, 8, 4 }, new Conv1D(4, 3).ComputeOutputShape(new int?[] { null, 10, 2 }));
            Assert.Equal(new int?[] { null, 5, 4 }, new Conv1D(4, 3, strides: 2, padding: "same").ComputeOutputShape(new int?[] { null, 10, 2 }));
            Assert.Equal(new int?[] { null, 4, 4 }, new Conv1D(4, 3, strides: 2).ComputeOutputShape(new int?[] { null, 10, 2 }));
            Assert.Equal(new int?[] { null, 6, 4 }, new Conv1D(4, 3, dilationRate: 2).ComputeOutputShape(new int?[] { null, 10, 2 }));
            Assert.Equal(new int?[] { null, 10, 4 }, new Conv1D(4, 3, padding: "causal", dilationRate: 2).ComputeOutputShape(new int?[] { null, 10, 2 }));
            Assert.Equal(new int?[] { null, null, 4 }, new Conv1D(4, 3).ComputeOutputShape(new int?[] { null, null, 2 }));
            Assert.Equal(new int?[] { 7, 4, 8 }, new Conv1D(4, 3, dataFormat: "channels_first").ComputeOutputShape(new int?[] { 7, 2, 10 }));
            var tooShort = Assert.Throws<ShapeMismatchException>(() => new Conv1D(4, 5, name: "c").Build(new int?[] { null, 3, 2 }));
            Assert.StartsWith("One of the dimensions in the output is <= 0 due to downsampling in c.", tooShort.Message);
        }

        [Fact]
        public void KerasErrors()
        {
            Assert.Equal("`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=(2,) and dilation_rate=(2,) (Parameter 'strides')",
                Assert.Throws<ArgumentException>(() => new Conv1D(4, 3, strides: 2, dilationRate: 2)).Message);
            Assert.StartsWith("Invalid value for argument `filters`", Assert.Throws<ArgumentException>(() => new Conv1D(0, 3)).Message);
            Assert.StartsWith("The number of filters must be evenly divisible by the number of groups. Received: groups=2, filters=3.",
                Assert.Throws<ArgumentException>(() => new Conv1D(3, 3, groups: 2)).Message);
            Assert.StartsWith("The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or \"causal\"",
                Assert.Throws<ArgumentException>(() => new Conv1D(3, 3, padding: "full")).Message);
            Assert.StartsWith("The `data_format` argument must be one of", Assert.Throws<ArgumentException>(() => new Conv1D(3, 3, dataFormat: "nwc")).Message);
            Assert.Throws<ArgumentException>(() => new Conv1D(3, 0));
            Assert.Throws<ArgumentException>(() => new Conv1D(3, 2, strides: 0));
            var groups = Assert.Throws<ShapeMismatchException>(() => new Conv1D(4, 3, groups: 2).Build(new int?[] { null, 6, 3 }));
            Assert.StartsWith("The number of input channels must be evenly divisible by the number of groups. Received groups=2, but the input has 3 channels", groups.Message);
            Assert.Throws<ShapeMismatchException>(() => new Conv1D(4, 3).Call(zeros(2, 5)));
            var built = new Conv1D(4, 3);
            built.Build(new int?[] { null, 6, 3 });
            Assert.Contains("expected axis -1 of input shape to have value 3", Assert.Throws<ShapeMismatchException>(() => built.Call(zeros(1, 6, 2))).Message);
            // Padding names in any case, as Keras lower-cases them.
            Assert.Equal("causal", new Conv1D(1, 2, padding: "CAUSAL").Padding);
        }

        [Fact]
        public void AMaskIsDroppedAsKeras3Does()
        {
            var layer = new Conv1D(2, 3, padding: "same");
            var x = randn(2, 5, 3);
            Assert.False(layer.SupportsMasking);
            Assert.Null(layer.ComputeMask(x, ones(2, 5, dtype: ScalarType.Bool)));
            // The mask does not change the output either.
            var mask = tensor(new[] { true, true, true, false, false, true, true, true, true, true }, new long[] { 2, 5 });
            Assert.True(TestTensors.Same(layer.Call(x).Output, layer.Call(x, mask).Output));
        }

        [Fact]
        public void ConfigHasKerasKeysAndRoundTrips()
        {
            var layer = new Conv1D(8, 5, strides: 1, padding: "causal", dataFormat: "channels_last", dilationRate: 2, groups: 2, activation: "tanh",
                useBias: false, kernelInitializer: "he_normal", biasInitializer: "ones", inputShape: new int?[] { 20, 4 }, name: "conv");
            var config = layer.GetConfig();
            Assert.Equal(new[] { "name", "trainable", "dtype", "batch_input_shape", "filters", "kernel_size", "strides", "padding", "data_format",
                "dilation_rate", "groups", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                "activity_regularizer", "kernel_constraint", "bias_constraint" }, config.Keys);
            string json = ConfigJson.Serialize(config);
            // Keras's tuples, as its JSON writes them: lists.
            Assert.Equal(new[] { 5 }, config["kernel_size"]);
            Assert.Equal(new[] { 2 }, config["dilation_rate"]);
            var rebuilt = Assert.IsType<Conv1D>(LayerRegistry.Deserialize("Conv1D", (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(json)!));
            Assert.Equal(json, ConfigJson.Serialize(rebuilt.GetConfig()));
            Assert.Equal((8, 5, "causal", 2, 2, "tanh", false), (rebuilt.Filters, rebuilt.KernelSize, rebuilt.Padding, rebuilt.DilationRate, rebuilt.Groups, rebuilt.Activation.Name, rebuilt.UseBias));

            // A Keras config under the alias, sizes as lists (as Keras writes tuples), defaults for missing keys.
            var keras = LayerRegistry.Deserialize("Convolution1D", (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(
                "{\"name\": \"c1\", \"filters\": 3, \"kernel_size\": [2], \"strides\": [2], \"padding\": \"same\", \"data_format\": \"channels_first\"}")!);
            var c1 = Assert.IsType<Conv1D>(keras);
            Assert.Equal(("c1", 3, 2, 2, "same", "channels_first", 1, 1, "linear", true), (c1.Name, c1.Filters, c1.KernelSize, c1.Strides, c1.Padding, c1.DataFormat, c1.DilationRate, c1.Groups, c1.Activation.Name, c1.UseBias));
            Assert.Throws<ArgumentException>(() => LayerRegistry.Deserialize("Conv1D", new Dictionary<string, object?> { ["filters"] = 3 }));
        }

        [Fact]
        public void TimeDistributedAppliesConvolutionAndPoolingToEachTimestepOfA4DInput()
        {
            // (batch, time, steps, channels), as Keras's TimeDistributed(Conv1D(...)) on a sequence of sequences.
            var x = randn(2, 3, 8, 2);
            var conv = new Conv1D(4, 3, padding: "same", strides: 2);
            var layers = new Layer[] { new TimeDistributed(conv), new TimeDistributed(new MaxPooling1D(2)), new TimeDistributed(new Activation("relu")) };
            var model = new Sequential(new Layer[] { layers[0], layers[1], layers[2] });
            var y = model.Call(x);
            Assert.Equal(new long[] { 2, 3, 2, 4 }, y.shape);
            Assert.Equal(new int?[] { null, 3, 4, 4 }, layers[0].ComputeOutputShape(new int?[] { null, 3, 8, 2 }));
            Assert.Equal(new int?[] { null, 3, 2, 4 }, layers[1].ComputeOutputShape(new int?[] { null, 3, 4, 4 }));
            // Each timestep alone through the same (shared) weights, pooled and rectified.
            Assert.Equal(2 * 3 * 4 + 4, layers[0].CountParams());
            for (int t = 0; t < 3; t++)
            {
                var stepX = x.select(1, t);
                var convolved = TestTensors.Values(conv.Call(stepX).Output);
                var sample = Enumerable.Range(0, 2).Select(b => Enumerable.Range(0, 4).Select(o => Enumerable.Range(0, 4)
                    .Select(f => (double)convolved[(b * 4 + o) * 4 + f]).ToArray()).ToArray()).ToArray();
                var expected = sample.SelectMany(s => Enumerable.Range(0, 2).SelectMany(o => Enumerable.Range(0, 4)
                    .Select(f => Math.Max(0, Math.Max(s[2 * o][f], s[2 * o + 1][f]))))).ToArray();
                TestTensors.AssertClose(expected, y.select(1, t), 1e-6, $"timestep {t}");
            }
        }
    }
}
