using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Pooling
{
    /// <summary>GlobalAveragePooling1D and GlobalMaxPooling1D: values against plain double loops (masked averages
    /// included), both data formats, keepdims shapes, Keras's errors and configs, and a masked Embedding model whose
    /// padded batch pools as the unpadded sequences.</summary>
    public class PoolingTests
    {
        private const int Batch = 3, Steps = 5, Features = 4;

        private static double[][][] Data() => TestTensors.Random3(new Random(7), Batch, Steps, Features);

        // (batch, steps, features) to (batch, features, steps).
        private static double[][][] Transposed(double[][][] x)
            => x.Select(s => Enumerable.Range(0, s[0].Length).Select(f => s.Select(step => step[f]).ToArray()).ToArray()).ToArray();

        // Row 0 fully valid, row 1 right-padded after 3 steps, row 2 with masked steps inside.
        private static readonly bool[][] MaskRows =
        {
            new[] { true, true, true, true, true },
            new[] { true, true, true, false, false },
            new[] { false, true, false, true, true },
        };

        private static double[] Average(double[][][] x, bool[][]? mask)
        {
            var result = new List<double>();
            for (int b = 0; b < x.Length; b++)
                for (int f = 0; f < x[b][0].Length; f++)
                {
                    double sum = 0;
                    int count = 0;
                    for (int t = 0; t < x[b].Length; t++)
                        if (mask is null || mask[b][t])
                        {
                            sum += x[b][t][f];
                            count++;
                        }
                    result.Add(sum / count);
                }
            return result.ToArray();
        }

        private static double[] Max(double[][][] x)
        {
            var result = new List<double>();
            for (int b = 0; b < x.Length; b++)
                for (int f = 0; f < x[b][0].Length; f++)
                    result.Add(x[b].Max(step => step[f]));
            return result.ToArray();
        }

        [Fact]
        public void GlobalAveragePoolingAveragesTheSteps()
        {
            var x = Data();
            var y = new GlobalAveragePooling1D().Call(TestTensors.From(x)).Output;
            Assert.Equal(new long[] { Batch, Features }, y.shape);
            TestTensors.AssertClose(Average(x, null), y, 1e-6, "mean");
        }

        [Fact]
        public void GlobalAveragePoolingAveragesOnlyTheUnmaskedSteps()
        {
            var x = Data();
            var layer = new GlobalAveragePooling1D();
            var input = TestTensors.From(x);
            var mask = TestTensors.Mask(MaskRows);
            var y = layer.Call(input, mask).Output;
            var expected = Average(x, MaskRows);
            TestTensors.AssertClose(expected, y, 1e-6, "masked mean");
            // The masked rows differ from the plain mean, the fully valid row does not.
            var plain = Average(x, null);
            Assert.Equal(plain.Take(Features), expected.Take(Features));
            Assert.True(expected.Skip(Features).Zip(plain.Skip(Features)).All(p => Math.Abs(p.First - p.Second) > 1e-4));
            Assert.Null(layer.ComputeMask(input, mask));
        }

        [Fact]
        public void ChannelsFirstPoolsTheLastAxisWithAMask()
        {
            var x = Data();
            var first = TestTensors.From(Transposed(x));
            var mask = TestTensors.Mask(MaskRows);
            var avg = new GlobalAveragePooling1D(dataFormat: "channels_first").Call(first, mask).Output;
            Assert.Equal(new long[] { Batch, Features }, avg.shape);
            TestTensors.AssertClose(Average(x, MaskRows), avg, 1e-6, "channels_first masked mean");
            TestTensors.AssertClose(Average(x, null), new GlobalAveragePooling1D(dataFormat: "channels_first").Call(first).Output, 1e-6, "channels_first mean");
            TestTensors.AssertClose(Max(x), new GlobalMaxPooling1D(dataFormat: "Channels_First").Call(first).Output, 1e-6, "channels_first max");
        }

        [Fact]
        public void GlobalMaxPoolingTakesTheMaximumAndIgnoresTheMask()
        {
            var x = Data();
            // Make a masked step hold the row's maximum: tf-keras's GlobalMaxPooling1D still takes it.
            x[1][4][0] = 10;
            var layer = new GlobalMaxPooling1D();
            var y = layer.Call(TestTensors.From(x), TestTensors.Mask(MaskRows)).Output;
            Assert.Equal(new long[] { Batch, Features }, y.shape);
            TestTensors.AssertClose(Max(x), y, 1e-6, "max");
            Assert.Equal(10f, TestTensors.Values(y)[Features]);
            Assert.Null(layer.ComputeMask(TestTensors.From(x), TestTensors.Mask(MaskRows)));
        }

        [Fact]
        public void KeepdimsKeepsTheStepsAxis()
        {
            var x = TestTensors.From(Data());
            var first = TestTensors.From(Transposed(Data()));
            Assert.Equal(new long[] { Batch, 1, Features }, new GlobalAveragePooling1D(keepdims: true).Call(x, TestTensors.Mask(MaskRows)).Output.shape);
            Assert.Equal(new long[] { Batch, 1, Features }, new GlobalMaxPooling1D(keepdims: true).Call(x).Output.shape);
            Assert.Equal(new long[] { Batch, Features, 1 }, new GlobalAveragePooling1D("channels_first", keepdims: true).Call(first, TestTensors.Mask(MaskRows)).Output.shape);
            Assert.Equal(new long[] { Batch, Features, 1 }, new GlobalMaxPooling1D("channels_first", keepdims: true).Call(first).Output.shape);
            TestTensors.AssertClose(Average(Data(), MaskRows), new GlobalAveragePooling1D(keepdims: true).Call(x, TestTensors.Mask(MaskRows)).Output, 1e-6, "keepdims masked mean");

            Assert.Equal(new int?[] { null, 4 }, new GlobalAveragePooling1D().ComputeOutputShape(new int?[] { null, null, 4 }));
            Assert.Equal(new int?[] { null, 1, 4 }, new GlobalMaxPooling1D(keepdims: true).ComputeOutputShape(new int?[] { null, null, 4 }));
            Assert.Equal(new int?[] { null, 4 }, new GlobalMaxPooling1D("channels_first").ComputeOutputShape(new int?[] { null, 4, null }));
            Assert.Equal(new int?[] { null, 4, 1 }, new GlobalAveragePooling1D("channels_first", true).ComputeOutputShape(new int?[] { null, 4, null }));
        }

        [Fact]
        public void KerasNamesAndErrors()
        {
            Assert.StartsWith("global_average_pooling1d", new GlobalAveragePooling1D().Name);
            Assert.StartsWith("global_max_pooling1d", new GlobalMaxPooling1D().Name);
            Assert.StartsWith("The `data_format` argument must be one of", Assert.Throws<ArgumentException>(() => new GlobalAveragePooling1D("nhwc")).Message);
            Assert.Throws<ShapeMismatchException>(() => new GlobalMaxPooling1D().Call(zeros(2, 3)));
            Assert.Throws<ShapeMismatchException>(() => new GlobalAveragePooling1D().Call(zeros(2, 3, 4, 5)));
            var empty = Assert.Throws<ShapeMismatchException>(() => new GlobalAveragePooling1D().Build(new int?[] { null, 0, 4 }));
            Assert.Equal("Incorrect input shape (None, 0, 4) with dimension 0 at reduction axis 1.", empty.Message);
        }

        [Fact]
        public void ConfigsRoundTripThroughTheRegistry()
        {
            var layers = new Layer[] { new GlobalAveragePooling1D(), new GlobalAveragePooling1D("channels_first", keepdims: true), new GlobalMaxPooling1D(keepdims: true), new GlobalMaxPooling1D("channels_first") };
            foreach (var layer in layers)
            {
                var config = layer.GetConfig();
                Assert.Equal(((GlobalPooling1D)layer).DataFormat, config["data_format"]);
                Assert.Equal(((GlobalPooling1D)layer).Keepdims, config["keepdims"]);
                var rebuilt = LayerRegistry.Deserialize(layer.ClassName, ConfigJsonRoundTrip(config));
                Assert.IsType(layer.GetType(), rebuilt);
                Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(rebuilt.GetConfig()));
            }
            // A Keras config naming the alias, with Keras's keys.
            var alias = LayerRegistry.Deserialize("GlobalAvgPool1D", ConfigJsonRoundTrip(new Dictionary<string, object?>
            {
                ["name"] = "gap", ["trainable"] = true, ["dtype"] = "float32", ["data_format"] = "channels_first", ["keepdims"] = true,
            }));
            var gap = Assert.IsType<GlobalAveragePooling1D>(alias);
            Assert.Equal(("gap", "channels_first", true), (gap.Name, gap.DataFormat, gap.Keepdims));
        }

        private static IReadOnlyDictionary<string, object?> ConfigJsonRoundTrip(Dictionary<string, object?> config)
            => (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(ConfigJson.Serialize(config))!;

        [Fact]
        public void AMaskedEmbeddingModelPoolsARightPaddedBatchAsTheUnpaddedSequences()
        {
            Backend.SetRandomSeed(3);
            var model = new Sequential(new Layer[]
            {
                new Embedding(20, 4, maskZero: true),
                new GlobalAveragePooling1D(),
                new Dense(2),
            });
            var padded = tensor(new long[] { 3, 7, 9, 4, 0, 0, 5, 2, 0, 0, 0, 0, 8, 1, 6, 11, 12, 13 }, new long[] { 3, 6 });
            var y = model.Call(padded);
            Assert.Equal(new long[] { 3, 2 }, y.shape);
            var sequences = new[] { new long[] { 3, 7, 9, 4 }, new long[] { 5, 2 }, new long[] { 8, 1, 6, 11, 12, 13 } };
            for (int i = 0; i < sequences.Length; i++)
            {
                var alone = model.Call(tensor(sequences[i], new long[] { 1, sequences[i].Length }));
                Assert.True(y[i].allclose(alone[0], rtol: 0, atol: 1e-6), $"sample {i}");
            }
            // Without the mask the padding's embeddings would enter the average.
            var unmasked = new Sequential(new Layer[] { new Embedding(20, 4), new GlobalAveragePooling1D(), new Dense(2) });
            unmasked.SetWeights(model.GetWeights());
            Assert.False(unmasked.Call(padded)[0].allclose(y[0], rtol: 0, atol: 1e-4));
        }
    }
}
