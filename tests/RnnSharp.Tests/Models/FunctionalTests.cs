using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Layers.Rnn;
using RnnSharp.Tests.Support;
using PureHDF;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Models
{
    /// <summary>The functional API: symbolic calls, graphs, shared layers, nested models, masks, names and errors,
    /// checked against plain-double references of the layers' equations.</summary>
    [Collection("Names")]
    public class FunctionalTests
    {
        private static double[][] Matrix(Tensor t)
        {
            var v = TestTensors.Values(t);
            int rows = (int)t.shape[0], cols = (int)t.shape[1];
            return Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Select(c => (double)v[r * cols + c]).ToArray()).ToArray();
        }

        private static Tensor Run(Model model, Tensor[] data)
        {
            using var noGrad = no_grad();
            return model.Call(data)[0];
        }

        private static KerasReference.Weights LstmWeights(Layer lstm)
        {
            var w = lstm.GetWeights();
            return new KerasReference.Weights(Matrix(w[0]), Matrix(w[1]), TestTensors.Values(w[2]).Select(x => (double)x).ToArray(), null);
        }

        // y = x W + b, row by row.
        private static double[] DenseRow(double[] x, double[][] kernel, double[] bias)
            => Enumerable.Range(0, bias.Length).Select(j => bias[j] + x.Select((xi, i) => xi * kernel[i][j]).Sum()).ToArray();

        private static (Model Model, LSTM Encoder, LSTM Decoder, Dense Dense, KerasTensor EncIn, KerasTensor DecIn, KerasTensor H, KerasTensor C) EncoderDecoder(int features = 3, int units = 4, int outputs = 2)
        {
            var encIn = Keras.Input(new int?[] { null, features });
            var encoder = new LSTM(units, returnState: true);
            var (_, h, c) = encoder.Call(encIn);
            var decIn = Keras.Input(new int?[] { null, features });
            var decoder = new LSTM(units, returnSequences: true, returnState: true);
            var (sequence, _, _) = decoder.Call(decIn, initialState: new[] { h, c });
            var dense = new Dense(outputs);
            var y = dense.Call(sequence);
            return (new Model(new[] { encIn, decIn }, new[] { y }), encoder, decoder, dense, encIn, decIn, h, c);
        }

        [Fact]
        public void AnEncoderDecoderComputesTheLayersEquationsWithTheEncoderStatesAsInitialState()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(11);
            var (model, encoder, decoder, dense, _, _, _, _) = EncoderDecoder();
            var rng = new Random(3);
            var xe = TestTensors.Random3(rng, 2, 5, 3);
            var xd = TestTensors.Random3(rng, 2, 4, 3);

            var y = model.Call(new[] { TestTensors.From(xe), TestTensors.From(xd) });

            var enc = KerasReference.Run(KerasReference.Kind.Lstm, xe, LstmWeights(encoder), 4);
            var dec = KerasReference.Run(KerasReference.Kind.Lstm, xd, LstmWeights(decoder), 4, initial: enc.States);
            var dw = dense.GetWeights();
            var kernel = Matrix(dw[0]);
            var bias = TestTensors.Values(dw[1]).Select(v => (double)v).ToArray();
            var expected = dec.Sequence.SelectMany(b => b.SelectMany(step => DenseRow(step, kernel, bias))).ToArray();
            Assert.Single(y);
            Assert.Equal(new long[] { 2, 4, 2 }, y[0].shape);
            TestTensors.AssertClose(expected, y[0], 1e-5, "decoder output");
            Assert.Equal(new[] { "input_1", "input_2" }, model.InputNames);
            Assert.Equal(new[] { "dense" }, model.OutputNames);
            Assert.Equal(new[] { "input_1", "input_2", "lstm", "lstm_1", "dense" }, model.Layers.Select(l => l.Name));
        }

        [Fact]
        public void InferenceModelsBuiltFromTheTrainedLayersDecodeStepByStepAsTheTrainingModel()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(5);
            var (model, _, decoder, dense, encIn, decIn, h, c) = EncoderDecoder();
            var encoderModel = new Model(encIn, h);
            var encoderStates = new Model(new[] { encIn }, new[] { h, c });
            var hIn = Keras.Input(new int?[] { 4 });
            var cIn = Keras.Input(new int?[] { 4 });
            var (seq, h2, c2) = decoder.Call(decIn, initialState: new[] { hIn, cIn });
            var decoderModel = new Model(new[] { decIn, hIn, cIn }, new[] { dense.Call(seq), h2, c2 });

            // The inference models hold the trained layers themselves: no copies of the weights.
            Assert.Same(decoder, decoderModel.GetLayer("lstm_1"));
            Assert.Equal(model.CountParams(), encoderStates.CountParams() + decoderModel.CountParams());
            Assert.Equal(new[] { "model", "model_1", "model_2" }, new[] { model.Name, encoderModel.Name, encoderStates.Name });

            var rng = new Random(8);
            var xe = TestTensors.From(TestTensors.Random3(rng, 3, 5, 3));
            var xd = TestTensors.From(TestTensors.Random3(rng, 3, 4, 3));
            var teacherForced = model.Call(new[] { xe, xd })[0];
            var states = encoderStates.Call(new[] { xe });
            Tensor hState = states[0], cState = states[1];
            for (int t = 0; t < 4; t++)
            {
                var step = decoderModel.Call(new[] { xd.narrow(1, t, 1), hState, cState });
                Assert.True(step[0].squeeze(1).allclose(teacherForced.select(1, t), rtol: 1e-4, atol: 1e-5), $"step {t}");
                hState = step[1];
                cState = step[2];
            }
        }

        [Fact]
        public void ALayerCalledTwiceSharesItsWeights()
        {
            Backend.ClearSession();
            var a = Keras.Input(new int?[] { 3 });
            var b = Keras.Input(new int?[] { 3 });
            var shared = new Dense(2, useBias: false);
            var model = new Model(new[] { a, b }, new[] { shared.Call(a), shared.Call(b) });

            Assert.Equal(6, model.CountParams());
            Assert.Single(model.parameters());
            Assert.Equal(2, shared.InboundNodes.Count);
            shared.SetWeights(new[] { tensor(new float[] { 1, 0, 0, 1, 1, 1 }, new long[] { 3, 2 }) });
            var y = model.Call(new[] { tensor(new float[] { 1, 2, 3 }, new long[] { 1, 3 }), tensor(new float[] { -1, 0, 2 }, new long[] { 1, 3 }) });
            // [1,2,3]·W = [1+3, 2+3]; [-1,0,2]·W = [-1+2, 0+2].
            TestTensors.AssertClose(new double[] { 4, 5 }, y[0], 1e-6, "first call");
            TestTensors.AssertClose(new double[] { 1, 2 }, y[1], 1e-6, "second call");
            Assert.Equal(new[] { "dense", "dense_1" }, model.OutputNames);
        }

        [Fact]
        public void AFunctionalStackEqualsTheSequentialOfTheSameLayersWithTheEmbeddingMask()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(21);
            var embedding = new Embedding(10, 4, maskZero: true);
            var first = new LSTM(3, returnSequences: true);
            var second = new GRU(2);
            var head = new Dense(1, activation: "sigmoid");
            var sequential = new Sequential(new Layer[] { embedding, first, second, head });
            sequential.Build(new int?[] { null, 6 });

            var tokens = Keras.Input(new int?[] { 6 }, dtype: "int64");
            var embedded = embedding.Call(tokens);
            var hidden = first.Call(embedded);
            var last = second.Call(hidden);
            var functional = new Model(tokens, head.Call(last));

            Assert.True(embedded.HasMask);
            Assert.True(hidden.HasMask);
            Assert.False(last.HasMask);
            var x = tensor(new long[] { 3, 5, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0 }, new long[] { 3, 6 });
            var expected = sequential.Predict(x);
            var actual = functional.Predict(x);
            Assert.True(TestTensors.Same(expected, actual));
            // The mask matters: without it the padded rows give other values.
            var unmasked = new Sequential(new Layer[] { new Embedding(10, 4), new LSTM(3, returnSequences: true), new GRU(2), new Dense(1, activation: "sigmoid") });
            unmasked.Build(new int?[] { null, 6 });
            unmasked.SetWeights(sequential.GetWeights());
            Assert.False(unmasked.Predict(x).allclose(expected));
        }

        [Fact]
        public void ModelsCalledAsLayersComputeTheirGraphsInsideAnotherModel()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(2);
            var inner = new Sequential(new Layer[] { new Dense(3, inputShape: new int?[] { 4 }, activation: "relu"), new Dense(2) });
            var innerIn = Keras.Input(new int?[] { 2 });
            var innerFunctional = new Model(innerIn, new Dense(2, activation: "tanh").Call(innerIn));
            var x = Keras.Input(new int?[] { 4 });
            var outer = new Model(x, new Dense(1).Call(innerFunctional.Call(inner.Call(x))));

            Assert.Equal(new[] { "input_2", "sequential", "model", "dense_3" }, outer.Layers.Select(l => l.Name));
            Assert.Equal(4 * 3 + 3 + 3 * 2 + 2 + 2 * 2 + 2 + 2 + 1, outer.CountParams());
            var data = randn(5, 4);
            // Dense(3, relu) -> Dense(2) -> Dense(2, tanh) -> Dense(1), in plain doubles from the layers' weights.
            double[] Apply(Layer dense, double[] x, Func<double, double> activation)
            {
                var w = dense.GetWeights();
                return DenseRow(x, Matrix(w[0]), TestTensors.Values(w[1]).Select(v => (double)v).ToArray()).Select(activation).ToArray();
            }
            var rows = Enumerable.Range(0, 5).Select(r => TestTensors.Values(data[r]).Select(v => (double)v).ToArray());
            var expected = rows.SelectMany(x => Apply(outer.GetLayer("dense_3"),
                Apply(innerFunctional.GetLayer("dense_2"), Apply(inner.Layers[1], Apply(inner.Layers[0], x, v => Math.Max(0, v)), v => v), Math.Tanh), v => v)).ToArray();
            TestTensors.AssertClose(expected, outer.Predict(data), 1e-5, "nested models");

            // The nested models survive a config round trip and a save.
            using var dir = new TempDir();
            string path = dir.File("nested.rnnsharp");
            outer.Save(path);
            var loaded = Model.Load(path);
            Assert.Equal(outer.ToJson(), loaded.ToJson());
            Assert.True(TestTensors.Same(outer.Predict(data), loaded.Predict(data)));
            Assert.IsType<Sequential>(loaded.GetLayer("sequential"));
        }

        [Fact]
        public void AutomaticNamesFollowKeras2()
        {
            Backend.ClearSession();
            var a = Keras.Input(new int?[] { 2 });
            var b = Keras.Input(new int?[] { 2 }, name: "tokens");
            var c = Keras.Input(new int?[] { 2 });
            var m1 = new Model(a, new Dense(1).Call(a));
            var m2 = new Model(c, new Dense(1).Call(c));
            Assert.Equal(new[] { "input_1", "tokens", "input_2" }, new[] { a.Layer.Name, b.Layer.Name, c.Layer.Name });
            Assert.Equal(new[] { "model", "model_1" }, new[] { m1.Name, m2.Name });
            Assert.Equal("Functional", m1.ClassName);
            Assert.Equal("<KerasTensor: shape=(None, 2) dtype=float32 (created by layer 'input_1')>", a.ToString());
        }

        [Fact]
        public void GetLayerFindsLayersByNameAndIndexWithKerasErrors()
        {
            Backend.ClearSession();
            var x = Keras.Input(new int?[] { 2 });
            var model = new Model(x, new Dense(1, name: "head").Call(x));
            Assert.Equal("head", model.GetLayer("head").Name);
            Assert.Equal("input_1", model.GetLayer(0).Name);
            var byName = Assert.Throws<ArgumentException>(() => model.GetLayer("nope"));
            Assert.StartsWith("No such layer: nope. Existing layers are: ['input_1', 'head'].", byName.Message);
            var byIndex = Assert.Throws<ArgumentException>(() => model.GetLayer(5));
            Assert.StartsWith("Was asked to retrieve layer at index 5 but model only has 2 layers.", byIndex.Message);
        }

        [Fact]
        public void GraphErrorsAreKerasWorded()
        {
            Backend.ClearSession();
            var a = Keras.Input(new int?[] { 2 });
            var b = Keras.Input(new int?[] { 2 });
            var fromB = new Dense(2).Call(b);
            var viaBoth = new LSTM(2).Call(Keras.Input(new int?[] { 3, 2 }), initialState: new[] { fromB, fromB });
            var disconnected = Assert.Throws<ArgumentException>(() => new Model(a, viaBoth));
            Assert.Equal("Graph disconnected: cannot obtain value for tensor <KerasTensor: shape=(None, 2) dtype=float32 (created by layer 'input_2')> at layer \"dense\". The following previous layers were accessed without issue: []", disconnected.Message);

            var notInput = Assert.Throws<ArgumentException>(() => new Model((KerasTensor)fromB, new Dense(1).Call(fromB)));
            Assert.Contains("Model inputs must come from `Keras.Input`", notInput.Message);
            Assert.Contains("it was generated by layer \"dense\"", notInput.Message);

            var twice = Assert.Throws<ArgumentException>(() => new Model(new[] { a, a }, new[] { new Dense(1).Call(a) }));
            Assert.StartsWith("The list of inputs passed to the model contains the same input multiple times.", twice.Message);

            var one = new Dense(2, name: "same").Call(a);
            var two = new Dense(2, name: "same").Call(one);
            var duplicate = Assert.Throws<ArgumentException>(() => new Model(a, two));
            Assert.Equal("The name \"same\" is used 2 times in the model. All layer names should be unique.", duplicate.Message);
        }

        [Fact]
        public void ShapeErrorsAreRaisedAtCallTimeNamingTheLayerAndBothShapes()
        {
            Backend.ClearSession();
            var dense = new Dense(3, name: "proj");
            dense.Call(Keras.Input(new int?[] { 4 }));
            var wrongWidth = Assert.Throws<ShapeMismatchException>(() => dense.Call(Keras.Input(new int?[] { 5 })));
            Assert.Equal("Input 0 of layer \"proj\" is incompatible with the layer: expected axis -1 of input shape to have value 4, but received input with shape (None, 5)", wrongWidth.Message);
            var wrongRank = Assert.Throws<ShapeMismatchException>(() => new LSTM(2, name: "rnn").Call(Keras.Input(new int?[] { 4 })));
            Assert.Equal("Input 0 of layer \"rnn\" is incompatible with the layer: expected ndim=3, found ndim=2. Full shape received: (None, 4)", wrongRank.Message);
            var x = Keras.Input(new int?[] { 3, 2 });
            var state = Keras.Input(new int?[] { 5 });
            var badState = Assert.Throws<ShapeMismatchException>(() => new GRU(4, name: "gru").Call(x, initialState: new[] { state }));
            Assert.Equal("Layer \"gru\": each state in initialState must have shape (None, 4), received (None, 5).", badState.Message);
            var stateCount = Assert.Throws<ArgumentException>(() => new LSTM(4, name: "lstm").Call(x, initialState: new[] { Keras.Input(new int?[] { 4 }) }));
            Assert.Equal("Layer \"lstm\" (LSTM) expects 2 state tensor(s) in initialState, but it received 1. (Parameter 'initialState')", stateCount.Message);
            var noState = Assert.Throws<ArgumentException>(() => new Dense(1, name: "d").Call(state, initialState: new[] { state }));
            Assert.StartsWith("Layer \"d\" (Dense) does not accept an initial state.", noState.Message);

            var model = new Model(x, new LSTM(2).Call(x));
            var wrongData = Assert.Throws<ShapeMismatchException>(() => model.Predict(zeros(2, 3, 3)));
            Assert.Equal($"Input 0 of layer \"{model.Name}\" is incompatible with the layer: expected shape=(None, 3, 2), found shape=(2, 3, 3)", wrongData.Message);
        }

        [Fact]
        public void ATrainingModeGivenInTheGraphWinsOverTheModelsMode()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(1);
            var x = Keras.Input(new int?[] { 200 });
            var alwaysDropped = new Dropout(0.5).Call(x, training: true);
            var followsModel = new Dropout(0.5).Call(x);
            var model = new Model(new[] { x }, new[] { alwaysDropped.Output, followsModel.Output });
            var input = ones(1, 200);
            var y = model.Call(new[] { input }, training: false);
            Assert.True(y[0].eq(0).any().item<bool>());
            Assert.True(TestTensors.Same(input, y[1]));
            var config = model.ToJson();
            Assert.Contains("\"training\": true", config);
            var rebuilt = Model.FromJson(config);
            Assert.True(rebuilt.Call(new[] { input }, training: false)[0].eq(0).any().item<bool>());
        }

        [Fact]
        public void FunctionalModelsSaveAndLoadInBothFormatsWithTheirWeights()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(4);
            var (model, _, _, _, _, _, _, _) = EncoderDecoder();
            var data = new[] { randn(2, 5, 3), randn(2, 4, 3) };
            var expected = Run(model, data);
            using var dir = new TempDir();
            foreach (var file in new[] { "m.rnnsharp", "m.h5" })
            {
                string path = dir.File(file);
                model.Save(path);
                var loaded = Model.Load(path);
                Assert.Equal("Functional", loaded.ClassName);
                Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
                Assert.True(TestTensors.Same(expected, Run(loaded, data)), file);
                var wrongKind = Assert.Throws<NotSupportedException>(() => Sequential.Load(path));
                Assert.Contains("it holds a Functional model; load it with Model.Load(path)", wrongKind.Message);
            }
            string weights = dir.File("w.h5");
            model.SaveWeights(weights);
            Backend.ClearSession();
            var (fresh, _, _, _, _, _, _, _) = EncoderDecoder();
            Assert.False(TestTensors.Same(expected, Run(fresh, data)));
            fresh.LoadWeights(weights, byName: true);
            Assert.True(TestTensors.Same(expected, Run(fresh, data)));
        }

        [Fact]
        public void ARecurrentLayerGivenSeveralInputsTakesTheRestAsItsInitialStatesAsKeras2()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(9);
            var x = Keras.Input(new int?[] { 3, 2 });
            var h = Keras.Input(new int?[] { 4 });
            var c = Keras.Input(new int?[] { 4 });
            var lstm = new LSTM(4);
            var listed = lstm.Call(new[] { x, h, c });
            Assert.Equal(new[] { "input_2", "input_3" }, listed.Node.InitialState.Select(t => t.Layer.Name));
            var model = new Model(new[] { x, h, c }, listed);
            var data = new[] { randn(2, 3, 2), randn(2, 4), randn(2, 4) };
            using var noGrad = no_grad();
            var expected = lstm.Call(data[0], initialState: new[] { data[1], data[2] }).Output;
            Assert.True(TestTensors.Same(expected, model.Call(data)[0]));
            Assert.True(TestTensors.Same(expected, lstm.Call(data).Output));
        }

        [Fact]
        public void ALayersResultPassesOnAsItsOutputSymbolicallyAndOnData()
        {
            Backend.ClearSession();
            var x = Keras.Input(new int?[] { 5, 3 });
            var lstm = new LSTM(4, returnSequences: true, returnState: true);
            var result = lstm.Call(x);
            var (seq, h, c) = result;
            Assert.Single(new Model(x, seq).Outputs);
            Assert.Single(new Model(x, result).Outputs);
            KerasTensor asTensor = result;
            Assert.Same(seq, asTensor);
            Assert.Equal(3, new Model(x, result.All).Outputs.Count);
            Assert.Equal(2, new Model(x, new[] { h, c }).Outputs.Count);
            var head = new Dense(2);
            var chained = new Model(x, head.Call(lstm.Call(x)));
            Assert.Equal(new int?[] { null, 5, 2 }, chained.Outputs[0].Shape);

            // On data: a layer's result passed to the next layer, or to a model, is its output.
            var data = randn(2, 5, 3);
            using var noGrad = no_grad();
            Tensor direct = head.Call(lstm.Call(data));
            Assert.Equal(new long[] { 2, 5, 2 }, direct.shape);
            var wrapped = Keras.Input(new int?[] { 5, 4 });
            var wrapper = new Model(wrapped, new Dense(2).Call(wrapped));
            Tensor viaModel = wrapper.Call(lstm.Call(data));
            Assert.Equal(new long[] { 2, 5, 2 }, viaModel.shape);
        }

        [Fact]
        public void MasksReachEveryMaskedOutputAndNestedModelsPassTheOuterMaskOn()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(3);
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var embedded = new Embedding(10, 3, maskZero: true).Call(tokens);
            var (forward, backward) = new Bidirectional(new LSTM(2, returnSequences: true), mergeMode: null).Call(embedded);
            Assert.True(forward.HasMask);
            Assert.True(backward.HasMask);
            var (_, h, c) = new LSTM(2, returnState: true).Call(backward);
            Assert.False(h.HasMask);
            Assert.False(c.HasMask);

            // A functional model over sequences, called on a masked input, passes the mask on, as a Sequential does.
            var inner = Keras.Input(new int?[] { null, 3 });
            var innerModel = new Model(inner, new LSTM(2, returnSequences: true).Call(inner));
            var outer = innerModel.Call(embedded);
            Assert.True(outer.HasMask);
            var model = new Model(tokens, new GRU(2).Call(outer));
            // The mask reaches the GRU through the nested model: right padding changes nothing.
            using var noGrad = no_grad();
            var padded = model.Call(tensor(new long[] { 3, 4, 0, 0 }, new long[] { 1, 4 }));
            var unpadded = model.Call(tensor(new long[] { 3, 4 }, new long[] { 1, 2 }));
            Assert.True(padded.allclose(unpadded, rtol: 1e-5, atol: 1e-6));
            var computed = innerModel.ComputeMask(zeros(1, 4, 3), tensor(new[] { true, true, false, false }, new long[] { 1, 4 }));
            Assert.Equal(new[] { true, true, false, false }, computed!.data<bool>().ToArray());
        }

        [Fact]
        public void ANestedModelWithAFrozenLayerStoresItsWeightsInKeras2sOrderInHdf5Files()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(6);
            var innerIn = Keras.Input(new int?[] { 4 });
            var a = new Dense(3, name: "a").Call(innerIn);
            var frozen = new Dense(2, name: "b");
            var b = frozen.Call(a);
            var inner = new Model(innerIn, new Dense(2, name: "c").Call(b), name: "encoder");
            frozen.Trainable = false;
            var x = Keras.Input(new int?[] { 4 });
            var model = new Model(x, new Dense(1, name: "head").Call(inner.Call(x)));
            var data = randn(3, 4);
            var expected = model.Predict(data);

            using var dir = new TempDir();
            string path = dir.File("nested.h5");
            model.Save(path);
            using (var file = PureHDF.H5File.OpenRead(path))
            {
                // Keras 2's _legacy_weights: the trainable weights (a, c), then the frozen layer's (b).
                var names = file.Group("model_weights").Group("encoder").Attribute("weight_names").Read<string[]>();
                Assert.Equal(new[] { "a/kernel:0", "a/bias:0", "c/kernel:0", "c/bias:0", "b/kernel:0", "b/bias:0" }, names);
            }
            var loaded = Model.Load(path);
            Assert.True(TestTensors.Same(expected, loaded.Predict(data)));
            Assert.Equal(inner.GetWeights().Select(TestTensors.Values), ((Model)loaded.GetLayer("encoder")).GetWeights().Select(TestTensors.Values));
        }

        [Fact]
        public void ThePinnedPredictSignaturesExist()
        {
            var model = typeof(Model);
            Assert.Equal(typeof(Tensor), model.GetMethod("Predict", new[] { typeof(Tensor), typeof(int), typeof(int) })!.ReturnType);
            var list = model.GetMethods().Single(m => m.Name == "Predict" && m.GetParameters()[0].ParameterType == typeof(IReadOnlyList<Tensor>));
            Assert.Equal(typeof(IReadOnlyList<Tensor>), list.ReturnType);
            Assert.Equal(new object?[] { 32, 0 }, list.GetParameters().Skip(1).Take(2).Select(p => p.DefaultValue));
            Assert.Equal(32, model.GetMethod("Predict", new[] { typeof(Tensor), typeof(int), typeof(int) })!.GetParameters()[1].DefaultValue);
        }
    }
}
