using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Layers;
using Xunit;

namespace RnnSharp.Tests.Utils
{
    /// <summary>
    /// Functional-model summaries against text that real Keras printed (Goldens/*.txt, each with its source in its
    /// header): the same models built here must print the same lines, byte for byte.
    /// </summary>
    [Collection("Names")]
    public class FunctionalSummaryTests
    {
        /// <summary>A golden file: <c># </c> header lines (the source, and the options <c>indent: N</c>,
        /// <c>trim: true</c>, <c>prefix: true</c>), a <c>----</c> line, then the printed text.</summary>
        private sealed record Golden(IReadOnlyList<string> Lines, bool Trim, bool Prefix);

        private static Golden Load(string name)
        {
            var all = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Utils", "Goldens", name)).Split('\n');
            int separator = Array.IndexOf(all, "----");
            var header = all.Take(separator).Select(l => l.TrimStart('#', ' ')).ToList();
            int indent = header.Where(h => h.StartsWith("indent: ", StringComparison.Ordinal)).Select(h => int.Parse(h[8..])).FirstOrDefault();
            var body = all.Skip(separator + 1).ToList();
            if (body.Count > 0 && body[^1].Length == 0) body.RemoveAt(body.Count - 1);
            // A notebook's indentation is not Keras's: blank lines stay blank, every other line loses the indent.
            var lines = body.Select(l => l.Length == 0 ? l : l.StartsWith(new string(' ', indent), StringComparison.Ordinal) ? l[indent..]
                : throw new InvalidDataException($"{name}: line not indented by {indent}: \"{l}\"")).ToList();
            return new Golden(lines, header.Contains("trim: true"), header.Contains("prefix: true"));
        }

        private static List<string> Capture(params Model[] models)
        {
            var lines = new List<string>();
            foreach (var model in models)
            {
                if (lines.Count > 0) lines.Add("");
                model.Summary(printFn: lines.Add);
            }
            return lines;
        }

        private static List<string> CaptureExpanded(Model model)
        {
            var lines = new List<string>();
            model.Summary(expandNested: true, printFn: lines.Add);
            return lines;
        }

        private static void AssertGolden(string name, IReadOnlyList<string> actual)
        {
            var golden = Load(name);
            var got = golden.Prefix ? actual.Take(golden.Lines.Count).ToList() : actual.ToList();
            Func<string, string> norm = golden.Trim ? s => s.TrimEnd() : s => s;
            for (int i = 0; i < Math.Min(golden.Lines.Count, got.Count); i++)
                Assert.True(norm(golden.Lines[i]) == norm(got[i]), $"{name}, line {i + 1}:\nexpected \"{golden.Lines[i]}\"\nactual   \"{got[i]}\"");
            Assert.Equal(golden.Lines.Count, got.Count);
        }

        // The Keras lstm_seq2seq example's training model (character level, one-hot tokens).
        private static Model CharSeq2Seq(int encoderTokens, int decoderTokens, int latentDim = 256)
        {
            var encoderInputs = Keras.Input(new int?[] { null, encoderTokens });
            var (_, stateH, stateC) = new LSTM(latentDim, returnState: true).Call(encoderInputs);
            var decoderInputs = Keras.Input(new int?[] { null, decoderTokens });
            var (decoderOutputs, _, _) = new LSTM(latentDim, returnSequences: true, returnState: true)
                .Call(decoderInputs, initialState: new[] { stateH, stateC });
            KerasTensor outputs = new Dense(decoderTokens, activation: "softmax").Call(decoderOutputs);
            return new Model(new[] { encoderInputs, decoderInputs }, new[] { outputs });
        }

        [Fact]
        public void Seq2SeqTrainingModelsAsKerasPrintedThem()
        {
            Backend.ClearSession();
            AssertGolden("seq2seq_char_52_32.txt", Capture(CharSeq2Seq(52, 32)));
            Backend.ClearSession();
            AssertGolden("seq2seq_char_820_1615.txt", Capture(CharSeq2Seq(820, 1615)));
        }

