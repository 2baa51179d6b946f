using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Reshaping
{
    /// <summary>RepeatVector, Flatten, Reshape and Permute: values against index arithmetic on plain arrays, Keras's
    /// output shapes and errors, configs.</summary>
    public class ReshapingTests
    {
        // Values 0, 1, 2, ... in row-major order, so each element names its own position.
        private static Tensor Counting(params long[] shape) => arange(shape.Aggregate(1L, (a, b) => a * b), dtype: ScalarType.Float32).reshape(shape);

        private static float[] Values(Tensor t) => TestTensors.Values(t);

        [Fact]
        public void RepeatVectorRepeatsEachSampleAlongANewTimeAxis()
        {
            var y = new RepeatVector(4).Call(Counting(2, 3)).Output;
            Assert.Equal(new long[] { 2, 4, 3 }, y.shape);
            var v = Values(y);
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < 4; t++)
                    for (int f = 0; f < 3; f++)
                        Assert.Equal(b * 3 + f, v[(b * 4 + t) * 3 + f]);
            Assert.Equal(new int?[] { null, 4, 3 }, new RepeatVector(4).ComputeOutputShape(new int?[] { null, 3 }));
            Assert.Throws<ShapeMismatchException>(() => new RepeatVector(2).Call(Counting(2, 3, 4)));
        }

        [Fact]
        public void FlattenKeepsRowMajorOrderAndMovesChannelsLastForChannelsFirst()
        {
            var x = Counting(2, 3, 4);
            var y = new Flatten().Call(x).Output;
            Assert.Equal(new long[] { 2, 12 }, y.shape);
            Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i), Values(y));
            var first = new Flatten(dataFormat: "channels_first").Call(x).Output;
            var v = Values(first);
            // channels_first (batch, channels=3, steps=4): flattened as (batch, steps, channels).
            for (int b = 0; b < 2; b++)
                for (int s = 0; s < 4; s++)
                    for (int c = 0; c < 3; c++)
                        Assert.Equal(b * 12 + c * 4 + s, v[b * 12 + s * 3 + c]);
            Assert.Equal(new long[] { 3, 1 }, new Flatten().Call(Counting(3)).Output.shape);
            Assert.Equal(new int?[] { null, 12 }, new Flatten().ComputeOutputShape(new int?[] { null, 3, 4 }));
            Assert.Equal(new int?[] { null, null }, new Flatten().ComputeOutputShape(new int?[] { null, null, 4 }));
            Assert.StartsWith("The `data_format` argument must be one of", Assert.Throws<ArgumentException>(() => new Flatten(dataFormat: "nhwc")).Message);
        }

        [Fact]
        public void ReshapeInfersOneUnknownDimensionWithKerasErrors()
        {
            var y = new Reshape(new[] { -1, 2 }).Call(Counting(2, 12)).Output;
            Assert.Equal(new long[] { 2, 6, 2 }, y.shape);
            Assert.Equal(Enumerable.Range(0, 24).Select(i => (float)i), Values(y));
            Assert.Equal(new int?[] { null, 3, 4 }, new Reshape(new[] { 3, 4 }).ComputeOutputShape(new int?[] { null, 12 }));
            Assert.Equal(new int?[] { null, null, 4 }, new Reshape(new[] { -1, 4 }).ComputeOutputShape(new int?[] { null, null, 4 }));
            var two = Assert.Throws<ArgumentException>(() => new Reshape(new[] { -1, -1 }));
            Assert.StartsWith("There must be at most one unknown dimension in output_shape. Received: output_shape=[-1, -1].", two.Message);
            var size = Assert.Throws<ShapeMismatchException>(() => new Reshape(new[] { 5 }, name: "r").ComputeOutputShape(new int?[] { null, 12 }));
            Assert.Equal("Layer \"r\": total size of new array must be unchanged, input_shape = [12], output_shape = [5]", size.Message);
        }

        [Fact]
        public void PermuteReordersTheSampleAxes()
        {
            var y = new Permute(new[] { 2, 1 }).Call(Counting(2, 3, 4)).Output;
            Assert.Equal(new long[] { 2, 4, 3 }, y.shape);
            var v = Values(y);
            for (int b = 0; b < 2; b++)
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 3; j++)
                        Assert.Equal(b * 12 + j * 4 + i, v[(b * 4 + i) * 3 + j]);
            Assert.Equal(new int?[] { null, 4, 3 }, new Permute(new[] { 2, 1 }).ComputeOutputShape(new int?[] { null, 3, 4 }));
            var bad = Assert.Throws<ArgumentException>(() => new Permute(new[] { 0, 1 }));
            Assert.StartsWith("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims=(0, 1)", bad.Message);
        }

        [Fact]
        public void ConfigsRoundTripThroughTheRegistry()
        {
            foreach (var layer in new Layer[] { new RepeatVector(3), new Flatten(dataFormat: "channels_first"), new Reshape(new[] { -1, 2 }), new Permute(new[] { 2, 1 }) })
            {
                var config = layer.GetConfig();
                var rebuilt = LayerRegistry.Deserialize(layer.ClassName, ConfigJsonRoundTrip(config));
                Assert.Equal(RnnSharp.Saving.ConfigJson.Serialize(config), RnnSharp.Saving.ConfigJson.Serialize(rebuilt.GetConfig()));
            }
        }

        private static IReadOnlyDictionary<string, object?> ConfigJsonRoundTrip(Dictionary<string, object?> config)
            => (IReadOnlyDictionary<string, object?>)RnnSharp.Saving.ConfigJson.Parse(RnnSharp.Saving.ConfigJson.Serialize(config))!;

        [Fact]
        public void AnLstmAutoencoderStacksWithRepeatVector()
        {
            var model = new Sequential(new Layer[]
            {
                new LSTM(8, inputShape: new int?[] { 5, 2 }),
                new RepeatVector(5),
                new LSTM(8, returnSequences: true),
                new TimeDistributed(new Dense(2)),
            });
            Assert.Equal(new int?[] { null, 5, 2 }, model.OutputShape);
            // LSTM(8) on 2 features, LSTM(8) on 8, Dense(2) on 8.
            Assert.Equal(4 * (8 * (2 + 8) + 8) + 4 * (8 * (8 + 8) + 8) + 8 * 2 + 2, model.CountParams());
            Assert.Equal(new long[] { 3, 5, 2 }, model.Predict(randn(3, 5, 2)).shape);
        }
    }
}
