using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Layers.Rnn;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Saving.KerasFiles;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// Functional model configs written by real Keras 2 (Fixtures/Functional: `model.to_json()` files from public
    /// repositories, sources beside each), loaded as Keras's <c>model_from_json</c> would: the layers in the order the
    /// file lists them (Keras's own graph order), the inputs and outputs of <c>input_layers</c>/<c>output_layers</c>,
    /// the parameter counts the source notebooks print, and Keras 2 HDF5 files with such a config.
    /// </summary>
    [Collection("Names")]
    public class FunctionalConfigTests
    {
        private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Saving", "Fixtures", "Functional", name + ".json"));

        private static List<string> ListedLayers(string json)
        {
            var root = (Dictionary<string, object?>)RnnSharp.Saving.ConfigJson.Parse(json)!;
            var config = (Dictionary<string, object?>)root["config"]!;
            return ((List<object?>)config["layers"]!).Select(l => (string)((Dictionary<string, object?>)l!)["name"]!).ToList();
        }

        [Theory]
        [InlineData("lstm_seq2seq_char_keras216", "model_1", new[] { "input_1", "input_2" }, new[] { "dense_1" }, 719_454L, 719_454L)]
        [InlineData("seq2seq_shared_embedding_keras224", "model_2", new[] { "input_9", "input_10" }, new[] { "time_distributed_4" }, 6_107_400L, 6_107_400L)]
        [InlineData("seq2seq_decoder_inference_tf210", "model_1", new[] { "decoder_inputs", "input_1", "input_2" }, new[] { "decoder_dense", "decoder_lstm", "decoder_lstm_1" }, 7_761_648L, 7_761_648L)]
        [InlineData("seq2seq_bidirectional_states_keras214", "model_1", new[] { "input_1", "input_2" }, new[] { "dense_1" }, 6_656_804L, 2_656_804L)]
        [InlineData("two_input_add_keras215", "model_2", new[] { "input_3", "input_4" }, new[] { "dense_6" }, 436L, 436L)]
        [InlineData("seq2seq_decoder_inference_tf24", "model_2", new[] { "input_2", "input_3", "input_4" }, new[] { "time_distributed", "lstm_3", "lstm_3_1" }, 13_915_903L, 10_565_603L)]
        public void RealKerasFunctionalConfigsLoadWithKerasLayerOrderAndParameterCounts(
            string fixture, string name, string[] inputs, string[] outputs, long total, long trainable)
        {
            string json = Fixture(fixture);
            using var model = Model.FromJson(json);
            Assert.Equal(name, model.Name);
            Assert.Equal("Functional", model.ClassName);
            // Keras lists model.layers in its graph order; rebuilding the graph must give the same order.
            Assert.Equal(ListedLayers(json), model.Layers.Select(l => l.Name));
            Assert.Equal(inputs, model.InputNames);
            Assert.Equal(outputs, model.OutputNames);
            Assert.Equal(total, model.CountParams());
            Assert.Equal(trainable, model.CountTrainableParams());
            // Writing the config back and reading it again changes nothing.
            string again = model.ToJson();
            using var reloaded = Model.FromJson(again);
            Assert.Equal(again, reloaded.ToJson());
        }

        [Fact]
        public void ASharedLayerKeepsItsNodeOrderAndTheModelKeepsTheInputLayersOrder()
        {
            using var model = Model.FromJson(Fixture("seq2seq_shared_embedding_keras224"));
            var embedding = model.GetLayer("embedding_3");
            Assert.Equal(2, embedding.InboundNodes.Count);
            // Node 0 reads input_9 (the encoder), node 1 input_10 (the decoder), as in the file.
            Assert.Equal("input_9", embedding.InboundNodes[0].InputTensors[0].Layer.Name);
            Assert.Equal("input_10", embedding.InboundNodes[1].InputTensors[0].Layer.Name);
            Assert.Same(embedding, model.GetLayer("lstm_12").InboundNodes[0].InputTensors[0].Layer);
            Assert.Equal(1, model.GetLayer("lstm_12").InboundNodes[0].InputTensors[0].NodeIndex);
            Assert.Equal(new[] { "lstm_11", "lstm_11" }, model.GetLayer("lstm_12").InboundNodes[0].InitialState.Select(t => t.Layer.Name));
            using var noGrad = no_grad();
            var y = model.Call(new[] { arange(20, dtype: ScalarType.Int64).unsqueeze(0), arange(20, 40, dtype: ScalarType.Int64).unsqueeze(0) });
            Assert.Equal(new long[] { 1, 20, 15000 }, y[0].shape);
        }

        [Fact]
        public void AKeras2FullModelFileWithAFunctionalConfigPredictsTheLayersEquations()
        {
            // The Keras blog's character-level seq2seq (Keras 2.1.6: hard_sigmoid recurrent activation) in a Keras 2
            // model file laid out as Keras writes it, with random weights.
            string config = Fixture("lstm_seq2seq_char_keras216");
            var rng = new Random(17);
            KerasLayer Layer(string name, params (string Weight, long[] Shape)[] weights)
                => new(name, weights.Select(w => new Weight($"{name}/{w.Weight}:0", w.Shape,
                    Enumerable.Range(0, (int)w.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((rng.NextDouble() * 2 - 1) * 0.2)).ToArray())).ToList());
            var layers = new[]
            {
                Layer("input_1"), Layer("input_2"),
                Layer("lstm_1", ("kernel", new long[] { 71, 1024 }), ("recurrent_kernel", new long[] { 256, 1024 }), ("bias", new long[] { 1024 })),
                Layer("lstm_2", ("kernel", new long[] { 94, 1024 }), ("recurrent_kernel", new long[] { 256, 1024 }), ("bias", new long[] { 1024 })),
                Layer("dense_1", ("kernel", new long[] { 256, 94 }), ("bias", new long[] { 94 })),
            };
            using var dir = new TempDir();
            string path = dir.File("s2s.h5");
            WriteKeras2(path, layers, config, kerasVersion: "2.1.6");

            using var model = Model.Load(path);
            Assert.Equal(new[] { "input_1", "input_2", "lstm_1", "lstm_2", "dense_1" }, model.Layers.Select(l => l.Name));
            var loaded = model.GetWeights();
            var saved = layers.SelectMany(l => l.Weights).ToArray();
            Assert.Equal(saved.Length, loaded.Count);
            for (int i = 0; i < saved.Length; i++) Assert.Equal(saved[i].Values, TestTensors.Values(loaded[i]));

            var xe = TestTensors.Random3(rng, 1, 3, 71);
            var xd = TestTensors.Random3(rng, 1, 2, 94);
            var y = model.Call(new[] { TestTensors.From(xe), TestTensors.From(xd) })[0];

            double[][] M(Weight w) => Enumerable.Range(0, (int)w.Shape[0]).Select(r => Enumerable.Range(0, (int)w.Shape[1]).Select(c => (double)w.Values[r * w.Shape[1] + c]).ToArray()).ToArray();
            double[] V(Weight w) => w.Values.Select(v => (double)v).ToArray();
            KerasReference.Weights Lstm(KerasLayer l) => new(M(l.Weights[0]), M(l.Weights[1]), V(l.Weights[2]), null);
            var enc = KerasReference.Run(KerasReference.Kind.Lstm, xe, Lstm(layers[2]), 256, recurrentActivation: KerasReference.HardSigmoid);
            var dec = KerasReference.Run(KerasReference.Kind.Lstm, xd, Lstm(layers[3]), 256, initial: enc.States, recurrentActivation: KerasReference.HardSigmoid);
            var kernel = M(layers[4].Weights[0]);
            var bias = V(layers[4].Weights[1]);
            var expected = dec.Sequence[0].SelectMany(step =>
            {
                var logits = Enumerable.Range(0, 94).Select(j => bias[j] + step.Select((s, i) => s * kernel[i][j]).Sum()).ToArray();
                double max = logits.Max(), sum = logits.Sum(v => Math.Exp(v - max));
                return logits.Select(v => Math.Exp(v - max) / sum);
            }).ToArray();
            TestTensors.AssertClose(expected, y, 1e-5, "decoder softmax");
        }

        [Fact]
        public void MalformedConfigsAreRefusedNamingTheModel()
        {
            var unknownRef = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": [" +
                "{\"class_name\": \"InputLayer\", \"config\": {\"batch_input_shape\": [null, 2], \"dtype\": \"float32\", \"name\": \"in\"}, \"name\": \"in\", \"inbound_nodes\": []}," +
                "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 1}, \"name\": \"d\", \"inbound_nodes\": [[[\"ghost\", 0, 0, {}]]]}]," +
                "\"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"d\", 0, 0]]}}";
            var e = Assert.Throws<ArgumentException>(() => Model.FromJson(unknownRef));
            Assert.StartsWith("The functional config of model \"m\" refers to a layer \"ghost\" it does not define.", e.Message);
            var unknownClass = unknownRef.Replace("\"Dense\"", "\"Conv7D\"");
            Assert.StartsWith("Unknown layer: Conv7D.", Assert.Throws<ArgumentException>(() => Model.FromJson(unknownClass)).Message);
            var kwarg = unknownRef.Replace("[[[\"ghost\", 0, 0, {}]]]", "[[[\"in\", 0, 0, {\"constants\": 3}]]]");
            Assert.StartsWith("The functional config of model \"m\" calls layer \"d\" with argument \"constants\", which RnnSharp's layers do not take.",
                Assert.Throws<ArgumentException>(() => Model.FromJson(kwarg)).Message);
        }

        [Fact]
        public void AKeras20SequentialConfigWrittenAsABareListOfLayersLoads()
        {
            string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Saving", "Fixtures", "Sequential", "bidirectional_lstm_keras208.json"));
            foreach (var model in new Model[] { Model.FromJson(json), Sequential.FromJson(json) })
            {
                using (model)
                {
                    var sequential = Assert.IsType<Sequential>(model);
                    Assert.Equal(new[] { "embedding_1", "bidirectional_1", "dropout_1", "dense_1" }, model.Layers.Select(l => l.Name));
                    Assert.Equal(new int?[] { null, 34 }, sequential.InputShape);
                    Assert.Equal(8_388_608L + 98_816L + 903L, model.CountParams());
                    Assert.Equal("hard_sigmoid", ((Bidirectional)model.GetLayer("bidirectional_1")).ForwardLayer.GetConfig()["recurrent_activation"]);
                }
            }

            // The same config as a Keras 2.0 full-model file's model_config.
            var rng = new Random(2);
            float[] Random(long n) => Enumerable.Range(0, (int)n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var layers = new[]
            {
                new KerasLayer("embedding_1", new[] { new Weight("embedding_1/embeddings:0", new long[] { 65536, 128 }, Random(65536L * 128)) }),
                new KerasLayer("bidirectional_1", new[]
                {
                    new Weight("bidirectional_1/forward_lstm_1/kernel:0", new long[] { 128, 256 }, Random(128 * 256)),
                    new Weight("bidirectional_1/forward_lstm_1/recurrent_kernel:0", new long[] { 64, 256 }, Random(64 * 256)),
                    new Weight("bidirectional_1/forward_lstm_1/bias:0", new long[] { 256 }, Random(256)),
                    new Weight("bidirectional_1/backward_lstm_1/kernel:0", new long[] { 128, 256 }, Random(128 * 256)),
                    new Weight("bidirectional_1/backward_lstm_1/recurrent_kernel:0", new long[] { 64, 256 }, Random(64 * 256)),
                    new Weight("bidirectional_1/backward_lstm_1/bias:0", new long[] { 256 }, Random(256)),
                }),
                new KerasLayer("dropout_1", Array.Empty<Weight>()),
                new KerasLayer("dense_1", new[] { new Weight("dense_1/kernel:0", new long[] { 128, 7 }, Random(128 * 7)), new Weight("dense_1/bias:0", new long[] { 7 }, Random(7)) }),
            };
            using var dir = new TempDir();
            string path = dir.File("keras208.h5");
            WriteKeras2(path, layers, json, kerasVersion: "2.0.8");
            using var loaded = Sequential.Load(path);
            var expected = layers.SelectMany(l => l.Weights).Select(w => w.Values).ToArray();
            var actual = loaded.GetWeights().Select(TestTensors.Values).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
        }

        [Fact]
        public void LoadErrorsOfKerasFilesNameTheKerasVersionThatWroteThem()
        {
            using var dir = new TempDir();
            // A Keras 2.2.4 model file with a layer RnnSharp does not have.
            string config = Fixture("two_input_add_keras215").Replace("\"class_name\": \"Add\"", "\"class_name\": \"Conv2D\"");
            string path = dir.File("conv.h5");
            WriteKeras2(path, Array.Empty<KerasLayer>(), config, kerasVersion: "2.2.4");
            var unknown = Assert.Throws<ArgumentException>(() => Model.Load(path));
            Assert.StartsWith("Unknown layer: Conv2D.", unknown.Message);
            Assert.Contains("(The file was written by Keras 2.2.4 (backend: tensorflow).)", unknown.Message);

            // A Keras 2.11 weights file that does not fit the model.
            string weights = dir.File("w.h5");
            WriteKeras2(weights, new[] { new KerasLayer("dense", new[] { new Weight("dense/kernel:0", new long[] { 3, 2 }, new float[6]), new Weight("dense/bias:0", new long[] { 2 }, new float[2]) }) });
            var x = Keras.Input(new int?[] { 4 });
            using var model = new Model(x, new Dense(2).Call(x));
            var shape = Assert.Throws<ShapeMismatchException>(() => model.LoadWeights(weights));
            Assert.Contains("expects shape (4, 2), but the file holds shape (3, 2)", shape.Message);
            Assert.EndsWith("(The file was written by Keras 2.11.0 (backend: tensorflow).)", shape.Message);

            // RnnSharp's own files record no Keras version: their errors stay as they were.
            string native = dir.File("w.rnnsharp");
            var other = Keras.Input(new int?[] { 3 });
            using (var small = new Model(other, new Dense(2).Call(other))) small.SaveWeights(native);
            var nativeError = Assert.Throws<ShapeMismatchException>(() => model.LoadWeights(native));
            Assert.DoesNotContain("written by", nativeError.Message);
        }
    }
}
