using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Export.Onnx
{
    /// <summary>SimpleRNN, LSTM and GRU (both reset rules), alone and in Bidirectional (every merge mode), with and without
    /// masks: the exported file's outputs equal Predict.</summary>
    public class RecurrentExportTests
    {
        private const int Batch = 3, Steps = 5, Features = 3, Units = 4, Vocabulary = 7;

        public enum Kind { SimpleRnn, Lstm, GruResetAfter, GruResetBefore }

        /// <summary>How the batch is masked: not at all, right-padded (Embedding maskZero or Masking), or with holes and
        /// left padding (and a sample with no step at all).</summary>
        public enum Masks { None, EmbeddingRightPadded, MaskingRightPadded, EmbeddingHoles }

        private static RNN Make(Kind kind, bool returnSequences, bool returnState, bool goBackwards) => kind switch
        {
            Kind.SimpleRnn => new SimpleRNN(Units, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards),
            Kind.Lstm => new LSTM(Units, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards),
            Kind.GruResetAfter => new GRU(Units, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, resetAfter: true),
            _ => new GRU(Units, returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, resetAfter: false),
        };

        /// <summary>The model input and the sequence the recurrent layer reads, for <paramref name="masks"/>.</summary>
        internal static (KerasTensor Input, KerasTensor Sequence, Tensor Data) Front(Masks masks, int seed)
        {
            var rng = new Random(seed);
            switch (masks)
            {
                case Masks.None:
                    {
                        var input = Keras.Input(new int?[] { null, Features });
                        return (input, input, TestTensors.From(TestTensors.Random3(rng, Batch, Steps, Features)));
                    }
                case Masks.MaskingRightPadded:
                    {
                        var input = Keras.Input(new int?[] { null, Features });
                        var data = TestTensors.Random3(rng, Batch, Steps, Features);
                        int[] lengths = { 5, 3, 1 };
                        for (int b = 0; b < Batch; b++)
                            for (int t = lengths[b]; t < Steps; t++) data[b][t] = new double[Features];
                        return (input, new Masking().Call(input), TestTensors.From(data));
                    }
                default:
                    {
                        var input = Keras.Input(new int?[] { null }, dtype: "int64");
                        long[] tokens = masks == Masks.EmbeddingRightPadded
                            ? new long[] { 1, 2, 3, 4, 5, 6, 2, 0, 0, 0, 3, 0, 0, 0, 0 }
                            : new long[] { 0, 0, 3, 4, 5, 6, 0, 2, 0, 1, 0, 0, 0, 0, 0 };
                        var sequence = new Embedding(Vocabulary, Features, maskZero: true).Call(input);
                        return (input, sequence, tensor(tokens, new long[] { Batch, Steps }));
                    }
            }
        }

        public static IEnumerable<object[]> SingleCases()
        {
            foreach (Kind kind in Enum.GetValues<Kind>())
                foreach (bool sequences in new[] { false, true })
                    foreach (bool state in new[] { false, true })
                        foreach (bool backwards in new[] { false, true })
                            foreach (Masks masks in Enum.GetValues<Masks>())
                                yield return new object[] { kind, sequences, state, backwards, masks };
        }

        [Theory]
        [MemberData(nameof(SingleCases))]
        public void RecurrentLayerMatchesPredict(Kind kind, bool returnSequences, bool returnState, bool goBackwards, Masks masks)
        {
            manual_seed(1);
            var (input, sequence, data) = Front(masks, seed: 2);
            var result = Make(kind, returnSequences, returnState, goBackwards).Call(sequence);
            using var model = new Model(input, result.All);
            OnnxParity.RandomizeWeights(model, seed: 3);
            OnnxParity.AssertMatchesPredict(model, new[] { data });
        }

        public static IEnumerable<object?[]> BidirectionalCases()
        {
            foreach (Kind kind in Enum.GetValues<Kind>())
                foreach (string? merge in new[] { "concat", "sum", "mul", "ave", null })
                    foreach (bool sequences in new[] { false, true })
                        foreach (Masks masks in Enum.GetValues<Masks>())
                            // States with two merge modes: they do not depend on the merge.
                            foreach (bool state in merge is "concat" or null ? new[] { false, true } : new[] { false })
                                yield return new object?[] { kind, merge, sequences, state, masks };
        }

        [Theory]
        [MemberData(nameof(BidirectionalCases))]
        public void BidirectionalMatchesPredict(Kind kind, string? mergeMode, bool returnSequences, bool returnState, Masks masks)
        {
            manual_seed(1);
            var (input, sequence, data) = Front(masks, seed: 2);
            var result = new Bidirectional(Make(kind, returnSequences, returnState, goBackwards: false), mergeMode).Call(sequence);
            using var model = new Model(input, result.All);
            OnnxParity.RandomizeWeights(model, seed: 3);
            OnnxParity.AssertMatchesPredict(model, new[] { data });
        }
    }
}
