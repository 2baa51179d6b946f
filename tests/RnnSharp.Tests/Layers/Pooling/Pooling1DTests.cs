using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Pooling
{
    /// <summary>MaxPooling1D and AveragePooling1D against plain double pooling written from TensorFlow's definition
    /// (valid and SAME padding, the padded cells taking no part in a window's max or average), hand-computed outputs
    /// that show TensorFlow's asymmetric padding, both data formats, Keras's shapes, errors and configs.</summary>
    public class Pooling1DTests
    {
        // Window o covers steps o·s − left ... o·s − left + k − 1, those inside the input; left is half (rounded down) of
        // TensorFlow's SAME total padding max((out − 1)·s + k − steps, 0).
        private static double[] Reference(double[][][] x, int pool, int strides, string padding, bool max)
        {
            int steps = x[0].Length, features = x[0][0].Length;
            int outputs = padding == "valid" ? (steps - pool) / strides + 1 : (steps + strides - 1) / strides;
            int left = padding == "same" ? Math.Max((outputs - 1) * strides + pool - steps, 0) / 2 : 0;
            var result = new List<double>();
            foreach (var sample in x)
                for (int o = 0; o < outputs; o++)
                    for (int f = 0; f < features; f++)
                    {
                        var cells = Enumerable.Range(o * strides - left, pool).Where(t => t >= 0 && t < steps).Select(t => sample[t][f]).ToArray();
                        result.Add(max ? cells.Max() : cells.Average());
                    }
            return result.ToArray();
        }

        private static double[][][] Transposed(double[][][] x)
            => x.Select(s => Enumerable.Range(0, s[0].Length).Select(f => s.Select(step => step[f]).ToArray()).ToArray()).ToArray();

        public static IEnumerable<object[]> Cases()
        {
            foreach (var padding in new[] { "valid", "same" })
                foreach (var (pool, strides) in new (int, int?)[] { (2, null), (3, null), (3, 1), (4, 1), (2, 3), (3, 2), (5, 2) })
                    yield return new object[] { padding, pool, strides! };
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void PoolsAsTensorFlowDefinesIt(string padding, int pool, int? strides)
        {
            var x = TestTensors.Random3(new Random(pool * 7 + (strides ?? 0) + padding.Length), 2, 9, 3);
            int s = strides ?? pool;
            foreach (bool max in new[] { true, false })
            {
                Pooling1D layer = max ? new MaxPooling1D(pool, strides, padding) : new AveragePooling1D(pool, strides, padding);
                var expected = Reference(x, pool, s, padding, max);
                var y = layer.Call(TestTensors.From(x)).Output;
                int outputs = expected.Length / 6;
                Assert.Equal(new long[] { 2, outputs, 3 }, y.shape);
                Assert.Equal(new int?[] { null, outputs, 3 }, layer.ComputeOutputShape(new int?[] { null, 9, 3 }));
                TestTensors.AssertClose(expected, y, 1e-6, $"{layer.GetType().Name} {padding} pool {pool} strides {s}");

                Pooling1D first = max ? new MaxPooling1D(pool, strides, padding, "channels_first") : new AveragePooling1D(pool, strides, padding, "channels_first");
                var yFirst = first.Call(TestTensors.From(Transposed(x))).Output;
                Assert.Equal(new long[] { 2, 3, outputs }, yFirst.shape);
                TestTensors.AssertClose(expected, yFirst.transpose(1, 2), 1e-6, $"channels_first {layer.GetType().Name} {padding}");
            }
        }

        [Fact]
        public void SamePaddingAveragesOnlyTheRealCellsWithTheOddPadOnTheRight()
        {
            // Rounded: float division leaves a last-bit error (7/3 over 2/3).
            static double[] Avg(float[] x, int pool, int? strides)
                => TestTensors.Values(new AveragePooling1D(pool, strides, "same").Call(tensor(x, new long[] { 1, x.Length, 1 })).Output).Select(v => Math.Round(v, 5)).ToArray();
            static float[] Max(float[] x, int pool, int? strides) => TestTensors.Values(new MaxPooling1D(pool, strides, "same").Call(tensor(x, new long[] { 1, x.Length, 1 })).Output);
            // 1..5, pool 2: one padded cell, on the right: (1,2) (3,4) (5).
            Assert.Equal(new[] { 1.5, 3.5, 5 }, Avg(new float[] { 1, 2, 3, 4, 5 }, 2, null));
            Assert.Equal(new float[] { 2, 4, 5 }, Max(new float[] { 1, 2, 3, 4, 5 }, 2, null));
            // 1..4, pool 3, stride 1: one cell each side: (1,2) (1,2,3) (2,3,4) (3,4).
            Assert.Equal(new[] { 1.5, 2, 3, 3.5 }, Avg(new float[] { 1, 2, 3, 4 }, 3, 1));
            // 1..4, pool 4, stride 1: three cells, one left and two right: (1,2,3) (1,2,3,4) (2,3,4) (3,4).
            Assert.Equal(new[] { 2, 2.5, 3, 3.5 }, Avg(new float[] { 1, 2, 3, 4 }, 4, 1));
            // Negative inputs: a padded cell never wins the max.
            Assert.Equal(new float[] { -1, -1, -2, -3 }, Max(new float[] { -1, -2, -3, -4 }, 4, 1));
            // Valid drops the incomplete window.
            Assert.Equal(new float[] { 1.5f, 3.5f }, TestTensors.Values(new AveragePooling1D().Call(tensor(new float[] { 1, 2, 3, 4, 5 }, new long[] { 1, 5, 1 })).Output));
        }

        [Fact]
        public void ShapesNamesAndErrorsAsKeras()
        {
            Assert.Equal(new int?[] { null, null, 4 }, new MaxPooling1D().ComputeOutputShape(new int?[] { null, null, 4 }));
            Assert.Equal(new int?[] { 3, 4, 5 }, new AveragePooling1D(2, padding: "same", dataFormat: "channels_first").ComputeOutputShape(new int?[] { 3, 4, 9 }));
            Assert.StartsWith("max_pooling1d", new MaxPooling1D().Name);
            Assert.StartsWith("average_pooling1d", new AveragePooling1D().Name);
            Assert.Equal(2, new MaxPooling1D(2).Strides);
            Assert.Equal(1, new MaxPooling1D(2, 1).Strides);
            Assert.Equal("same", new AveragePooling1D(padding: "SAME").Padding);
            Assert.StartsWith("The `padding` argument must be a list/tuple or one of \"valid\", \"same\". Received: causal",
                Assert.Throws<ArgumentException>(() => new MaxPooling1D(padding: "causal")).Message);
            Assert.StartsWith("The `data_format` argument must be one of", Assert.Throws<ArgumentException>(() => new AveragePooling1D(dataFormat: "x")).Message);
            Assert.Throws<ArgumentException>(() => new MaxPooling1D(0));
            Assert.StartsWith("Computed output size would be zero or negative.",
                Assert.Throws<ShapeMismatchException>(() => new MaxPooling1D(4).Build(new int?[] { null, 3, 2 })).Message);
            Assert.Throws<ShapeMismatchException>(() => new AveragePooling1D().Call(zeros(2, 4)));
            var pool = new MaxPooling1D();
            Assert.False(pool.SupportsMasking);
            Assert.Null(pool.ComputeMask(zeros(1, 4, 2), ones(1, 4, dtype: ScalarType.Bool)));
            var avg = new AveragePooling1D();
            avg.Build(new int?[] { null, 4, 2 });
            Assert.Equal(0, avg.CountParams());
        }

        [Fact]
        public void ConfigsHaveKerasKeysAndRoundTrip()
        {
            foreach (var layer in new Pooling1D[] { new MaxPooling1D(), new MaxPooling1D(3, 1, "same", "channels_first", inputShape: new int?[] { 4, 9 }), new AveragePooling1D(4, 2, "same") })
            {
                var config = layer.GetConfig();
                Assert.Equal(new[] { layer.Strides }, config["strides"]);
                Assert.Equal(new[] { layer.PoolSize }, config["pool_size"]);
                Assert.Equal((layer.Padding, layer.DataFormat), (config["padding"], config["data_format"]));
                string json = ConfigJson.Serialize(config);
                var rebuilt = LayerRegistry.Deserialize(layer.ClassName, (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(json)!);
                Assert.IsType(layer.GetType(), rebuilt);
                Assert.Equal(json, ConfigJson.Serialize(rebuilt.GetConfig()));
            }
            // Keras's aliases, sizes as lists.
            var max = Assert.IsType<MaxPooling1D>(LayerRegistry.Deserialize("MaxPool1D", (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(
                "{\"name\": \"mp\", \"pool_size\": [3], \"strides\": [1], \"padding\": \"same\", \"data_format\": \"channels_last\"}")!));
            Assert.Equal(("mp", 3, 1, "same"), (max.Name, max.PoolSize, max.Strides, max.Padding));
            var avg = Assert.IsType<AveragePooling1D>(LayerRegistry.Deserialize("AvgPool1D", (IReadOnlyDictionary<string, object?>)ConfigJson.Parse("{\"name\": \"ap\"}")!));
            Assert.Equal(("ap", 2, 2, "valid", "channels_last"), (avg.Name, avg.PoolSize, avg.Strides, avg.Padding, avg.DataFormat));
        }
    }
}
