using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary>The merge layers' configs: Keras's keys, and GetConfig → LayerRegistry.Deserialize (directly and through
    /// JSON text) gives the same config.</summary>
    public class MergingConfigTests
    {
        public static TheoryData<string> Layers => new() { "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot", "DotPair" };

        private static Layer Make(string kind) => kind switch
        {
            "Add" => new Add(name: "my_add", trainable: false),
            "Subtract" => new Subtract(name: "my_subtract"),
            "Multiply" => new Multiply(trainable: false),
            "Average" => new Average(),
            "Maximum" => new Maximum(name: "max"),
            "Minimum" => new Minimum(name: "min", trainable: false),
            "Concatenate" => new Concatenate(axis: 1, name: "cat", trainable: false),
            "Dot" => new Dot(-1, normalize: true, name: "cos"),
            "DotPair" => new Dot(new[] { 2, 1 }, trainable: false),
            _ => throw new System.ArgumentException(kind),
        };

        private static string Json(IReadOnlyDictionary<string, object?> config) => JsonSerializer.Serialize(config);

        [Theory]
        [MemberData(nameof(Layers))]
        public void ConfigRoundTripsThroughTheRegistry(string kind)
        {
            var layer = Make(kind);
            var config = layer.GetConfig();
            Assert.Equal(kind.StartsWith("Dot", System.StringComparison.Ordinal) ? "Dot" : kind, layer.ClassName);
            var copy = LayerRegistry.Deserialize(layer.ClassName, config);
            Assert.IsType(layer.GetType(), copy);
            Assert.Equal(Json(config), Json(copy.GetConfig()));
            Assert.Equal(layer.Name, copy.Name);
            Assert.Equal(layer.Trainable, copy.Trainable);

            // Through JSON text, as a saved model's config is read back (numbers as longs, lists as List<object?>).
            var parsed = (Dictionary<string, object?>)ConfigJson.Parse(ConfigJson.Serialize(LayerRegistry.Serialize(layer)))!;
            var fromText = Layer.FromConfig(parsed);
            Assert.Equal(Json(config), Json(fromText.GetConfig()));
        }

        [Fact]
        public void ConfigsHoldKerasKeys()
        {
            Assert.Equal(new[] { "name", "trainable", "dtype" }, new Add().GetConfig().Keys.ToArray());
            Assert.Equal(new[] { "name", "trainable", "dtype", "axis" }, new Concatenate().GetConfig().Keys.ToArray());
            Assert.Equal(-1, new Concatenate().GetConfig()["axis"]);
            Assert.Equal(new[] { "name", "trainable", "dtype", "axes", "normalize" }, new Dot(1).GetConfig().Keys.ToArray());
            // A config as tf.keras writes it.
            var keras = new Dictionary<string, object?> { ["name"] = "concatenate_3", ["trainable"] = true, ["dtype"] = "float32", ["axis"] = 1L };
            var cat = Assert.IsType<Concatenate>(LayerRegistry.Deserialize("Concatenate", keras));
            Assert.Equal(1, cat.Axis);
            Assert.Equal("concatenate_3", cat.Name);
            Assert.Equal(-1, Assert.IsType<Concatenate>(LayerRegistry.Deserialize("Concatenate", new Dictionary<string, object?>())).Axis);
            foreach (var name in new[] { "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot" })
                Assert.Contains(name, LayerRegistry.KnownClassNames);
        }
    }
}