        [Fact]
        public void WordSeq2SeqWithMaskingItsEncoderAndItsInferenceDecoder()
        {
            Backend.ClearSession();
            var encoderInputs = Keras.Input(new int?[] { null });
            KerasTensor encEmb = new Embedding(4514, 256, inputLength: 8).Call(encoderInputs);
            KerasTensor encMasking = new Masking(maskValue: 0.0).Call(encEmb);
            var (_, stateH, stateC) = new LSTM(256, returnState: true).Call(encMasking);
            var encoderStates = new[] { stateH, stateC };

            var decoderInputs = Keras.Input(new int?[] { null });
            KerasTensor decEmb = new Embedding(7263, 256).Call(decoderInputs);
            KerasTensor decMasking = new Masking(maskValue: 0.0).Call(decEmb);
            var decoderLstm = new LSTM(256, returnSequences: true, returnState: true);
            var (decoderOutputs, _, _) = decoderLstm.Call(decMasking, initialState: encoderStates);
            var softmax = new Dense(7263, activation: "softmax");
            var model = new Model(new[] { encoderInputs, decoderInputs }, new[] { softmax.Call(decoderOutputs).Output });

            var encoderModel = new Model(new[] { encoderInputs }, encoderStates);

            var stateInputH = Keras.Input(new int?[] { 256 });
            var stateInputC = Keras.Input(new int?[] { 256 });
            KerasTensor decEmb2 = new Embedding(7263, 256).Call(decoderInputs);
            var (decoderOutputs2, stateH2, stateC2) = decoderLstm.Call(decEmb2, initialState: new[] { stateInputH, stateInputC });
            var decoderModel = new Model(
                new[] { decoderInputs, stateInputH, stateInputC }, new[] { softmax.Call(decoderOutputs2).Output, stateH2, stateC2 });

            AssertGolden("seq2seq_words_masking.txt", Capture(model, encoderModel, decoderModel));
        }

        [Fact]
        public void StackedEncoderLstmsAndTimeDistributedDecoder()
        {
            Backend.ClearSession();
            const int maxTextLen = 100, xVoc = 29638, yVoc = 12883, embeddingDim = 200, latentDim = 300;
            var encoderInputs = Keras.Input(new int?[] { maxTextLen });
            KerasTensor encEmb = new Embedding(xVoc, embeddingDim).Call(encoderInputs);
            var (encoderOutput1, _, _) = new LSTM(latentDim, returnSequences: true, returnState: true, dropout: 0.4, recurrentDropout: 0.4).Call(encEmb);
            var (encoderOutput2, _, _) = new LSTM(latentDim, returnSequences: true, returnState: true, dropout: 0.4, recurrentDropout: 0.4).Call(encoderOutput1);
            var (_, stateH, stateC) = new LSTM(latentDim, returnState: true, returnSequences: true, dropout: 0.4, recurrentDropout: 0.4).Call(encoderOutput2);

            var decoderInputs = Keras.Input(new int?[] { null });
            KerasTensor decEmb = new Embedding(yVoc, embeddingDim).Call(decoderInputs);
            var (decoderOutputs, _, _) = new LSTM(latentDim, returnSequences: true, returnState: true, dropout: 0.4, recurrentDropout: 0.2)
                .Call(decEmb, initialState: new[] { stateH, stateC });
            KerasTensor outputs = new TimeDistributed(new Dense(yVoc, activation: "softmax")).Call(decoderOutputs);
            var model = new Model(new[] { encoderInputs, decoderInputs }, new[] { outputs });

            AssertGolden("text_summarization_3_lstm.txt", Capture(model));
        }

