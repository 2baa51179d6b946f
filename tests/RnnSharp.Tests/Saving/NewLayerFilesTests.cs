using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>The reshaping, pooling, normalization and noise layers saved and loaded in both formats: the rebuilt
    /// model has the same config, the same weights (BatchNormalization's moving statistics included) and predicts the
    /// same.</summary>
    [Collection("Names")]
    public class NewLayerFilesTests
    {
        [Fact]
        public void ModelsWithTheNewLayersRoundTripThroughBothFormats()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(12);
            var model = new Sequential(new Layer[]
            {
                new Embedding(20, 6, maskZero: true, inputShape: new int?[] { 5 }),
                new LSTM(4, returnSequences: true),
                new LayerNormalization(),
                new BatchNormalization(),
                new SpatialDropout1D(0.2),
                new GaussianNoise(0.1),
                new Permute(new[] { 2, 1 }),
                new Permute(new[] { 2, 1 }),
                new GlobalAveragePooling1D(),
                new RepeatVector(2),
                new Flatten(),
                new Reshape(new[] { 2, 4 }),
                new GlobalMaxPooling1D(),
                new Dense(1),
            });
            var x = tensor(new long[] { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0 }, new long[] { 3, 5 });
            // A few training calls move BatchNormalization's moving statistics away from their initial values.
            model.Compile("adam", "mse");
            model.Fit(x, ones(3, 1), epochs: 2, verbose: 0);
            var expected = model.Predict(x);
            using var dir = new TempDir();
            foreach (var file in new[] { "m.rnnsharp", "m.h5" })
            {
                string path = dir.File(file);
                model.Save(path);
                using var loaded = Model.Load(path);
                Assert.Equal(model.ToJson(), loaded.ToJson());
                var saved = model.GetWeights().Select(TestTensors.Values).ToArray();
                var back = loaded.GetWeights().Select(TestTensors.Values).ToArray();
                Assert.Equal(saved.Length, back.Length);
                for (int i = 0; i < saved.Length; i++) Assert.Equal(saved[i], back[i]);
                Assert.True(TestTensors.Same(expected, loaded.Predict(x)), file);
            }
            // The moving statistics did move: the round trip carried trained values, not initial ones.
            var bn = model.Layers.OfType<BatchNormalization>().Single().GetWeights();
            Assert.False(TestTensors.Values(bn[2]).All(v => v == 0));
        }
    }
}
