using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    public class SavingTests
    {
        private static void AssertSamePredictions(Sequential expected, Sequential actual, Tensor x)
        {
            using var a = expected.Call(x);
            using var b = actual.Call(x);
            Assert.Equal(a.shape, b.shape);
            Assert.True(TestModels.Same(a, b), "The predictions differ.");
        }

        [Fact]
        public void SaveWeightsThenLoadWeightsGivesIdenticalPredictions()
        {
            using var dir = new TempDir();
            using var original = TestModels.Small();
            using var other = TestModels.Small();
            using var x = TestModels.Input();
            original.SaveWeights(dir.File("w.rnnsharp"));
            Assert.False(TestModels.Same(original.Call(x), other.Call(x)));
            other.LoadWeights(dir.File("w.rnnsharp"));
            AssertSamePredictions(original, other, x);
            Assert.Equal(TestModels.Flat(original), TestModels.Flat(other));
        }

        [Fact]
        public void SaveThenLoadRebuildsTheModel()
        {
            using var dir = new TempDir();
            using var original = new Sequential(new Layer[]
            {
                new Embedding(20, 6, inputLength: 5, name: "emb"),
                new SimpleRNN(5, returnSequences: true, activation: "relu", name: "srnn"),
                new Dropout(0.3, name: "drop"),
                new GRU(4, returnSequences: true, resetAfter: false, name: "gru"),
                new LSTM(3, goBackwards: true, unitForgetBias: false, name: "lstm"),
                new Dense(2, activation: "softmax", name: "out"),
            }, name: "tagger");
            original.Save(dir.File("model.rnnsharp"));
            using var loaded = Sequential.Load(dir.File("model.rnnsharp"));
            Assert.Equal("tagger", loaded.Name);
            Assert.Equal(original.Layers.Select(l => (l.Name, l.GetType())), loaded.Layers.Select(l => (l.Name, l.GetType())));
            Assert.Equal(ConfigText(original), ConfigText(loaded));
            Assert.True(loaded.Built);
            using var x = tensor(new long[] { 3, 7, 0, 0, 0, 1, 2, 3, 4, 5, 19, 0, 0, 0, 0 }, new long[] { 3, 5 });
            AssertSamePredictions(original, loaded, x);
        }

        [Fact]
        public void ModelsBuiltByACallSaveTheirInputShape()
        {
            using var dir = new TempDir();
            using var original = new Sequential(new Layer[] { new GRU(3), new Dense(2) });
            using var x = TestModels.Input();
            original.Call(x);
            original.Save(dir.File("m.rnnsharp"));
            using var loaded = Sequential.Load(dir.File("m.rnnsharp"));
            Assert.Equal(new int?[] { null, 3, 2 }, loaded.InputShape);
            AssertSamePredictions(original, loaded, x);
        }

        [Fact]
        public void FromConfigRebuildsTheArchitecture()
        {
            using var original = new Sequential(new Layer[]
            {
                new Embedding(50, 2, maskZero: true, batchInputShape: new int?[] { 4, 3 }, embeddingsInitializer: "glorot_normal", name: "l0"),
                new LSTM(7, returnSequences: true, recurrentDropout: 0.25, stateful: true, recurrentActivation: "hard_sigmoid", name: "l1"),
                new Dropout(0.1, noiseShape: new int?[] { null, 1, null }, name: "d"),
                new SimpleRNN(2, trainable: false, useBias: false, name: "l2"),
            });
            using var copy = Sequential.FromConfig(original.GetConfig());
            Assert.Equal(ConfigText(original), ConfigText(copy));
            Assert.Equal(original.CountParams(), copy.CountParams());
        }

        [Fact]
        public void FromConfigNamesAnUnknownLayerClass()
        {
            var config = new Dictionary<string, object?>
            {
                ["name"] = "m",
                ["layers"] = new List<object?> { new Dictionary<string, object?> { ["class_name"] = "Conv2D", ["config"] = new Dictionary<string, object?>() } },
            };
            var e = Assert.Throws<ArgumentException>(() => Sequential.FromConfig(config));
            Assert.Contains("Unknown layer: Conv2D", e.Message);
        }

        [Fact]
        public void ASaveReplacesTheOldFileAndLeavesNoTemporaryFile()
        {
            using var dir = new TempDir();
            using var first = TestModels.Small();
            using var second = TestModels.Small();
            string path = dir.File("w.rnnsharp");
            first.SaveWeights(path);
            second.SaveWeights(path);
            using var probe = TestModels.Small();
            probe.LoadWeights(path);
            Assert.Equal(TestModels.Flat(second), TestModels.Flat(probe));
            Assert.Equal(new[] { "w.rnnsharp" }, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)));
        }

        /// <summary>A Dense whose weights cannot be read: a save fails after the layers before it were written.</summary>
        private sealed class UnreadableDense : Dense
        {
            public UnreadableDense(int units) : base(units) { }

            protected override IReadOnlyList<Tensor> ReadWeights() => throw new IOException("simulated failure while writing");
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void AFailedSaveLeavesTheOldFileIntact(bool weightsOnly)
        {
            using var dir = new TempDir();
            using var good = TestModels.Small();
            string path = dir.File("keep.rnnsharp");
            if (weightsOnly) good.SaveWeights(path); else good.Save(path);
            byte[] before = File.ReadAllBytes(path);
            using var bad = new Sequential(new Layer[] { new LSTM(4, inputShape: new int?[] { 3, 2 }), new UnreadableDense(1) });
            var e = Assert.Throws<IOException>(() =>
            {
                if (weightsOnly) bad.SaveWeights(path); else bad.Save(path);
            });
            Assert.Equal("simulated failure while writing", e.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(new[] { "keep.rnnsharp" }, Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)));
        }

        [Fact]
        public void TwoSavesOfTheSameModelAreByteIdentical()
        {
            using var dir = new TempDir();
            using var model = TestModels.Small();
            model.Save(dir.File("a.rnnsharp"));
            model.Save(dir.File("b.rnnsharp"));
            Assert.Equal(File.ReadAllBytes(dir.File("a.rnnsharp")), File.ReadAllBytes(dir.File("b.rnnsharp")));
        }

        [Fact]
        public void ATruncatedFileIsRefusedAndTheModelUnchanged()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small();
            string path = dir.File("w.rnnsharp");
            saved.SaveWeights(path);
            byte[] bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
            using var model = TestModels.Small();
            float[] before = TestModels.Flat(model);
            var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Equal(before, TestModels.Flat(model));
            Assert.Throws<InvalidDataException>(() => Sequential.Load(path));
        }

        [Fact]
        public void ACorruptWeightIsNamedAndNothingIsLoaded()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small();
            string path = dir.File("w.rnnsharp");
            saved.SaveWeights(path);
            // Rewrite the second layer's kernel with one value changed, keeping the manifest (and its checksum).
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                var entry = zip.GetEntry("weights/1/0.npy")!;
                byte[] data;
                using (var s = entry.Open())
                using (var m = new MemoryStream())
                {
                    s.CopyTo(m);
                    data = m.ToArray();
                }
                data[^1] ^= 0x40;
                entry.Delete();
                using var w = zip.CreateEntry("weights/1/0.npy").Open();
                w.Write(data);
            }
            using var model = TestModels.Small();
            float[] before = TestModels.Flat(model);
            var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
            Assert.Contains($"layer \"{saved.Layers[1].Name}\" weight \"kernel\"", e.Message);
            Assert.Contains("SHA-256", e.Message);
            Assert.Equal(before, TestModels.Flat(model));
        }

        [Fact]
        public void AFileThatIsNotAnArchiveIsRefused()
        {
            using var dir = new TempDir();
            string path = dir.File("junk.rnnsharp");
            File.WriteAllText(path, "not a model");
            using var model = TestModels.Small();
            var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
            Assert.Contains(path, e.Message);
            // A zip without a manifest (e.g. written by another tool).
            string other = dir.File("other.rnnsharp");
            using (var zip = ZipFile.Open(other, ZipArchiveMode.Create)) zip.CreateEntry("readme.txt");
            e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(other));
            Assert.Contains("manifest.json", e.Message);
        }

        [Fact]
        public void AnotherArchitectureIsRefusedWithTheLayerWeightAndShapes()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small(units: 4);
            string path = dir.File("w.rnnsharp");
            saved.SaveWeights(path);
            using var wider = TestModels.Small(units: 5);
            float[] before = TestModels.Flat(wider);
            var e = Assert.Throws<ShapeMismatchException>(() => wider.LoadWeights(path));
            Assert.Contains($"layer \"{wider.Layers[0].Name}\" weight \"kernel\" expects shape (2, 20), but the file holds shape (2, 16)", e.Message);
            Assert.Contains("Nothing was loaded", e.Message);
            Assert.Equal(before, TestModels.Flat(wider));
        }

        [Fact]
        public void AnotherLayerCountOrKindIsRefusedAndTheModelUnchanged()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small();
            string path = dir.File("w.rnnsharp");
            saved.SaveWeights(path);

            using var deeper = new Sequential(new Layer[] { new LSTM(4, inputShape: new int?[] { 3, 2 }), new Dense(1), new Dense(1) });
            float[] before = TestModels.Flat(deeper);
            var e = Assert.Throws<ArgumentException>(() => deeper.LoadWeights(path));
            Assert.Contains("You are trying to load a weight file containing 2 layers into a model with 3 layers", e.Message);
            Assert.Equal(before, TestModels.Flat(deeper));

            // Same number of layers, but a Dense (2 weights) where the file has an LSTM (3 weights).
            using var dense = new Sequential(new Layer[] { new Dense(4, inputShape: new int?[] { 3, 2 }), new Dense(1) });
            before = TestModels.Flat(dense);
            e = Assert.Throws<ArgumentException>(() => dense.LoadWeights(path));
            Assert.Contains($"layer #0 (named \"{dense.Layers[0].Name}\", Dense, in the current model) corresponds to layer \"{saved.Layers[0].Name}\" (LSTM)", e.Message);
            Assert.Contains("expects 2 weights (kernel (2, 4), bias (4,)) and the file has 3 (kernel (2, 16), recurrent_kernel (4, 16), bias (16,))", e.Message);
            Assert.Equal(before, TestModels.Flat(dense));

            // Dropout layers have no weights and do not take part in the matching.
            using var withDropout = new Sequential(new Layer[] { new LSTM(4, inputShape: new int?[] { 3, 2 }), new Dropout(0.5), new Dense(1) });
            withDropout.LoadWeights(path);
            Assert.Equal(TestModels.Flat(saved), TestModels.Flat(withDropout));
        }

        [Fact]
        public void LoadNeedsAModelFileAndLoadWeightsABuiltModel()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small();
            string weights = dir.File("w.rnnsharp");
            saved.SaveWeights(weights);
            Assert.Contains("holds only weights", Assert.Throws<ArgumentException>(() => Sequential.Load(weights)).Message);
            using var unbuilt = new Sequential(new Layer[] { new LSTM(4), new Dense(1) });
            Assert.Throws<InvalidOperationException>(() => unbuilt.LoadWeights(weights));
            Assert.Throws<InvalidOperationException>(() => unbuilt.SaveWeights(dir.File("x.rnnsharp")));
            Assert.Throws<FileNotFoundException>(() => saved.LoadWeights(dir.File("missing.rnnsharp")));
        }

        [Fact]
        public void LoadWeightsAcceptsAWholeModelFile()
        {
            using var dir = new TempDir();
            using var saved = TestModels.Small();
            saved.Save(dir.File("m.rnnsharp"));
            using var model = TestModels.Small();
            model.LoadWeights(dir.File("m.rnnsharp"));
            Assert.Equal(TestModels.Flat(saved), TestModels.Flat(model));
        }

        [Fact]
        public void HdfExtensionsUseKerasHdf5Format()
        {
            // .h5/.hdf5 were refused until an HDF5 format was registered; Keras's HDF5 format now is.
            Assert.IsType<KerasHdf5Format>(SavingFormats.ForPath("w.h5"));
            Assert.IsType<KerasHdf5Format>(SavingFormats.ForPath("m.HDF5"));
            Assert.IsType<KerasHdf5Format>(SavingFormats.ForPath("w.weights.h5"));
            Assert.IsType<NativeFormat>(SavingFormats.ForPath("w.rnnsharp"));
            using var dir = new TempDir();
            using var model = TestModels.Small();
            model.SaveWeights(dir.File("w.h5"));
            using var again = TestModels.Small();
            again.LoadWeights(dir.File("w.h5"));
            Assert.Equal(TestModels.Flat(model), TestModels.Flat(again));
        }

        [Fact]
        public void FormatsArePluggableByExtension()
        {
            using var dir = new TempDir();
            var recording = new RecordingFormat();
            SavingFormats.Register(".rec", recording);
            using var model = TestModels.Small();
            model.SaveWeights(dir.File("w.rec"));
            Assert.Equal(ArchiveKind.Weights, recording.Written!.Kind);
            Assert.Equal(new[] { "kernel", "recurrent_kernel", "bias", "kernel", "bias" }, recording.Layers!.SelectMany(l => l.Weights).Select(w => w.Name));
            Assert.Equal("RECORDED", File.ReadAllText(dir.File("w.rec")));
        }

        [Fact]
        public void TheArchiveHoldsAManifestConfigAndNpyArrays()
        {
            using var dir = new TempDir();
            using var model = TestModels.Small();
            string path = dir.File("m.rnnsharp");
            model.Save(path);
            using var zip = ZipFile.OpenRead(path);
            Assert.Equal(new[] { "config.json", "weights/0/0.npy", "weights/0/1.npy", "weights/0/2.npy", "weights/1/0.npy", "weights/1/1.npy", "manifest.json" },
                         zip.Entries.Select(e => e.FullName));
            string manifest = Read(zip, "manifest.json");
            Assert.Contains("\"format\": \"rnnsharp\"", manifest);
            Assert.Contains("\"kind\": \"model\"", manifest);
            Assert.Contains("\"class_name\": \"Sequential\"", Read(zip, "config.json"));
            Assert.Contains("\"build_input_shape\": [\n      null,\n      3,\n      2\n    ]", Read(zip, "config.json").Replace("\r\n", "\n"));
            // NumPy's .npy v1.0 header, padded so the data starts at a multiple of 64 bytes.
            byte[] npy = ReadBytes(zip, "weights/0/0.npy");
            string header = Encoding.ASCII.GetString(npy, 10, npy[8] | (npy[9] << 8));
            Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 16), }", header);
            Assert.Equal(0, (10 + header.Length) % 64);
            Assert.Equal(10 + header.Length + 2 * 16 * 4, npy.Length);
            float first = BitConverter.ToSingle(npy, 10 + header.Length);
            Assert.Equal(model.Layers[0].GetWeights()[0][0, 0].item<float>(), first);
        }

        private static string Read(ZipArchive zip, string name) => Encoding.UTF8.GetString(ReadBytes(zip, name));

        private static byte[] ReadBytes(ZipArchive zip, string name)
        {
            using var s = zip.GetEntry(name)!.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }

        private static string ConfigText(Sequential model)
            => System.Text.Json.JsonSerializer.Serialize(model.GetConfig());

        private sealed class RecordingFormat : SavingFormat
        {
            public ModelArchive? Written { get; private set; }

            public List<SavedLayer>? Layers { get; private set; }

            public override string Name => "recording";

            public override void Write(Stream stream, ModelArchive archive)
            {
                Written = archive;
                Layers = archive.Layers.ToList();
                stream.Write(Encoding.ASCII.GetBytes("RECORDED"));
            }

            public override ModelArchive Read(Stream stream, string path) => Written!;
        }
    }
}
