using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Saving.KerasFiles;

namespace RnnSharp.Tests.Saving
{
    /// <summary>Loads that cannot proceed fail with the exception type and text the API documents, whatever the format.</summary>
    public class LoadErrorTests
    {
        [Fact]
        public void LoadingAKeras3WeightsFileAsAModelSaysItHoldsOnlyWeights()
        {
            using var dir = new TempDir();
            string path = dir.File("w.weights.h5");
            WriteKeras3(path, new[] { "layers/dense" }, new Dictionary<string, (long[] Shape, float[] Values)>
            {
                ["layers/dense/vars/0"] = (new long[] { 2, 1 }, new float[] { 1, 2 }),
                ["layers/dense/vars/1"] = (new long[] { 1 }, new float[] { 3 }),
            });
            var e = Assert.Throws<ArgumentException>(() => Sequential.Load(path));
            Assert.Equal($"\"{path}\" holds only weights, not a model: build the model and call LoadWeights(path). (The file was written by Keras 3.) (Parameter 'path')", e.Message);
        }

        [Fact]
        public void AModelConfigOfAnotherClassOrShapeIsRefusedNamingTheFile()
        {
            using var dir = new TempDir();
            string functional = dir.File("functional.rnnsharp");
            string bare = dir.File("bare.rnnsharp");
            foreach (var (path, config) in new[]
            {
                (functional, "{\"class_name\": \"Functional\", \"config\": {\"name\": \"model\", \"layers\": []}}"),
                (bare, "{\"name\": \"sequential\", \"layers\": []}"),
            })
                AtomicFile.Write(path, stream => SavingFormats.Native.Write(stream, new ModelArchive(ArchiveKind.Model, config, Array.Empty<SavedLayer>())));

            var other = Assert.Throws<NotSupportedException>(() => Sequential.Load(functional));
            Assert.Equal($"Cannot load \"{functional}\" as a Sequential model: it holds a Functional model; load it with Model.Load(path).", other.Message);
            var shape = Assert.Throws<System.IO.InvalidDataException>(() => Sequential.Load(bare));
            Assert.Equal($"Cannot load \"{bare}\": its model config is not {{\"class_name\": ..., \"config\": {{...}}}}. Nothing was loaded.", shape.Message);
        }

        [Fact]
        public void PerLayerMismatchesNameThePathArgument()
        {
            using var dir = new TempDir();
            string path = dir.File("w.rnnsharp");
            new Sequential(new Layer[] { new Dense(3, inputShape: new int?[] { 2 }) }).SaveWeights(path);
            var noBias = new Sequential(new Layer[] { new Dense(3, useBias: false, inputShape: new int?[] { 2 }) });
            var e = Assert.Throws<ArgumentException>(() => noBias.LoadWeights(path));
            Assert.Equal("path", e.ParamName);
            Assert.Contains("the model's layer expects 1 weights (kernel (2, 3)) and the file has 2 (kernel (2, 3), bias (3,))", e.Message);
        }

        [Fact]
        public void ANullRequiredNestedLayerIsNamedAndUsesUpNoName()
        {
            Backend.ClearSession();
            var e = Assert.Throws<ArgumentException>(() => RNN.FromConfig(new LayerConfig("RNN", new Dictionary<string, object?> { ["cell"] = null })));
            Assert.Equal("Layer config of RNN has no \"cell\".", e.Message);
            var nullLayer = Assert.Throws<ArgumentException>(() => Bidirectional.FromConfig(new LayerConfig("Bidirectional", new Dictionary<string, object?> { ["layer"] = null })));
            Assert.Equal("Layer config of Bidirectional has no \"layer\".", nullLayer.Message);
            // The failed loads made no layer, so Keras's automatic names are still free.
            Assert.Equal("rnn", new RNN(new SimpleRNNCell(2)).Name);
            Assert.Equal("bidirectional", new Bidirectional(new SimpleRNN(2)).Name);
        }
    }
}
