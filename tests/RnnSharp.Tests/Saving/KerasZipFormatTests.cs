using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using PureHDF;
using RnnSharp.Layers;
using RnnSharp.Losses;
using RnnSharp.Optimizers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Saving.KerasFiles;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// Keras 3's <c>.keras</c> files and <c>.weights.h5</c> writing: a file laid out as Keras 3 writes it (config from
    /// Keras 3's source, weights at Keras 3's paths from known arrays) loads, compiles as saved and predicts what Keras's
    /// equations give; RnnSharp's own <c>.keras</c> files have Keras 3's members, keys and dataset paths (read back with
    /// PureHDF and the zip reader, not through RnnSharp) and round-trip Sequential and functional models; bad files
    /// and unsupported requests are refused with clear errors and write nothing.
    /// </summary>
    [Collection("Names")]
    public class KerasZipFormatTests
    {
        internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Saving", "Fixtures", "Keras3", name);

        // A .keras archive as Keras 3's _save_model_to_fileobj writes it: metadata, config, weights, stored.
        internal static void WriteKerasArchive(string path, string config, string weightsFile, string version = "3.13.2")
        {
            using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
            void Add(string name, byte[] bytes)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
            Add("metadata.json", Encoding.UTF8.GetBytes($"{{\"keras_version\": \"{version}\", \"date_saved\": \"2026-11-30@10:00:00\"}}"));
            Add("config.json", Encoding.UTF8.GetBytes(config));
            Add("model.weights.h5", File.ReadAllBytes(weightsFile));
        }

        [Fact]
        public void AKeras3FileLoadsCompiledAndPredictsAsKeras()
        {
            using var dir = new TempDir();
            var w = new KerasHdf5Tests.ModelWeights(11);
            w.WriteKeras3(dir.File("model.weights.h5"));
            string path = dir.File("model.keras");
            WriteKerasArchive(path, File.ReadAllText(Fixture("sequential_bidirectional_keras3.json")), dir.File("model.weights.h5"));

            using var model = Model.Load(path);
            var sequential = Assert.IsType<Sequential>(model);
            Assert.Equal(new[] { "embedding", "bidirectional", "gru", "dropout", "dense" }, sequential.Layers.Select(l => l.Name));
            // Keras 3 stores the halves with their prefixes, which are not doubled.
            var halves = Assert.IsType<Bidirectional>(sequential.Layers[1]);
            Assert.Equal(("forward_lstm", "backward_lstm"), (halves.ForwardLayer.Name, halves.BackwardLayer.Name));
            TestTensors.AssertClose(w.Predict(KerasHdf5Tests.Ids), model.Predict(KerasHdf5Tests.IdTensor), 1e-5, "prediction of a Keras 3 .keras file");

            // Compiled as saved: Adam(0.002), sparse categorical crossentropy, accuracy.
            var adam = Assert.IsType<Adam>(model.Optimizer);
            Assert.Equal(0.002, adam.LearningRate, 9);
            Assert.Equal(0.999, adam.Beta2);
            Assert.IsType<SparseCategoricalCrossentropy>(model.Loss);
            var history = model.Fit(KerasHdf5Tests.IdTensor, tensor(new long[] { 0, 1 }), epochs: 1, verbose: 0);
            Assert.Contains("accuracy", history.Values.Keys);

            // compile: false leaves it uncompiled; Sequential.Load reads the same file.
            using var plain = Sequential.Load(path, compile: false);
            Assert.Null(plain.Optimizer);
            TestTensors.AssertClose(w.Predict(KerasHdf5Tests.Ids), plain.Predict(KerasHdf5Tests.IdTensor), 1e-5, "Sequential.Load of a .keras file");
        }

        [Fact]
        public void SavedKerasFilesHaveKeras3sMembersConfigAndPaths()
        {
            using var dir = new TempDir();
            using var model = KerasHdf5Tests.Model();
            model.Compile(new RMSprop(learningRate: 0.01), "sparse_categorical_crossentropy", new[] { "accuracy" });
            string path = dir.File("m.keras");
            model.Save(path);

            using var zip = ZipFile.OpenRead(path);
            Assert.Equal(new[] { "metadata.json", "config.json", "model.weights.h5" }, zip.Entries.Select(e => e.FullName));
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
            string Text(string name)
            {
                using var reader = new StreamReader(zip.GetEntry(name)!.Open());
                return reader.ReadToEnd();
            }
            var metadata = (Dictionary<string, object?>)ConfigJson.Parse(Text("metadata.json"))!;
            Assert.StartsWith("3.", (string)metadata["keras_version"]!);
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$", (string)metadata["date_saved"]!);

            var root = (Dictionary<string, object?>)ConfigJson.Parse(Text("config.json"))!;
            Assert.Equal("keras", root["module"]);
            Assert.Equal("Sequential", root["class_name"]);
            Assert.Null(root["registered_name"]);
            Assert.Equal(new object?[] { null, 6L }, (List<object?>)((Dictionary<string, object?>)root["build_config"]!)["input_shape"]!);
            var config = (Dictionary<string, object?>)root["config"]!;
            var layers = ((List<object?>)config["layers"]!).Cast<Dictionary<string, object?>>().ToList();
            Assert.Equal(new[] { "InputLayer", "Embedding", "Bidirectional", "GRU", "Dropout", "Dense" }, layers.Select(l => l["class_name"]));
            Assert.All(layers, l => Assert.Equal("keras.layers", l["module"]));
            var input = (Dictionary<string, object?>)layers[0]["config"]!;
            Assert.Equal(new object?[] { null, 6L }, (List<object?>)input["batch_shape"]!);
            var embedding = (Dictionary<string, object?>)layers[1]["config"]!;
            Assert.False(embedding.ContainsKey("input_length"));
            Assert.False(embedding.ContainsKey("batch_input_shape"));
            Assert.Equal("DTypePolicy", ((Dictionary<string, object?>)embedding["dtype"]!)["class_name"]);
            Assert.Equal("keras.initializers", ((Dictionary<string, object?>)embedding["embeddings_initializer"]!)["module"]);
            var bidirectional = (Dictionary<string, object?>)layers[2]["config"]!;
            var lstm = (Dictionary<string, object?>)((Dictionary<string, object?>)bidirectional["layer"]!)["config"]!;
            Assert.False(lstm.ContainsKey("time_major"));
            Assert.False(lstm.ContainsKey("implementation"));
            Assert.True(lstm.ContainsKey("seed"));
            Assert.Equal("OrthogonalInitializer", ((Dictionary<string, object?>)lstm["recurrent_initializer"]!)["class_name"]);
            Assert.True(((Dictionary<string, object?>)((Dictionary<string, object?>)bidirectional["backward_layer"]!)["config"]!)["go_backwards"] is true);
            Assert.Equal(new object?[] { null, 6L, 4L }, (List<object?>)((Dictionary<string, object?>)layers[2]["build_config"]!)["input_shape"]!);

            var compile = (Dictionary<string, object?>)root["compile_config"]!;
            var optimizer = (Dictionary<string, object?>)compile["optimizer"]!;
            Assert.Equal("keras.optimizers", optimizer["module"]);
            Assert.Equal("RMSprop", optimizer["class_name"]);
            Assert.Equal(0.01, (double)((Dictionary<string, object?>)optimizer["config"]!)["learning_rate"]!);
            Assert.Equal("SparseCategoricalCrossentropy", ((Dictionary<string, object?>)compile["loss"]!)["class_name"]);
            Assert.Equal(new object?[] { "accuracy" }, (List<object?>)compile["metrics"]!);

            // The weights, read with PureHDF at Keras 3's paths, are the model's in Keras layout.
            using var weightsStream = new MemoryStream();
            using (var entry = zip.GetEntry("model.weights.h5")!.Open()) entry.CopyTo(weightsStream);
            weightsStream.Position = 0;
            using var h5 = H5File.Open(weightsStream);
            var expected = model.GetWeights();
            string[] paths =
            {
                "layers/embedding/vars/0",
                "layers/bidirectional/forward_layer/cell/vars/0", "layers/bidirectional/forward_layer/cell/vars/1", "layers/bidirectional/forward_layer/cell/vars/2",
                "layers/bidirectional/backward_layer/cell/vars/0", "layers/bidirectional/backward_layer/cell/vars/1", "layers/bidirectional/backward_layer/cell/vars/2",
                "layers/gru/cell/vars/0", "layers/gru/cell/vars/1", "layers/gru/cell/vars/2",
                "layers/dense/vars/0", "layers/dense/vars/1",
            };
            Assert.Equal(expected.Count, paths.Length);
            for (int i = 0; i < paths.Length; i++)
            {
                var dataset = h5.Dataset(paths[i]);
                Assert.Equal(expected[i].shape.Select(d => (ulong)d), dataset.Space.Dimensions);
                Assert.Equal(expected[i].contiguous().data<float>().ToArray(), dataset.Read<float[]>());
            }
        }

        [Fact]
        public void SequentialAndFunctionalModelsRoundTripThroughKerasFiles()
        {
            using var dir = new TempDir();
            manual_seed(3);
            using var sequential = KerasHdf5Tests.Model();
            var x = KerasHdf5Tests.IdTensor;
            sequential.Compile("adam", "sparse_categorical_crossentropy");
            sequential.Fit(x, tensor(new long[] { 1, 0 }), epochs: 2, verbose: 0);
            sequential.Save(dir.File("s.keras"));
            using (var loaded = Model.Load(dir.File("s.keras")))
            {
                TestTensors.AssertClose(TestTensors.Values(sequential.Predict(x)).Select(v => (double)v).ToArray(), loaded.Predict(x), 1e-6, "Sequential through .keras");
                Assert.IsType<Adam>(loaded.Optimizer);
            }

            // Two inputs, a recurrent layer with initial states from another, a merge, two outputs.
            var tokens = Keras.Input(new int?[] { 5 }, dtype: "int64", name: "tokens");
            var features = Keras.Input(new int?[] { 5, 3 }, name: "features");
            var embedded = new Embedding(10, 4, maskZero: true, name: "embed").Call(tokens);
            var (encoded, h, c) = new LSTM(6, returnState: true, name: "encoder").Call(embedded);
            var decoded = new LSTM(6, returnSequences: true, name: "decoder").Call(features, initialState: new[] { h, c });
            var pooled = new GlobalAveragePooling1D(name: "pool").Call(decoded);
            var merged = new Concatenate(name: "merge").Call(new[] { encoded, pooled });
            var first = new Dense(2, activation: "softmax", name: "first").Call(merged);
            var second = new Dense(1, name: "second").Call(merged);
            using var functional = new Model(new[] { tokens, features }, new[] { first, second }, name: "two_heads");
            functional.Compile(new SGD(0.05, momentum: 0.5), new Loss?[] { "sparse_categorical_crossentropy", "mse" }, new[] { 1.0, 0.5 },
                new IReadOnlyList<string>[] { new[] { "accuracy" }, new[] { "mae" } });
            var ids = tensor(new long[] { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8 }, new long[] { 2, 5 });
            var feats = randn(2, 5, 3);
            functional.Save(dir.File("f.keras"));

            using var reloaded = Model.Load(dir.File("f.keras"));
            Assert.Equal("Functional", reloaded.ClassName);
            Assert.Equal(new[] { "tokens", "features" }, reloaded.InputNames);
            var expected = functional.Predict(new[] { ids, feats });
            var actual = reloaded.Predict(new[] { ids, feats });
            TestTensors.AssertClose(TestTensors.Values(expected[0]).Select(v => (double)v).ToArray(), actual[0], 1e-6, "functional output 0 through .keras");
            TestTensors.AssertClose(TestTensors.Values(expected[1]).Select(v => (double)v).ToArray(), actual[1], 1e-6, "functional output 1 through .keras");
            var sgd = Assert.IsType<SGD>(reloaded.Optimizer);
            Assert.Equal(0.5, sgd.Momentum);
            Assert.Equal(new[] { 1.0, 0.5 }, reloaded.Compiled!.LossWeights);
            Assert.IsType<MeanSquaredError>(reloaded.Compiled.Losses[1]);

            // Keras 3's node format: {"args": [...], "kwargs": {"initial_state": [...]}} with __keras_tensor__ entries.
            using var zip = ZipFile.OpenRead(dir.File("f.keras"));
            using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
            var root = (Dictionary<string, object?>)ConfigJson.Parse(reader.ReadToEnd())!;
            var layers = ((List<object?>)((Dictionary<string, object?>)root["config"]!)["layers"]!).Cast<Dictionary<string, object?>>().ToList();
            var decoder = layers.Single(l => (string?)l["name"] == "decoder");
            var node = (Dictionary<string, object?>)((List<object?>)decoder["inbound_nodes"]!)[0]!;
            var arg = (Dictionary<string, object?>)((List<object?>)node["args"]!)[0]!;
            Assert.Equal("__keras_tensor__", arg["class_name"]);
            Assert.Equal(new object?[] { "features", 0L, 0L }, (List<object?>)((Dictionary<string, object?>)arg["config"]!)["keras_history"]!);
            var states = (List<object?>)((Dictionary<string, object?>)node["kwargs"]!)["initial_state"]!;
            Assert.Equal(new object?[] { "encoder", 0L, 1L }, (List<object?>)((Dictionary<string, object?>)((Dictionary<string, object?>)states[0]!)["config"]!)["keras_history"]!);
            var merge = layers.Single(l => (string?)l["name"] == "merge");
            var mergeArgs = (List<object?>)((Dictionary<string, object?>)((List<object?>)merge["inbound_nodes"]!)[0]!)["args"]!;
            Assert.Equal(2, ((List<object?>)mergeArgs[0]!).Count);
        }

        [Fact]
        public void WeightsH5FilesAreWrittenInKeras3sLayout()
        {
            using var dir = new TempDir();
            using var model = KerasHdf5Tests.Model();
            string path = dir.File("w.weights.h5");
            model.SaveWeights(path);
            using (var h5 = H5File.OpenRead(path))
            {
                Assert.False(h5.AttributeExists("layer_names"));
                var kernel = h5.Dataset("layers/gru/cell/vars/0");
                Assert.Equal(new ulong[] { 10, 9 }, kernel.Space.Dimensions);
                using var expected = model.Layers[2].GetWeights()[0];
                Assert.Equal(expected.contiguous().data<float>().ToArray(), kernel.Read<float[]>());
            }
            using var other = KerasHdf5Tests.Model();
            other.LoadWeights(path);
            TestTensors.AssertClose(TestTensors.Values(model.Predict(KerasHdf5Tests.IdTensor)).Select(v => (double)v).ToArray(), other.Predict(KerasHdf5Tests.IdTensor), 0, "weights through .weights.h5");

            // A .weights.h5 holds weights only, a .keras file a whole model: the wrong call writes nothing.
            Assert.Throws<ArgumentException>(() => model.Save(dir.File("m.weights.h5")));
            Assert.Throws<ArgumentException>(() => model.SaveWeights(dir.File("w.keras")));
            Assert.False(File.Exists(dir.File("m.weights.h5")));
            Assert.False(File.Exists(dir.File("w.keras")));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void BadKerasFilesAreRefusedNamingTheLayerAndTheVersion()
        {
            using var dir = new TempDir();
            var w = new KerasHdf5Tests.ModelWeights(12);
            w.WriteKeras3(dir.File("model.weights.h5"));
            string config = File.ReadAllText(Fixture("sequential_bidirectional_keras3.json"));

            string unknown = dir.File("unknown.keras");
            WriteKerasArchive(unknown, config.Replace("\"class_name\": \"GRU\"", "\"class_name\": \"ConvLSTM1D\""), dir.File("model.weights.h5"), "3.10.0");
            var e = Assert.ThrowsAny<ArgumentException>(() => Model.Load(unknown));
            Assert.Contains("ConvLSTM1D", e.Message);
            Assert.Contains("Keras 3.10.0", e.Message);

            string unsupported = dir.File("ema.keras");
            WriteKerasArchive(unsupported, config.Replace("\"use_ema\": false", "\"use_ema\": true"), dir.File("model.weights.h5"));
            e = Assert.ThrowsAny<ArgumentException>(() => Model.Load(unsupported));
            Assert.Contains("use_ema", e.Message);
            Assert.Contains("compile: false", e.Message);
            using (var uncompiled = Model.Load(unsupported, compile: false))
                TestTensors.AssertClose(w.Predict(KerasHdf5Tests.Ids), uncompiled.Predict(KerasHdf5Tests.IdTensor), 1e-5, "compile: false");

            string truncated = dir.File("truncated.keras");
            File.WriteAllBytes(truncated, File.ReadAllBytes(unknown).Take(100).ToArray());
            Assert.Throws<InvalidDataException>(() => Model.Load(truncated));

            string noWeights = dir.File("noweights.keras");
            using (var zip = ZipFile.Open(noWeights, ZipArchiveMode.Create))
            using (var entry = new StreamWriter(zip.CreateEntry("config.json").Open()))
                entry.Write(config);
            Assert.Contains("model.weights.h5", Assert.Throws<InvalidDataException>(() => Model.Load(noWeights)).Message);
        }

        [Fact]
        public void OptimizerAndLossConfigsRoundTrip()
        {
            Optimizer[] optimizers =
            {
                new SGD(0.1, momentum: 0.9, nesterov: true, clipnorm: 1.0), new RMSprop(0.002, rho: 0.8, centered: true),
                new Adam(0.003, beta1: 0.8, beta2: 0.99, amsgrad: true), new AdamW(0.004, weightDecay: 0.01), new Adagrad(0.05, initialAccumulatorValue: 0.2),
            };
            foreach (var optimizer in optimizers)
            {
                var serialized = optimizer.Serialize();
                var back = Optimizer.Deserialize(ConfigJson.Parse(ConfigJson.Serialize(serialized))!);
                Assert.IsType(optimizer.GetType(), back);
                Assert.Equal(ConfigJson.Serialize(optimizer.GetConfig()), ConfigJson.Serialize(back.GetConfig()));
            }
            Assert.Equal(0.01, Assert.IsType<Adam>(Optimizer.Deserialize(new Dictionary<string, object?>
            {
                ["class_name"] = "Adam", ["config"] = new Dictionary<string, object?> { ["lr"] = 0.01, ["beta_1"] = 0.9 },
            })).LearningRate);

            Loss[] losses = { new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.1), new SparseCategoricalCrossentropy(fromLogits: true), new Huber(delta: 2.0), new MeanAbsoluteError() };
            foreach (var loss in losses)
            {
                var back = Loss.Deserialize(ConfigJson.Parse(ConfigJson.Serialize(loss.Serialize()))!);
                Assert.IsType(loss.GetType(), back);
                Assert.Equal(ConfigJson.Serialize(loss.GetConfig()), ConfigJson.Serialize(back.GetConfig()));
            }
            // Keras 3's form of a loss function given by name.
            Assert.IsType<BinaryCrossentropy>(Loss.Deserialize(new Dictionary<string, object?>
            {
                ["module"] = "builtins", ["class_name"] = "function", ["config"] = "binary_crossentropy", ["registered_name"] = "function",
            }));
            Assert.Throws<ArgumentException>(() => Loss.Deserialize(new Dictionary<string, object?>
            {
                ["class_name"] = "BinaryCrossentropy", ["config"] = new Dictionary<string, object?> { ["reduction"] = "sum" },
            }));
        }
    }
}
