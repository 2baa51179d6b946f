using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary>The attention layers in functional encoder-decoder models: masks from <c>Embedding(maskZero)</c> flow
    /// through them, the summary shows Keras's rows and parameter counts, the model trains with <c>Fit</c>, and it
    /// round-trips through Keras 2 HDF5 and RnnSharp's format with identical predictions.</summary>
    [Collection("Names")]
    public class AttentionModelTests
    {
        private static readonly Tensor EncoderIds = tensor(new long[] { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8, 9, 1, 0, 0, 0 }, new long[] { 3, 5 });
        private static readonly Tensor DecoderIds = tensor(new long[] { 2, 3, 0, 4, 4, 5, 1, 0, 0 }, new long[] { 3, 3 });

        private static Model EncoderDecoder(Func<KerasTensor, KerasTensor, KerasTensor> attend)
        {
            var encoderIn = Keras.Input(new int?[] { 5 }, dtype: "int64");
            var decoderIn = Keras.Input(new int?[] { 3 }, dtype: "int64");
            KerasTensor encoded = new LSTM(4, returnSequences: true).Call(new Embedding(10, 6, maskZero: true).Call(encoderIn));
            KerasTensor decoded = new LSTM(4, returnSequences: true).Call(new Embedding(10, 6, maskZero: true).Call(decoderIn));
            KerasTensor context = attend(decoded, encoded);
            KerasTensor joined = new Concatenate().Call(new[] { decoded, context });
            var output = new Dense(2).Call(joined);
            return new Model(new[] { encoderIn, decoderIn }, new[] { output });
        }

        public static IEnumerable<object[]> Attentions() => new[]
        {
            new object[] { "Attention" }, new object[] { "AdditiveAttention" }, new object[] { "MultiHeadAttention" },
        };

        private static Func<KerasTensor, KerasTensor, KerasTensor> Attend(string kind) => kind switch
        {
            "Attention" => (q, v) => new RnnSharp.Layers.Attention(useScale: true).Call(new[] { q, v }),
            "AdditiveAttention" => (q, v) => new AdditiveAttention().Call(new[] { q, v }),
            _ => (q, v) => new MultiHeadAttention(2, 3).Call(new[] { q, v }),
        };

        [Theory]
        [MemberData(nameof(Attentions))]
        public void AnEncoderDecoderModelBuildsTrainsAndRoundTrips(string kind)
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(31);
            using var model = EncoderDecoder(Attend(kind));
            var attention = model.Layers.Single(l => l.ClassName == kind);
            Assert.Equal(new int?[] { null, 3, 2 }, model.Outputs[0].Shape.ToArray());
            // The attention output carries the decoder's (the query's) mask.
            Assert.NotNull(attention.InboundNodes[0].Outputs[0].MaskShape);

            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            string snake = RnnSharp.Utils.NameUtils.ToSnakeCase(kind);
            // Keras 2's summary cuts the "name (type)" column at 31 characters.
            var row = lines.Single(l => l.StartsWith($"{snake} (", StringComparison.Ordinal));
            Assert.StartsWith($"{snake} ({kind})"[..Math.Min(31, snake.Length + kind.Length + 3)], row, StringComparison.Ordinal);
            long expectedParams = kind switch { "Attention" => 1, "AdditiveAttention" => 4, _ => 3 * (4 * 6 + 6) + (2 * 3 * 4 + 4) };
            Assert.Equal(expectedParams, attention.CountParams());
            Assert.Contains("(None, 3, 4)", row);
            Assert.Contains(expectedParams.ToString(System.Globalization.CultureInfo.InvariantCulture), row);
            Assert.Contains("lstm_1[0][0]", row);
            // The second input (the value) is listed on the next line, as Keras prints a layer with several inputs.
            Assert.Contains("lstm[0][0]", lines[lines.IndexOf(row) + 1]);

            var y = ones(3, 3, 2) * 0.5;
            model.Compile("adam", "mse");
            var before = attention.GetWeights().Select(TestTensors.Values).ToArray();
            var history = model.Fit(new[] { EncoderIds, DecoderIds }, new[] { y }, batchSize: 3, epochs: 3, verbose: 0);
            Assert.Equal(3, history.Values["loss"].Count);
            // Training moved the attention layer's weights.
            Assert.NotEqual(before.SelectMany(w => w), attention.GetWeights().SelectMany(TestTensors.Values));

            // RnnSharp's format, Keras 2 .h5, Keras 3 .keras and .weights.h5: same config, weights and predictions.
            RnnSharp.Tests.Saving.NewLayerFilesTests.AssertRoundTrips(model, EncoderIds, DecoderIds);
        }
    }
}