        [Fact]
        public void SharedMaskingIsMultipleAndFrozenEmbeddingsAreNonTrainable()
        {
            Backend.ClearSession();
            const int maxLenText = 300, latentDim = 300, xVoc = 140540, yVoc = 67947;
            var encoderInputs = Keras.Input(new int?[] { maxLenText });
            var mask = new Masking(maskValue: 0);
            KerasTensor encoderEmbedding = new Embedding(xVoc, latentDim, trainable: false).Call(mask.Call(encoderInputs).Output);
            var (_, hState, cState) = new LSTM(latentDim, returnSequences: true, returnState: true, name: "lstm1").Call(encoderEmbedding);

            var decoderInputs = Keras.Input(new int?[] { null });
            KerasTensor decEmb = new Embedding(yVoc, latentDim, trainable: false).Call(mask.Call(decoderInputs).Output);
            var (decoderLstmOutputs, _, _) = new LSTM(latentDim, returnSequences: true, returnState: true, name: "decoder_lstm")
                .Call(decEmb, initialState: new[] { hState, cState });
            KerasTensor outputs = new TimeDistributed(new Dense(yVoc, activation: "softmax")).Call(decoderLstmOutputs);
            var model = new Model(new[] { encoderInputs, decoderInputs }, new[] { outputs });

            AssertGolden("shared_masking_frozen_embeddings.txt", Capture(model));
        }

        [Fact]
        public void SequentialModelsCalledOnInputsAreOneRowEach()
        {
            Backend.ClearSession();
            static Sequential Tower() => new(new Layer[] { new Dense(256, activation: "relu"), new Dense(128, activation: "relu"), new Dense(32) });
            var userNN = Tower();
            var itemNN = Tower();
            var inputUser = Keras.Input(new int?[] { 14 });
            KerasTensor vu = userNN.Call(inputUser);
            var inputItem = Keras.Input(new int?[] { 16 });
            KerasTensor vm = itemNN.Call(inputItem);
            var model = new Model(new[] { inputUser, inputItem }, new[] { vu, vm });

            AssertGolden("two_towers_sequential_prefix.txt", Capture(model));
        }

        [Fact]
        public void ExpandNestedListsTheLayersOfModelsInModels()
        {
            Backend.ClearSession();
            var innerInputs = Keras.Input(new int?[] { 10, 3 });
            static Model MakeModel()
            {
                var inputs = Keras.Input(new int?[] { 10, 3 });
                KerasTensor x = new TimeDistributed(new Dense(4)).Call(inputs);
                return new Model(inputs, new LSTM(8).Call(x));
            }
            var innerModel = new Model(innerInputs, MakeModel().Call(innerInputs));
            var inputs = Keras.Input(new int?[] { 10, 3 });
            var model = new Model(inputs, innerModel.Call(inputs));

            AssertGolden("expand_nested_functional_in_functional.txt", CaptureExpanded(model));
            // The classic layout shows a nested model as one row (hand-derived from TF 2.6's print_row).
            Assert.Equal(new[]
            {
                "Model: \"model_2\"",
                "_________________________________________________________________",
                "Layer (type)                 Output Shape              Param #   ",
                "=================================================================",
                "input_3 (InputLayer)         [(None, 10, 3)]           0         ",
                "_________________________________________________________________",
                "model_1 (Functional)         (None, 8)                 432       ",
                "=================================================================",
                "Total params: 432",
                "Trainable params: 432",
                "Non-trainable params: 0",
                "_________________________________________________________________",
            }, Capture(model));
        }

        [Fact]
        public void ExpandNestedWrapsConnectionsAndListsASharedSequential()
        {
            Backend.ClearSession();
            var a = Keras.Input(new int?[] { 10 });
            var b = Keras.Input(new int?[] { 10 });
            var tower = new Sequential(new Layer[] { new Dense(8, activation: "relu"), new Dropout(0.5), new Dense(4) });
            KerasTensor ya = tower.Call(a);
            KerasTensor yb = tower.Call(b);
            var model = new Model(new[] { a, b }, new[] { ya, yb });

            AssertGolden("expand_nested_shared_sequential.txt", CaptureExpanded(model));
        }
    }
}
