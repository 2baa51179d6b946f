using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Saving.KerasFiles;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>The convolution, pooling and Activation layers in files: a trained model round-trips through RnnSharp's
    /// format and Keras 2 HDF5 (config, weights, predictions) and prints Keras's summary rows; Conv1D's Keras-layout
    /// weights load from a Keras 2 HDF5 file and a Keras 3 <c>.weights.h5</c> written as Keras writes them, and predict
    /// as a double reference.</summary>
    [Collection("Names")]
    public class ConvLayerFilesTests
    {
        [Fact]
        public void AModelWithTheNewLayersRoundTripsAndPrintsKerasSummaryRows()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(21);
            var model = new Sequential(new Layer[]
            {
                new Conv1D(4, 3, padding: "causal", dilationRate: 2, inputShape: new int?[] { 10, 2 }),
                new MaxPooling1D(2),
                new Conv1D(6, 2, strides: 2, padding: "same", groups: 2, activation: "relu", biasInitializer: "ones"),
                new AveragePooling1D(2, 1, "same"),
                new Activation("tanh"),
                new TimeDistributed(new Dense(2)),
                new GlobalAveragePooling1D(),
                new Dense(1),
            });
            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            string Row(string name, string shape, int parameters) => name.PadRight(29) + shape.PadRight(26) + parameters.ToString().PadRight(10);
            // Parameters: 3·2·4 + 4 = 28; 2·(4/2)·6 + 6 = 30; 6·2 + 2 = 14; 2 + 1 = 3.
            foreach (var row in new[]
            {
                Row("conv1d (Conv1D)", "(None, 10, 4)", 28), Row("max_pooling1d (MaxPooling1D)", "(None, 5, 4)", 0),
                Row("conv1d_1 (Conv1D)", "(None, 3, 6)", 30), Row("average_pooling1d (AveragePo", "(None, 3, 6)", 0),
                Row("activation (Activation)", "(None, 3, 6)", 0), Row("time_distributed (TimeDistri", "(None, 3, 2)", 14),
            })
                Assert.Contains(row, lines);
            Assert.Contains("Total params: 75", lines);

            var x = randn(5, 10, 2);
            model.Compile("adam", "mse");
            model.Fit(x, ones(5, 1), epochs: 2, verbose: 0);
            NewLayerFilesTests.AssertRoundTrips(model, x);
        }

        // Conv1D(3, 2) valid on (5, 2), Flatten, Dense(1): the prediction in doubles from Keras-layout weights.
        private static double[] Predict(double[][][] x, double[][][] kernel, double[] bias, double[][] dense, double denseBias)
            => x.Select(sample =>
            {
                double y = denseBias;
                for (int o = 0; o < 4; o++)
                    for (int f = 0; f < 3; f++)
                    {
                        double conv = bias[f];
                        for (int j = 0; j < 2; j++)
                            for (int c = 0; c < 2; c++) conv += sample[o + j][c] * kernel[j][c][f];
                        y += conv * dense[o * 3 + f][0];
                    }
                return y;
            }).ToArray();

        private static Sequential SmallModel() => new(new Layer[] { new Conv1D(3, 2, inputShape: new int?[] { 5, 2 }), new Flatten(), new Dense(1) });

        [Fact]
        public void Conv1DWeightsLoadFromKeras2And3Files()
        {
            var rng = new Random(8);
            var kernel = TestTensors.Random3(rng, 2, 2, 3);
            var bias = TestTensors.Random1(rng, 3);
            var dense = TestTensors.Random2(rng, 12, 1);
            double denseBias = 0.25;
            var x = TestTensors.Random3(rng, 4, 5, 2);
            var expected = Predict(x, kernel, bias, dense, denseBias);
            static float[] F(IEnumerable<double> v) => v.Select(d => (float)d).ToArray();
            var kernelValues = F(kernel.SelectMany(r => r.SelectMany(c => c)));

            using var dir = new TempDir();
            string keras3 = dir.File("w.weights.h5");
            WriteKeras3(keras3, new[] { "layers/conv1d", "layers/flatten", "layers/dense" }, new Dictionary<string, (long[] Shape, float[] Values)>
            {
                ["layers/conv1d/vars/0"] = (new long[] { 2, 2, 3 }, kernelValues),
                ["layers/conv1d/vars/1"] = (new long[] { 3 }, F(bias)),
                ["layers/dense/vars/0"] = (new long[] { 12, 1 }, F(dense.SelectMany(r => r))),
                ["layers/dense/vars/1"] = (new long[] { 1 }, new[] { (float)denseBias }),
            });
            string keras2 = dir.File("w.h5");
            WriteKeras2(keras2, new[]
            {
                new KerasLayer("conv1d", new[] { new Weight("conv1d/kernel:0", new long[] { 2, 2, 3 }, kernelValues), new Weight("conv1d/bias:0", new long[] { 3 }, F(bias)) }),
                new KerasLayer("flatten", Array.Empty<Weight>()),
                new KerasLayer("dense", new[] { new Weight("dense/kernel:0", new long[] { 12, 1 }, F(dense.SelectMany(r => r))), new Weight("dense/bias:0", new long[] { 1 }, new[] { (float)denseBias }) }),
            });
            foreach (var path in new[] { keras3, keras2 })
            {
                using var model = SmallModel();
                model.LoadWeights(path);
                Assert.Equal(kernelValues, TestTensors.Values(model.Layers[0].GetWeights()[0]));
                TestTensors.AssertClose(expected, model.Predict(TestTensors.From(x)), 1e-5, path);
            }
        }
    }
}
