using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PureHDF;
using RnnSharp.Layers;
using RnnSharp.Tests.Layers.Rnn;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static RnnSharp.Tests.Saving.KerasFiles;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// Keras HDF5 interop: files laid out as Keras 2 and Keras 3 write them (built here with PureHDF from Keras's
    /// saving code) load into the C# model and predict what the reference computes from the same arrays; SaveWeights
    /// writes Keras 2's layout; bad files are refused without changing the model.
    /// </summary>
    [Collection("Names")]
    public class KerasHdf5Tests
    {
        private const int Vocabulary = 20, Embed = 4, Units = 5, GruUnits = 3, Classes = 2, Steps = 6;

        /// <summary>The Keras weights of the test model, in Keras layout, rounded to float32.</summary>
        internal sealed class ModelWeights
        {
            public ModelWeights(int seed)
            {
                var rng = new Random(seed);
                Table = F(TestTensors.Random2(rng, Vocabulary, Embed));
                Forward = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Embed, Units);
                Backward = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Embed, Units);
                Gru = RecurrentLayerTests.MakeWeights(Kind.Gru, rng, 2 * Units, GruUnits);
                DenseKernel = F(TestTensors.Random2(rng, GruUnits, Classes));
                DenseBias = F(TestTensors.Random1(rng, Classes));
                Forward = F(Forward);
                Backward = F(Backward);
                Gru = F(Gru);
            }

            public double[][] Table { get; }
            public Weights Forward { get; }
            public Weights Backward { get; }
            public Weights Gru { get; }
            public double[][] DenseKernel { get; }
            public double[] DenseBias { get; }

            private static double[] F(double[] v) => v.Select(x => (double)(float)x).ToArray();
            private static double[][] F(double[][] v) => v.Select(F).ToArray();
            private static Weights F(Weights w) => new(F(w.Kernel), F(w.Recurrent), w.Bias is null ? null : F(w.Bias), w.RecurrentBias is null ? null : F(w.RecurrentBias));

            private static Weight W(string name, double[][] m) => new(name, new long[] { m.Length, m[0].Length }, m.SelectMany(r => r).Select(v => (float)v).ToArray());
            private static Weight W(string name, double[] v) => new(name, new long[] { v.Length }, v.Select(x => (float)x).ToArray());

            private static IEnumerable<Weight> Lstm(string scope, Weights w)
                => new[] { W(scope + "/kernel:0", w.Kernel), W(scope + "/recurrent_kernel:0", w.Recurrent), W(scope + "/bias:0", w.Bias!) };

            /// <summary>The layers as Keras 2 names them in the file (weight names as TensorFlow gives the variables).</summary>
            public IReadOnlyList<KerasLayer> Keras2Layers() => new[]
            {
                new KerasLayer("embedding", new[] { W("embedding/embeddings:0", Table) }),
                new KerasLayer("bidirectional", Lstm("bidirectional/forward_lstm/lstm_cell_1", Forward).Concat(Lstm("bidirectional/backward_lstm/lstm_cell_2", Backward)).ToList()),
                new KerasLayer("gru", new[]
                {
                    W("gru/gru_cell/kernel:0", Gru.Kernel), W("gru/gru_cell/recurrent_kernel:0", Gru.Recurrent),
                    W("gru/gru_cell/bias:0", new[] { Gru.Bias!, Gru.RecurrentBias! }),
                }),
                new KerasLayer("dropout", Array.Empty<Weight>()),
                new KerasLayer("dense", new[] { W("dense/kernel:0", DenseKernel), W("dense/bias:0", DenseBias) }),
            };

            /// <summary>Writes these weights as Keras 3's <c>save_weights</c> does for the test model: every saveable's
            /// <c>vars</c> group at its attribute path, the variables inside.</summary>
            public void WriteKeras3(string path)
            {
                static (long[], float[]) A(double[][] m) => (new long[] { m.Length, m[0].Length }, m.SelectMany(r => r).Select(v => (float)v).ToArray());
                static (long[], float[]) V(double[] v) => (new long[] { v.Length }, v.Select(x => (float)x).ToArray());
                var variables = new Dictionary<string, (long[], float[])>
                {
                    ["layers/embedding/vars/0"] = A(Table),
                    ["layers/bidirectional/forward_layer/cell/vars/0"] = A(Forward.Kernel),
                    ["layers/bidirectional/forward_layer/cell/vars/1"] = A(Forward.Recurrent),
                    ["layers/bidirectional/forward_layer/cell/vars/2"] = V(Forward.Bias!),
                    ["layers/bidirectional/backward_layer/cell/vars/0"] = A(Backward.Kernel),
                    ["layers/bidirectional/backward_layer/cell/vars/1"] = A(Backward.Recurrent),
                    ["layers/bidirectional/backward_layer/cell/vars/2"] = V(Backward.Bias!),
                    ["layers/gru/cell/vars/0"] = A(Gru.Kernel),
                    ["layers/gru/cell/vars/1"] = A(Gru.Recurrent),
                    ["layers/gru/cell/vars/2"] = A(new[] { Gru.Bias!, Gru.RecurrentBias! }),
                    ["layers/dense/vars/0"] = A(DenseKernel),
                    ["layers/dense/vars/1"] = V(DenseBias),
                };
                var saveables = new[]
                {
                    "layers/embedding", "layers/bidirectional", "layers/bidirectional/forward_layer", "layers/bidirectional/forward_layer/cell",
                    "layers/bidirectional/backward_layer", "layers/bidirectional/backward_layer/cell", "layers/bidirectional/layer", "layers/bidirectional/layer/cell",
                    "layers/gru", "layers/gru/cell", "layers/dropout", "layers/dense",
                };
                KerasFiles.WriteKeras3(path, saveables, variables);
            }

            /// <summary>What the model computes, from Keras's equations on these arrays.</summary>
            public double[] Predict(long[][] ids)
            {
                var mask = ids.Select(r => r.Select(i => i != 0).ToArray()).ToArray();
                var embedded = ids.Select(r => r.Select(i => Table[i]).ToArray()).ToArray();
                var f = KerasReference.Run(Kind.Lstm, embedded, Forward, Units, mask, zeroOutputForMask: true);
                var b = KerasReference.Run(Kind.Lstm, embedded, Backward, Units, mask, goBackwards: true, zeroOutputForMask: true);
                var merged = f.Sequence.Select((seq, n) => seq.Select((step, t) => step.Concat(b.Sequence[n][Steps - 1 - t]).ToArray()).ToArray()).ToArray();
                var gru = KerasReference.Run(Kind.Gru, merged, Gru, GruUnits, mask);
                return gru.Sequence.SelectMany(seq =>
                {
                    var last = seq[^1];
                    var logits = Enumerable.Range(0, Classes).Select(j => DenseBias[j] + Enumerable.Range(0, GruUnits).Sum(i => last[i] * DenseKernel[i][j])).ToArray();
                    double max = logits.Max();
                    var e = logits.Select(z => Math.Exp(z - max)).ToArray();
                    return e.Select(v => v / e.Sum());
                }).ToArray();
            }
        }

        internal static Sequential Model(string name = "sequential")
            => new(new Layer[]
            {
                new Embedding(Vocabulary, Embed, maskZero: true, inputLength: Steps, name: "embedding"),
                new Bidirectional(new LSTM(Units, returnSequences: true, name: "lstm"), name: "bidirectional"),
                new GRU(GruUnits, name: "gru"),
                new Dropout(0.5, name: "dropout"),
                new Dense(Classes, activation: "softmax", name: "dense"),
            }, name);

        internal static readonly long[][] Ids = { new long[] { 3, 4, 5, 0, 0, 0 }, new long[] { 1, 2, 3, 4, 5, 6 } };

        internal static Tensor IdTensor => tensor(Ids.SelectMany(r => r).ToArray(), new long[] { 2, Steps });

        [Fact]
        public void Keras2SaveWeightsFileLoadsAndPredictsAsKeras()
        {
            using var dir = new TempDir();
            var weights = new ModelWeights(1);
            string path = dir.File("w.h5");
            WriteKeras2(path, weights.Keras2Layers());
            using var model = Model();
            model.LoadWeights(path);
            TestTensors.AssertClose(weights.Predict(Ids), model.Call(IdTensor), 1e-5, "prediction after loading Keras 2 weights");
            Assert.Equal(RnnExecutionPath.Fused, ((Bidirectional)model.Layers[1]).LastCallPath);
        }

        private const string Keras2ModelJson = """
            {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 6], "dtype": "float32", "sparse": false, "ragged": false, "name": "embedding_input"}},
              {"class_name": "Embedding", "config": {"name": "embedding", "trainable": true, "batch_input_shape": [null, 6], "dtype": "float32", "input_dim": 20, "output_dim": 4,
                "embeddings_initializer": {"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": null}}, "embeddings_regularizer": null,
                "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": true, "input_length": 6}},
              {"class_name": "Bidirectional", "config": {"name": "bidirectional", "trainable": true, "dtype": "float32",
                "layer": {"class_name": "LSTM", "config": {"name": "lstm", "trainable": true, "dtype": "float32", "return_sequences": true, "return_state": false,
                  "go_backwards": false, "stateful": false, "unroll": false, "time_major": false, "units": 5, "activation": "tanh", "recurrent_activation": "sigmoid",
                  "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
                  "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}},
                  "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": true, "kernel_regularizer": null, "recurrent_regularizer": null,
                  "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null,
                  "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2}},
                "merge_mode": "concat"}},
              {"class_name": "GRU", "config": {"name": "gru", "trainable": true, "dtype": "float32", "return_sequences": false, "return_state": false, "go_backwards": false,
                "stateful": false, "unroll": false, "time_major": false, "units": 3, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}},
                "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null,
                "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0,
                "implementation": 2, "reset_after": true}},
              {"class_name": "Dropout", "config": {"name": "dropout", "trainable": true, "dtype": "float32", "rate": 0.5, "noise_shape": null, "seed": null}},
              {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 2, "activation": "softmax", "use_bias": true,
                "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}]},
             "keras_version": "2.11.0", "backend": "tensorflow"}
            """;

        [Fact]
        public void Keras2FullModelFileRebuildsFromItsConfigAndPredictsAsKeras()
        {
            using var dir = new TempDir();
            var weights = new ModelWeights(2);
            string path = dir.File("m.h5");
            WriteKeras2(path, weights.Keras2Layers(), Keras2ModelJson);

            using var loaded = Sequential.Load(path);
            Assert.Equal(new[] { "embedding", "bidirectional", "gru", "dropout", "dense" }, loaded.Layers.Select(l => l.Name));
            TestTensors.AssertClose(weights.Predict(Ids), loaded.Call(IdTensor), 1e-5, "Sequential.Load of a Keras 2 model.save file");

            // LoadWeights takes the model_weights group of a full-model file too.
            using var model = Model();
            model.LoadWeights(path);
            TestTensors.AssertClose(weights.Predict(Ids), model.Call(IdTensor), 1e-5, "LoadWeights of a Keras 2 model.save file");
        }

        [Fact]
        public void Keras3WeightsFileLoadsByKerasPaths()
        {
            using var dir = new TempDir();
            var w = new ModelWeights(3);
            string path = dir.File("w.weights.h5");
            w.WriteKeras3(path);
            using var model = Model();
            model.LoadWeights(path);
            TestTensors.AssertClose(w.Predict(Ids), model.Call(IdTensor), 1e-5, "prediction after loading Keras 3 weights");
            Assert.Throws<ArgumentException>(() => model.LoadWeights(path, byName: true));
        }

        [Fact]
        public void ByNameLoadsTheLayersWithTheSameNameOnly()
        {
            using var dir = new TempDir();
            var weights = new ModelWeights(4);
            string path = dir.File("w.h5");
            // The file's layers in another order, one of them absent from the model.
            var layers = weights.Keras2Layers().Reverse().Append(new KerasLayer("other", new[] { new Weight("other/kernel:0", new long[] { 2, 2 }, new float[4]) })).ToList();
            WriteKeras2(path, layers);
            using var model = Model();
            model.LoadWeights(path, byName: true);
            TestTensors.AssertClose(weights.Predict(Ids), model.Call(IdTensor), 1e-5, "by name");

            // Loading by order refuses the reordered file (its first layer with weights has other shapes).
            using var fresh = Model();
            var before = fresh.GetWeights();
            Assert.ThrowsAny<ArgumentException>(() => fresh.LoadWeights(path));
            Assert.All(fresh.GetWeights().Zip(before), p => Assert.True(TestTensors.Same(p.First, p.Second)));
        }

        [Fact]
        public void FilesThatDoNotFitAreRefusedAndChangeNothing()
        {
            using var dir = new TempDir();
            var weights = new ModelWeights(5);
            using var model = Model();
            var before = model.GetWeights();
            void Unchanged() => Assert.All(model.GetWeights().Zip(before), p => Assert.True(TestTensors.Same(p.First, p.Second)));

            // A GRU of 4 units in the file: the error names the layer and both shapes.
            var layers = weights.Keras2Layers().ToList();
            layers[2] = new KerasLayer("gru", new[]
            {
                new Weight("gru/gru_cell/kernel:0", new long[] { 10, 12 }, new float[120]),
                new Weight("gru/gru_cell/recurrent_kernel:0", new long[] { 4, 12 }, new float[48]),
                new Weight("gru/gru_cell/bias:0", new long[] { 2, 12 }, new float[24]),
            });
            WriteKeras2(dir.File("shapes.h5"), layers);
            var shape = Assert.Throws<ShapeMismatchException>(() => model.LoadWeights(dir.File("shapes.h5")));
            Assert.Contains("\"gru\"", shape.Message);
            Assert.Contains("(10, 9)", shape.Message);
            Assert.Contains("(10, 12)", shape.Message);
            Assert.Contains("Nothing was loaded", shape.Message);
            Unchanged();

            // A layer missing from the file.
            WriteKeras2(dir.File("missing.h5"), weights.Keras2Layers().Where(l => l.Name != "gru").ToList());
            var missing = Assert.Throws<ArgumentException>(() => model.LoadWeights(dir.File("missing.h5")));
            Assert.Contains("containing 3 layers into a model with 4 layers", missing.Message);
            Unchanged();

            // A truncated file.
            WriteKeras2(dir.File("whole.h5"), weights.Keras2Layers());
            var bytes = File.ReadAllBytes(dir.File("whole.h5"));
            File.WriteAllBytes(dir.File("cut.h5"), bytes.Take(bytes.Length / 2).ToArray());
            var cut = Assert.Throws<InvalidDataException>(() => model.LoadWeights(dir.File("cut.h5")));
            Assert.Contains("cut.h5", cut.Message);
            Unchanged();

            // Not HDF5 at all, and no file.
            File.WriteAllText(dir.File("text.h5"), "not hdf5");
            Assert.Throws<InvalidDataException>(() => model.LoadWeights(dir.File("text.h5")));
            Assert.Throws<FileNotFoundException>(() => model.LoadWeights(dir.File("absent.h5")));
            Unchanged();
        }

        [Fact]
        public void SaveWeightsWritesKeras2LayoutThatLoadsBack()
        {
            using var dir = new TempDir();
            Backend.ClearSession();
            var weights = new ModelWeights(6);
            WriteKeras2(dir.File("source.h5"), weights.Keras2Layers());
            using var model = Model();
            model.LoadWeights(dir.File("source.h5"));
            string path = dir.File("saved.h5");
            model.SaveWeights(path);

            using (var file = H5File.OpenRead(path))
            {
                Assert.Equal(new[] { "embedding", "bidirectional", "gru", "dropout", "dense" }, file.Attribute("layer_names").Read<string[]>());
                Assert.Equal("tensorflow", file.Attribute("backend").Read<string>());
                Assert.StartsWith("2.", file.Attribute("keras_version").Read<string>());
                var bidirectional = file.Group("bidirectional");
                var names = bidirectional.Attribute("weight_names").Read<string[]>();
                Assert.Equal(6, names.Length);
                Assert.Matches("^bidirectional/forward_lstm/lstm_cell(_[0-9]+)?/kernel:0$", names[0]);
                Assert.Matches("^bidirectional/backward_lstm/lstm_cell(_[0-9]+)?/bias:0$", names[5]);
                var kernel = bidirectional.Dataset(names[0]);
                Assert.Equal(new ulong[] { 4, 20 }, kernel.Space.Dimensions);
                Assert.Equal(weights.Forward.Kernel.SelectMany(r => r).Select(v => (float)v), kernel.Read<float[]>());
                var gruNames = file.Group("gru").Attribute("weight_names").Read<string[]>();
                Assert.Matches("^gru/gru_cell(_[0-9]+)?/bias:0$", gruNames[2]);
                Assert.Equal(new ulong[] { 2, 9 }, file.Group("gru").Dataset(gruNames[2]).Space.Dimensions);
                Assert.Empty(file.Group("dropout").Attribute("weight_names").Read<string[]>());
            }

            using var again = Model();
            again.LoadWeights(path);
            TestTensors.AssertClose(weights.Predict(Ids), again.Call(IdTensor), 1e-5, "SaveWeights then LoadWeights");

            // The whole model: config and weights in Keras 2's full-model layout.
            model.Save(dir.File("model.h5"));
            using (var file = H5File.OpenRead(dir.File("model.h5")))
            {
                Assert.Contains("\"class_name\": \"Sequential\"", file.Attribute("model_config").Read<string>());
                Assert.Equal(5, file.Group("model_weights").Attribute("layer_names").Read<string[]>().Length);
            }
            using var rebuilt = Sequential.Load(dir.File("model.h5"));
            TestTensors.AssertClose(weights.Predict(Ids), rebuilt.Call(IdTensor), 1e-5, "Save then Load (.h5)");
        }

        [Fact]
        public void CudnnLstmWeightsAreConvertedAsKerasConvertsThem()
        {
            using var dir = new TempDir();
            var rng = new Random(12);
            const int features = 3, units = 2;
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, features, units);
            var recurrentBias = TestTensors.Random1(rng, 4 * units);
            // CuDNNLSTM's kernel per gate is Keras's block in cuDNN order: block_cudnn = k.T reshaped (row-major) to k's shape,
            // so Keras's block is recovered as block_cudnn.reshape(units, features).T. Build the cuDNN arrays from Keras's.
            float[] CudnnKernel(double[][] k, int rows)
            {
                var result = new float[rows * 4 * units];
                for (int g = 0; g < 4; g++)
                {
                    var flat = new float[rows * units];
                    for (int r = 0; r < rows; r++)
                        for (int c = 0; c < units; c++)
                            flat[c * rows + r] = (float)k[r][g * units + c];
                    for (int r = 0; r < rows; r++)
                        for (int c = 0; c < units; c++)
                            result[r * 4 * units + g * units + c] = flat[r * units + c];
                }
                return result;
            }
            float[] CudnnRecurrent(double[][] k)
            {
                var result = new float[units * 4 * units];
                for (int g = 0; g < 4; g++)
                    for (int r = 0; r < units; r++)
                        for (int c = 0; c < units; c++)
                            result[r * 4 * units + g * units + c] = (float)k[c][g * units + r];
                return result;
            }
            // Keras's single bias is the sum of cuDNN's input and recurrent biases.
            var inputBias = w.Bias!.Zip(recurrentBias, (b, r) => b - r).ToArray();
            WriteKeras2(dir.File("cudnn.h5"), new[]
            {
                new KerasLayer("cu_dnnlstm", new[]
                {
                    new Weight("cu_dnnlstm/kernel:0", new long[] { features, 4 * units }, CudnnKernel(w.Kernel, features)),
                    new Weight("cu_dnnlstm/recurrent_kernel:0", new long[] { units, 4 * units }, CudnnRecurrent(w.Recurrent)),
                    new Weight("cu_dnnlstm/bias:0", new long[] { 8 * units }, inputBias.Concat(recurrentBias).Select(v => (float)v).ToArray()),
                }),
            });
            var x = TestTensors.Random3(rng, 2, 4, features);
            var expected = KerasReference.Run(Kind.Lstm, x, w, units);
            using var model = new Sequential(new Layer[] { new LSTM(units, inputShape: new int?[] { 4, features }) });
            model.LoadWeights(dir.File("cudnn.h5"));
            TestTensors.AssertClose(expected.LastFlat, model.Call(TestTensors.From(x)), 1e-5, "CuDNNLSTM weights in an LSTM");
        }

        [Fact]
        public void Keras3PathsOfStackedCellsAndTimeDistributed()
        {
            using var dir = new TempDir();
            using var model = new Sequential(new Layer[]
            {
                new RNN(new AbstractRNNCell[] { new LSTMCell(3), new LSTMCell(2) }, returnSequences: true, inputShape: new int?[] { 5, 4 }),
                new TimeDistributed(new Dense(2)),
            });
            // Keras 3 names the stacked cells by class within the `cells` list: lstm_cell, lstm_cell_1.
            var paths = new[]
            {
                "layers/rnn/cell/cells/lstm_cell/vars/0", "layers/rnn/cell/cells/lstm_cell/vars/1", "layers/rnn/cell/cells/lstm_cell/vars/2",
                "layers/rnn/cell/cells/lstm_cell_1/vars/0", "layers/rnn/cell/cells/lstm_cell_1/vars/1", "layers/rnn/cell/cells/lstm_cell_1/vars/2",
                "layers/time_distributed/layer/vars/0", "layers/time_distributed/layer/vars/1",
            };
            var shapes = model.Layers.SelectMany(l => l.Weights).Select(w => w.Shape.ToArray()).ToArray();
            var rng = new Random(21);
            var variables = paths.Zip(shapes, (p, shape) => (p, shape))
                .ToDictionary(v => v.p, v => (v.shape, Enumerable.Range(0, (int)v.shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)rng.NextDouble()).ToArray()));
            WriteKeras3(dir.File("w.weights.h5"), new[] { "layers/rnn", "layers/rnn/cell", "layers/rnn/cell/cells/lstm_cell", "layers/rnn/cell/cells/lstm_cell_1",
                "layers/time_distributed", "layers/time_distributed/layer" }, variables);
            model.LoadWeights(dir.File("w.weights.h5"));
            var loaded = model.GetWeights();
            for (int i = 0; i < paths.Length; i++)
                Assert.Equal(variables[paths[i]].Item2, TestTensors.Values(loaded[i]));
        }
    }
}
