using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Regularization
{
    /// <summary>SpatialDropout1D and GaussianNoise: identity at inference; in training whole channels dropped and the
    /// rest scaled by 1/(1-rate), or Gaussian noise of the given standard deviation; Keras's configs.</summary>
    public class NoiseTests
    {
        [Fact]
        public void SpatialDropoutDropsWholeChannelsInTraining()
        {
            Backend.SetRandomSeed(5);
            const int batch = 16, steps = 7, channels = 12;
            const double rate = 0.4;
            var rng = new Random(1);
            // Values away from zero so a dropped entry is told from a kept one.
            var x = Enumerable.Range(0, batch * steps * channels).Select(_ => 1 + rng.NextDouble()).ToArray();
            var input = tensor(x.Select(v => (float)v).ToArray(), new long[] { batch, steps, channels });
            var layer = new SpatialDropout1D(rate);
            var y = TestTensors.Values(layer.Call(input, training: true).Output);
            int dropped = 0;
            for (int b = 0; b < batch; b++)
                for (int c = 0; c < channels; c++)
                {
                    bool zero = y[(b * steps) * channels + c] == 0;
                    if (zero) dropped++;
                    for (int t = 0; t < steps; t++)
                    {
                        int i = (b * steps + t) * channels + c;
                        double expected = zero ? 0 : x[i] / (1 - rate);
                        Assert.True(Math.Abs(expected - y[i]) < 1e-5, $"sample {b}, channel {c}, step {t}: expected {expected}, got {y[i]}");
                    }
                }
            // 192 columns at rate 0.4: about 77 dropped; both outcomes occur.
            Assert.InRange(dropped, 50, 105);

            var inference = layer.Call(input).Output;
            Assert.True(TestTensors.Same(input, inference));
            Assert.True(TestTensors.Same(input, new SpatialDropout1D(0).Call(input, training: true).Output));
        }

        [Fact]
        public void SpatialDropoutIsADropoutForThreeDimensionalInputs()
        {
            var layer = new SpatialDropout1D(0.5);
            Assert.IsAssignableFrom<Dropout>(layer);
            Assert.StartsWith("spatial_dropout1d", layer.Name);
            Assert.True(layer.SupportsMasking);
            Assert.Throws<ShapeMismatchException>(() => layer.Call(ones(2, 3), training: true));
            Assert.Throws<ArgumentException>(() => new SpatialDropout1D(1.0));
            Assert.Equal(new int?[] { null, 5, 3 }, layer.ComputeOutputShape(new int?[] { null, 5, 3 }));
        }

        [Fact]
        public void GaussianNoiseAddsNoiseOnlyInTraining()
        {
            Backend.SetRandomSeed(9);
            const double stddev = 0.3;
            var input = linspace(-2, 2, 40000, dtype: ScalarType.Float32).reshape(100, 20, 20);
            var layer = new GaussianNoise(stddev);
            Assert.True(TestTensors.Same(input, layer.Call(input).Output));
            var noisy = layer.Call(input, training: true).Output;
            Assert.Equal(input.shape, noisy.shape);
            var x = TestTensors.Values(input);
            var y = TestTensors.Values(noisy);
            var noise = y.Zip(x, (a, b) => (double)a - b).ToArray();
            double mean = noise.Average();
            double std = Math.Sqrt(noise.Select(n => (n - mean) * (n - mean)).Sum() / (noise.Length - 1));
            // 40000 draws: the mean's standard error is 0.0015, the std's about 0.001.
            Assert.InRange(mean, -0.01, 0.01);
            Assert.InRange(std, stddev * 0.97, stddev * 1.03);
            // Two training calls draw different noise.
            Assert.False(TestTensors.Same(noisy, layer.Call(input, training: true).Output));
            Assert.StartsWith("gaussian_noise", layer.Name);
            Assert.True(layer.SupportsMasking);
            Assert.Equal(new int?[] { null, 3 }, layer.ComputeOutputShape(new int?[] { null, 3 }));
        }

        [Fact]
        public void ConfigsRoundTripThroughTheRegistry()
        {
            var spatial = new SpatialDropout1D(0.25, name: "sd").GetConfig();
            Assert.Equal(0.25, spatial["rate"]);
            Assert.True(spatial.ContainsKey("noise_shape") && spatial["noise_shape"] is null);
            Assert.True(spatial.ContainsKey("seed") && spatial["seed"] is null);
            var gaussian = new GaussianNoise(0.1, name: "gn").GetConfig();
            Assert.Equal(0.1, gaussian["stddev"]);
            Assert.True(gaussian.ContainsKey("seed") && gaussian["seed"] is null);
            foreach (var (className, config) in new[] { ("SpatialDropout1D", spatial), ("GaussianNoise", gaussian) })
            {
                var rebuilt = LayerRegistry.Deserialize(className, ConfigJsonRoundTrip(config));
                Assert.Equal(className, rebuilt.ClassName);
                Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(rebuilt.GetConfig()));
            }
            Assert.Equal(0.25, Assert.IsType<SpatialDropout1D>(LayerRegistry.Deserialize("SpatialDropout1D", ConfigJsonRoundTrip(spatial))).Rate);
            Assert.Equal(0.1, Assert.IsType<GaussianNoise>(LayerRegistry.Deserialize("GaussianNoise", ConfigJsonRoundTrip(gaussian))).Stddev);
        }

        private static IReadOnlyDictionary<string, object?> ConfigJsonRoundTrip(Dictionary<string, object?> config)
            => (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(ConfigJson.Serialize(config))!;
    }
}
