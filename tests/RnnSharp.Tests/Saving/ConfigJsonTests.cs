using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Initializers;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>GetConfig/FromConfig and ToJson/FromJson with Keras's keys, for every layer kind and Sequential.</summary>
    [Collection("Names")]
    public class ConfigJsonTests
    {
        private static Sequential Everything()
            => new(new Layer[]
            {
                new Masking(-1.0, inputShape: new int?[] { 7, 3 }, name: "masking"),
                new Bidirectional(new LSTM(4, returnSequences: true, kernelInitializer: new Constant(0.25), name: "lstm"), "sum",
                    backwardLayer: new LSTM(4, returnSequences: true, goBackwards: true, activation: "relu", name: "relu_lstm"), name: "bidirectional"),
                new RNN(new AbstractRNNCell[] { new SimpleRNNCell(3, name: "simple_rnn_cell"), new GRUCell(2, resetAfter: false, name: "gru_cell") },
                    returnSequences: true, name: "rnn"),
                new TimeDistributed(new Dense(5, activation: "tanh", biasInitializer: new RandomNormal(0.5, 0.1), name: "dense"), name: "time_distributed"),
                new Bidirectional(new GRU(3, name: "gru"), name: "bidirectional_1"),
                new Dropout(0.2, name: "dropout"),
                new Dense(1, activation: "sigmoid", name: "dense_1"),
            }, "everything");

        [Fact]
        public void JsonRoundTripRebuildsEveryLayer()
        {
            using var model = Everything();
            string json = model.ToJson();
            using var copy = Sequential.FromJson(json);
            Assert.Equal(model.Layers.Select(l => (l.Name, l.GetType())), copy.Layers.Select(l => (l.Name, l.GetType())));
            Assert.Equal(model.LayerOutputShapes.Select(s => RnnSharp.Utils.ShapeUtils.Format(s[0])), copy.LayerOutputShapes.Select(s => RnnSharp.Utils.ShapeUtils.Format(s[0])));
            Assert.Equal(model.CountParams(), copy.CountParams());
            Assert.Equal(json, copy.ToJson());

            var bidirectional = (Bidirectional)copy.Layers[1];
            Assert.Equal("sum", bidirectional.MergeMode);
            Assert.Equal("backward_relu_lstm", bidirectional.BackwardLayer.Name);
            Assert.Equal("relu", bidirectional.BackwardLayer.Activation.Name);
            Assert.Equal(0.25, Assert.IsType<Constant>(bidirectional.ForwardLayer.KernelInitializer).Value);
            var stacked = Assert.IsType<StackedRNNCells>(((RNN)copy.Layers[2]).Cell);
            Assert.False(((GRUCell)stacked.Cells[1]).ResetAfter);
            var dense = (Dense)((TimeDistributed)copy.Layers[3]).Layer;
            Assert.Equal(0.5, Assert.IsType<RandomNormal>(dense.BiasInitializer).Mean);
            Assert.Equal(-1.0, ((Masking)copy.Layers[0]).MaskValue);

            // The same weights give the same outputs.
            copy.SetWeights(model.GetWeights());
            var x = randn(2, 7, 3);
            Assert.True(model.Call(x).allclose(copy.Call(x), rtol: 0, atol: 1e-6));
        }

        [Fact]
        public void ConfigsUseKerasKeysAndShapes()
        {
            using var model = Everything();
            var json = (Dictionary<string, object?>)ConfigJsonTestsHelper.Parse(model.ToJson())!;
            Assert.Equal("Sequential", json["class_name"]);
            Assert.Equal("tensorflow", json["backend"]);
            var layers = (List<object?>)((Dictionary<string, object?>)json["config"]!)["layers"]!;
            var bidirectional = (Dictionary<string, object?>)((Dictionary<string, object?>)layers[1]!)["config"]!;
            var inner = (Dictionary<string, object?>)bidirectional["layer"]!;
            Assert.Equal("LSTM", inner["class_name"]);
            var lstm = (Dictionary<string, object?>)inner["config"]!;
            Assert.Equal("lstm", lstm["name"]);
            var orthogonal = (Dictionary<string, object?>)lstm["recurrent_initializer"]!;
            Assert.Equal("Orthogonal", orthogonal["class_name"]);
            var orthogonalConfig = (Dictionary<string, object?>)orthogonal["config"]!;
            Assert.Equal(1.0, Convert.ToDouble(orthogonalConfig["gain"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(orthogonalConfig.ContainsKey("seed"));
            Assert.Equal("GlorotUniform", ((Dictionary<string, object?>)((Dictionary<string, object?>)((Dictionary<string, object?>)layers[6]!)["config"]!)["kernel_initializer"]!)["class_name"]);
            foreach (var key in new[] { "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "dropout", "recurrent_dropout",
                                        "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major", "kernel_regularizer" })
                Assert.True(lstm.ContainsKey(key), key);
            Assert.Equal("sum", bidirectional["merge_mode"]);
            Assert.True(bidirectional.ContainsKey("backward_layer"));
            var rnn = (Dictionary<string, object?>)((Dictionary<string, object?>)layers[2]!)["config"]!;
            var cell = (Dictionary<string, object?>)rnn["cell"]!;
            Assert.Equal("StackedRNNCells", cell["class_name"]);
            Assert.Equal(2, ((List<object?>)((Dictionary<string, object?>)cell["config"]!)["cells"]!).Count);
            var masking = (Dictionary<string, object?>)((Dictionary<string, object?>)layers[0]!)["config"]!;
            Assert.Equal(new List<object?> { null, 7L, 3L }, masking["batch_input_shape"]);
        }

        [Fact]
        public void CellsAndWrappersRebuildFromTheirOwnConfigs()
        {
            foreach (Layer layer in new Layer[]
            {
                new LSTMCell(3, recurrentActivation: "hard_sigmoid", unitForgetBias: false), new GRUCell(2), new SimpleRNNCell(4, activation: "relu"),
                new StackedRNNCells(new AbstractRNNCell[] { new LSTMCell(2, name: "a"), new LSTMCell(2, name: "b") }),
                new RNN(new SimpleRNNCell(3), returnState: true, goBackwards: true, stateful: false),
                new TimeDistributed(new Dense(2)), new Masking(), new Bidirectional(new SimpleRNN(2), null),
            })
            {
                var serialized = LayerRegistry.Serialize(layer);
                var copy = Layer.FromConfig(serialized);
                Assert.Equal(layer.GetType(), copy.GetType());
                Assert.Equal(System.Text.Json.JsonSerializer.Serialize(layer.GetConfig()), System.Text.Json.JsonSerializer.Serialize(copy.GetConfig()));
            }
        }

        [Fact]
        public void Keras2JsonWithBatchInputShapeInTheFirstLayerBuildsTheModel()
        {
            const string json = """
                {"class_name": "Sequential", "config": {"name": "sequential_3", "layers": [
                  {"class_name": "SimpleRNN", "config": {"name": "simple_rnn_3", "trainable": true, "batch_input_shape": [8, 2, 10], "dtype": "float32",
                    "return_sequences": true, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "time_major": false, "units": 3,
                    "activation": "tanh", "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
                    "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                    "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null,
                    "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0}},
                  {"class_name": "TimeDistributed", "config": {"name": "time_distributed", "trainable": true, "dtype": "float32",
                    "layer": {"class_name": "Dense", "config": {"name": "dense", "trainable": true, "dtype": "float32", "units": 4, "activation": "linear", "use_bias": true,
                      "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                      "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}}}},
                  {"class_name": "RNN", "config": {"name": "rnn", "trainable": true, "dtype": "float32", "return_sequences": false, "return_state": false,
                    "go_backwards": false, "stateful": false, "unroll": false, "time_major": false,
                    "cell": {"class_name": "SimpleRNNCell", "config": {"name": "simple_rnn_cell_4", "trainable": true, "dtype": "float32", "units": 3, "activation": "tanh",
                      "use_bias": true, "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
                      "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": null}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                      "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null,
                      "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0}}}}]},
                 "keras_version": "2.6.0", "backend": "tensorflow"}
                """;
            using var model = Sequential.FromJson(json);
            Assert.True(model.Built);
            Assert.Equal(new int?[] { 8, 2, 10 }, model.InputShape);
            Assert.Equal(new int?[] { 8, 3 }, model.OutputShape);
            Assert.Equal(42 + 16 + 24, model.CountParams());
            Assert.Equal("simple_rnn_cell_4", ((RNN)model.Layers[2]).Cell.Name);
            Assert.Throws<ArgumentException>(() => Sequential.FromJson("[1, 2]"));
            Assert.Throws<ArgumentException>(() => Sequential.FromJson("""{"class_name": "Sequential", "config": {"layers": [{"class_name": "Conv2D", "config": {}}]}}"""));
        }
    }

    internal static class ConfigJsonTestsHelper
    {
        public static object? Parse(string json) => Normalize(System.Text.Json.JsonDocument.Parse(json).RootElement);

        public static object? Normalize(object? value) => value switch
        {
            System.Text.Json.JsonElement e => e.ValueKind switch
            {
                System.Text.Json.JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Normalize(p.Value)),
                System.Text.Json.JsonValueKind.Array => e.EnumerateArray().Select(v => Normalize(v)).ToList(),
                System.Text.Json.JsonValueKind.String => e.GetString(),
                System.Text.Json.JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
                System.Text.Json.JsonValueKind.True => true,
                System.Text.Json.JsonValueKind.False => false,
                _ => null,
            },
            _ => value,
        };
    }
}
