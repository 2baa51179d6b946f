using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Export.Onnx
{
    /// <summary>Functional models (several inputs and outputs, merges, initial states as inputs, nested models, a
    /// Bidirectional of two kinds of layers, other activations) and the examples' architectures: the exported file's
    /// outputs equal Predict.</summary>
    public class FunctionalExportTests
    {
        private const int Batch = 3, Steps = 5, Features = 3, Units = 4;

        private static Tensor Floats(int seed, params int[] shape)
        {
            var rng = new Random(seed);
            int n = shape.Aggregate(1, (a, b) => a * b);
            return tensor(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), shape.Select(d => (long)d).ToArray());
        }

        // Right-padded, with holes, and one sample with no token.
        private static Tensor Tokens() => tensor(new long[] { 1, 2, 3, 0, 0, 4, 0, 5, 6, 0, 0, 0, 0, 0, 0 }, new long[] { Batch, Steps });

        private static void Check(Model model, params Tensor[] inputs)
        {
            OnnxParity.RandomizeWeights(model, seed: 7);
            OnnxParity.AssertMatchesPredict(model, inputs);
        }

        [Fact]
        public void SeveralInputsOutputsAndEveryMerge()
        {
            manual_seed(1);
            var sequence = Keras.Input(new int?[] { null, Features }, name: "sequence");
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64", name: "tokens");
            var a = new LSTM(Units).Call(sequence);
            var b = new GRU(Units).Call(new Embedding(8, Features, maskZero: true).Call(tokens));
            var merged = new KerasTensor[]
            {
                new Concatenate().Call(new[] { a, b }), new Add().Call(new[] { a, b }), new Subtract().Call(new[] { a, b }),
                new Multiply().Call(new[] { a, b }), new Average().Call(new[] { a, b }), new Maximum().Call(new[] { a, b }),
                new Minimum().Call(new[] { a, b }), new Dot(1).Call(new[] { a, b }), new Dot(1, normalize: true).Call(new[] { a, b }),
            };
            var outputs = merged.Select(m => (KerasTensor)new Dense(2, activation: "tanh").Call(m)).ToList();
            outputs.Add(a);
            using var model = new Model(new[] { sequence, tokens }, outputs);
            Check(model, Floats(2, Batch, Steps, Features), Tokens());
        }

        [Fact]
        public void MaskedSequencesMergedKeepTheirMasks()
        {
            manual_seed(1);
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var embedded = new Embedding(8, Features, maskZero: true).Call(tokens);
            var left = new SimpleRNN(Units, returnSequences: true).Call(embedded);
            var right = new GRU(Units, returnSequences: true, goBackwards: true).Call(embedded);
            var concatenated = new Concatenate().Call(new[] { left, right });
            var added = new Add().Call(new[] { left, right });
            var sequences = new Concatenate(axis: 1).Call(new[] { left, right });
            var output = new LSTM(Units).Call(new Dense(Units).Call(concatenated));
            var pooled = new GlobalAveragePooling1D().Call(added);
            var overTime = new GRU(2).Call(sequences);
            using var model = new Model(tokens, new[] { output, pooled, overTime });
            Check(model, Tokens());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void InitialStatesAreModelInputs(bool masked)
        {
            manual_seed(1);
            var h = Keras.Input(new int?[] { Units }, name: "h");
            var c = Keras.Input(new int?[] { Units }, name: "c");
            KerasTensor input, sequence;
            Tensor data;
            if (masked)
            {
                input = Keras.Input(new int?[] { null }, dtype: "int64", name: "tokens");
                sequence = new Embedding(8, Features, maskZero: true).Call(input);
                data = Tokens();
            }
            else
            {
                input = sequence = Keras.Input(new int?[] { null, Features }, name: "x");
                data = Floats(2, Batch, Steps, Features);
            }
            var lstm = new LSTM(Units, returnSequences: true, returnState: true).Call(sequence, initialState: new[] { h, c });
            var gru = new GRU(Units, returnState: true, goBackwards: true).Call(sequence, initialState: new[] { h });
            var bidirectional = new Bidirectional(new SimpleRNN(Units, returnSequences: true, returnState: true), "sum")
                .Call(sequence, initialState: new[] { h, c });
            using var model = new Model(new[] { input, h, c }, lstm.All.Concat(gru.All).Concat(bidirectional.All).ToArray());
            Check(model, data, Floats(3, Batch, Units), Floats(4, Batch, Units));
        }

        [Fact]
        public void NestedSequentialModel()
        {
            manual_seed(1);
            var inner = new Sequential(new Layer[] { new LSTM(Units, returnSequences: true), new Dense(2) });
            var input = Keras.Input(new int?[] { null, Features });
            var output = new GlobalMaxPooling1D().Call(inner.Call(new Masking().Call(input)));
            using var model = new Model(input, output);
            var data = Floats(2, Batch, Steps, Features);
            data[1, 3..].zero_();
            Check(model, data);
        }

        [Theory]
        [InlineData("concat")]
        [InlineData("ave")]
        public void BidirectionalOfTwoKindsRunsTwoOperators(string mergeMode)
        {
            manual_seed(1);
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var embedded = new Embedding(8, Features, maskZero: true).Call(tokens);
            var both = new Bidirectional(new LSTM(Units, returnSequences: true, returnState: true), mergeMode,
                backwardLayer: new GRU(Units, returnSequences: true, returnState: true, goBackwards: true)).Call(embedded);
            using var model = new Model(tokens, both.All);
            Check(model, Tokens());
        }

        [Theory]
        [InlineData("lstm_hard_sigmoid")]
        [InlineData("gru_hard_sigmoid_softsign")]
        [InlineData("simple_relu")]
        [InlineData("simple_linear")]
        [InlineData("lstm_elu_softplus")]
        [InlineData("lstm_no_bias")]
        [InlineData("gru_no_bias")]
        public void RecurrentActivations(string which)
        {
            manual_seed(1);
            RNN layer = which switch
            {
                "lstm_hard_sigmoid" => new LSTM(Units, recurrentActivation: "hard_sigmoid", returnSequences: true),
                "gru_hard_sigmoid_softsign" => new GRU(Units, activation: "softsign", recurrentActivation: "hard_sigmoid", returnSequences: true, resetAfter: false),
                "simple_relu" => new SimpleRNN(Units, activation: "relu", returnSequences: true),
                "simple_linear" => new SimpleRNN(Units, activation: "linear", returnSequences: true, goBackwards: true),
                "lstm_no_bias" => new LSTM(Units, useBias: false, returnSequences: true),
                "gru_no_bias" => new GRU(Units, useBias: false, returnSequences: true),
                _ => new LSTM(Units, activation: "elu", recurrentActivation: "softplus", returnSequences: true),
            };
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var bidirectional = new Bidirectional(layer).Call(new Embedding(8, Features, maskZero: true).Call(tokens));
            using var model = new Model(tokens, new[] { bidirectional, layer.Call(new Embedding(8, Features).Call(tokens)) });
            Check(model, Tokens());
        }

        [Fact]
        public void SharedLayersAndExplicitMasks()
        {
            manual_seed(1);
            var a = Keras.Input(new int?[] { null, Features }, name: "a");
            var b = Keras.Input(new int?[] { null, Features }, name: "b");
            var steps = Keras.Input(new int?[] { null }, name: "steps");
            var shared = new LSTM(Units, returnSequences: true, zeroOutputForMask: true);
            var sharedDense = new Dense(2);
            var fromA = sharedDense.Call(shared.Call(a, mask: steps));
            var fromB = sharedDense.Call(shared.Call(b));
            var last = new GRU(Units).Call(a, mask: steps);
            using var model = new Model(new[] { a, b, steps }, new[] { fromA, fromB, last });
            var mask = tensor(new float[] { 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1 }, new long[] { Batch, Steps });
            Check(model, Floats(2, Batch, Steps, Features), Floats(3, Batch, Steps, Features), mask);
        }

        [Fact]
        public void TaggerWithMaskingAndTimeDistributed()
        {
            manual_seed(1);
            using var model = new Sequential(new Layer[]
            {
                new Masking(maskValue: -1, inputShape: new int?[] { null, Features }), new Bidirectional(new GRU(Units, returnSequences: true, resetAfter: false)),
                new TimeDistributed(new Dense(3, activation: "softmax")),
            });
            var data = Floats(2, Batch, Steps, Features);
            data[0, 3..].fill_(-1);
            data[2, 1..].fill_(-1);
            Check(model, data);
        }

        [Theory]
        [InlineData("dot", false, false)]
        [InlineData("dot_scaled", true, true)]
        [InlineData("concat_scaled", false, true)]
        [InlineData("additive", true, false)]
        [InlineData("additive_unscaled", false, false)]
        public void AttentionOverRecurrentSequences(string which, bool causal, bool scores)
        {
            manual_seed(1);
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var other = Keras.Input(new int?[] { null }, dtype: "int64");
            var query = new GRU(Units, returnSequences: true).Call(new Embedding(8, Features, maskZero: true).Call(tokens));
            var value = new LSTM(Units, returnSequences: true).Call(new Embedding(8, Features, maskZero: true).Call(other));
            BaseDenseAttention layer = which switch
            {
                "dot" => new Attention(),
                "dot_scaled" => new Attention(useScale: true),
                "concat_scaled" => new Attention(useScale: true, scoreMode: "concat"),
                "additive" => new AdditiveAttention(),
                _ => new AdditiveAttention(useScale: false),
            };
            var attended = layer.Call(new[] { query, value, value }, returnAttentionScores: scores, useCausalMask: causal);
            var pooled = new GlobalAveragePooling1D().Call(attended.All[0]);
            using var model = new Model(new[] { tokens, other }, attended.All.Append(pooled).ToArray());
            var second = tensor(new long[] { 3, 0, 2, 1, 4, 5, 5, 5, 0, 0, 7, 6, 0, 0, 1 }, new long[] { Batch, Steps });
            Check(model, Tokens(), second);
        }

        [Fact]
        public void StackedRnnExample()
        {
            manual_seed(1);
            foreach (var kind in new[] { "lstm", "gru", "simple_rnn" })
            {
                RNN Make(bool returnSequences) => kind switch
                {
                    "gru" => new GRU(Units, returnSequences: returnSequences),
                    "simple_rnn" => new SimpleRNN(Units, returnSequences: returnSequences),
                    _ => new LSTM(Units, returnSequences: returnSequences),
                };
                using var model = new Sequential(new Layer[] { new Embedding(8, 6, maskZero: true), Make(true), Make(true), Make(false), new Dense(1, activation: "sigmoid") });
                model.Build(new int?[] { null, null });
                Check(model, Tokens());
            }
        }

        [Fact]
        public void BidirectionalClassifierExample()
        {
            manual_seed(1);
            using var model = new Sequential(new Layer[]
            {
                new Embedding(8, 6, maskZero: true, inputLength: Steps), new Bidirectional(new LSTM(Units, returnSequences: true)),
                new Bidirectional(new LSTM(Units)), new Dense(1, activation: "sigmoid"),
            });
            Check(model, Tokens());
        }

        [Fact]
        public void ConvLstmClassifierExample()
        {
            manual_seed(1);
            const int steps = 12;
            using var model = new Sequential(new Layer[]
            {
                new Embedding(8, 6, inputLength: steps), new Dropout(0.25), new Conv1D(5, 3, padding: "valid", activation: "relu", strides: 1),
                new MaxPooling1D(poolSize: 2), new LSTM(Units), new Dense(1), new Activation("sigmoid"),
            });
            var tokens = tensor(Enumerable.Range(0, Batch * steps).Select(i => (long)(i * 7 % 8)).ToArray(), new long[] { Batch, steps });
            Check(model, tokens);
        }

        [Fact]
        public void Seq2SeqExampleTrainingAndInferenceModels()
        {
            manual_seed(1);
            const int encoderTokens = 5, decoderTokens = 6;
            var encoderInputs = Keras.Input(new int?[] { null, encoderTokens });
            var encoder = new LSTM(Units, returnState: true).Call(encoderInputs);
            var encoderStates = new[] { encoder.All[1], encoder.All[2] };
            var decoderInputs = Keras.Input(new int?[] { null, decoderTokens });
            var decoderLstm = new LSTM(Units, returnSequences: true, returnState: true);
            var decoderDense = new Dense(decoderTokens, activation: "softmax");
            var decoderOutputs = decoderDense.Call(decoderLstm.Call(decoderInputs, initialState: encoderStates));
            using var model = new Model(new[] { encoderInputs, decoderInputs }, decoderOutputs);
            OnnxParity.RandomizeWeights(model, seed: 7);
            var x1 = Floats(2, Batch, Steps, encoderTokens);
            var x2 = Floats(3, Batch, 4, decoderTokens);
            OnnxParity.AssertMatchesPredict(model, new[] { x1, x2 });

            using var encoderModel = new Model(encoderInputs, encoderStates);
            OnnxParity.AssertMatchesPredict(encoderModel, new[] { x1 });
            var stateH = Keras.Input(new int?[] { Units });
            var stateC = Keras.Input(new int?[] { Units });
            var step = decoderLstm.Call(decoderInputs, initialState: new[] { stateH, stateC });
            using var decoderModel = new Model(new[] { decoderInputs, stateH, stateC }, new[] { decoderDense.Call(step), step.All[1], step.All[2] });
            OnnxParity.AssertMatchesPredict(decoderModel, new[] { Floats(5, Batch, 1, decoderTokens), Floats(6, Batch, Units), Floats(7, Batch, Units) });
        }
    }
}
