using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// A format plugs in through SavingFormat's virtual members and gets the one weight matcher: here a format of the
    /// tests' own, which stores each matrix transposed and no weight names, converting back in ConvertForLoading.
    /// </summary>
    public class WeightMatcherTests
    {
        static WeightMatcherTests() => SavingFormats.Register(".tjson", new TransposedJsonFormat());

        private sealed class TransposedJsonFormat : SavingFormat
        {
            public override string Name => "transposed-json";

            public override bool ChecksWeightNames => false;

            public override void Write(Stream stream, ModelArchive archive)
            {
                var layers = archive.Layers.Select(l => new
                {
                    name = l.Name,
                    class_name = l.ClassName,
                    weights = l.Weights.Select(w => new { shape = w.Shape.Reverse().ToArray(), values = Transpose(w.Shape, w.Values) }).ToArray(),
                }).ToArray();
                JsonSerializer.Serialize(stream, new { config = archive.ModelConfig, layers });
            }

            public override ModelArchive Read(Stream stream, string path)
            {
                using var document = JsonDocument.Parse(stream);
                var root = document.RootElement;
                string? config = root.GetProperty("config").GetString();
                var layers = root.GetProperty("layers").EnumerateArray().Select(l => new SavedLayer(
                    l.GetProperty("name").GetString()!, l.GetProperty("class_name").GetString()!,
                    l.GetProperty("weights").EnumerateArray().Select((w, i) => new SavedWeight(
                        "w" + i, w.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                        w.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray())).ToList())).ToList();
                return new ModelArchive(config is null ? ArchiveKind.Weights : ArchiveKind.Model, config, layers);
            }

            public override IReadOnlyList<SavedWeight> ConvertForLoading(Layer layer, IReadOnlyList<SavedWeight> weights)
                => weights.Select(w => w with { Shape = w.Shape.Reverse().ToArray(), Values = Transpose(w.Shape, w.Values) }).ToList();

            // A matrix's transpose (row-major values); vectors as they are.
            private static float[] Transpose(IReadOnlyList<long> shape, float[] values)
            {
                if (shape.Count != 2) return values;
                long rows = shape[0], cols = shape[1];
                var result = new float[values.Length];
                for (long r = 0; r < rows; r++)
                    for (long c = 0; c < cols; c++)
                        result[c * rows + r] = values[r * cols + c];
                return result;
            }
        }

        private static Sequential Model(int units, string? name = null)
            => new(new Layer[] { new GRU(units, inputShape: new int?[] { 5, 3 }, name: name ?? "gru"), new Dense(2, name: "dense") });

        [Fact]
        public void WeightsAndModelsRoundTripThroughAPluggedInFormat()
        {
            Backend.SetRandomSeed(41);
            using var dir = new TempDir();
            var model = Model(4);
            var x = randn(3, 5, 3);
            var expected = model.Predict(x);

            string weights = dir.File("w.tjson");
            model.SaveWeights(weights);
            // The file really holds the transposes: the GRU kernel (3, 12) is stored as (12, 3).
            Assert.Contains("\"shape\":[12,3]", File.ReadAllText(weights));
            var fresh = Model(4);
            fresh.LoadWeights(weights);
            Assert.True(fresh.Predict(x).allclose(expected, rtol: 0, atol: 1e-6));

            string whole = dir.File("m.tjson");
            model.Save(whole);
            using var loaded = Sequential.Load(whole);
            Assert.True(loaded.Predict(x).allclose(expected, rtol: 0, atol: 1e-6));
        }

        [Fact]
        public void AMismatchIsFoundAfterConversionAndChangesNothing()
        {
            Backend.SetRandomSeed(43);
            using var dir = new TempDir();
            string path = dir.File("w.tjson");
            Model(4).SaveWeights(path);
            var wider = Model(6);
            var before = wider.GetWeights();

            var e = Assert.Throws<ShapeMismatchException>(() => wider.LoadWeights(path));
            Assert.Equal(
                $"Cannot load \"{path}\" into model \"{wider.Name}\": layer \"gru\" weight \"kernel\" expects shape (3, 18), " +
                "but the file holds shape (3, 12) (layer \"gru\", GRU). Nothing was loaded.", e.Message);
            Assert.All(before.Zip(wider.GetWeights()), pair => Assert.True(TestTensors.Same(pair.First, pair.Second)));

            var fewer = new Sequential(new Layer[] { new GRU(4, inputShape: new int?[] { 5, 3 }, name: "gru") });
            var count = Assert.Throws<ArgumentException>(() => fewer.LoadWeights(path));
            Assert.Contains("You are trying to load a weight file containing 2 layers into a model with 1 layers " +
                "(file: \"gru\" (GRU), \"dense\" (Dense); model: \"gru\" (GRU)).", count.Message);
        }

        [Fact]
        public void ByNameLoadsTheLayersOfTheSameNameOnly()
        {
            Backend.SetRandomSeed(47);
            using var dir = new TempDir();
            string path = dir.File("w.tjson");
            var source = Model(4);
            source.SaveWeights(path);
            var target = Model(4, name: "other_gru");
            var gruBefore = target.Layers[0].GetWeights();
            target.LoadWeights(path, byName: true);
            Assert.True(TestTensors.Same(target.Layers[1].GetWeights()[0], source.Layers[1].GetWeights()[0]));
            Assert.True(TestTensors.Same(target.Layers[0].GetWeights()[0], gruBefore[0]));
        }
    }
}
