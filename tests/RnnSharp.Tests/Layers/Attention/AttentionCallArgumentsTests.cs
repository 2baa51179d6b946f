using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Ops;
using RnnSharp.Saving;
using RnnSharp.Tests.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary>The attention layers' call arguments in functional models (<c>use_causal_mask</c>,
    /// <c>return_attention_scores</c>, MultiHeadAttention's <c>attention_mask</c>): recorded on the node, replayed when
    /// the model runs (the same numbers as the eager call), written to and read from Keras 2 and Keras 3 configs.</summary>
    [Collection("Names")]
    public class AttentionCallArgumentsTests
    {
        private static Tensor Random(int seed, params long[] shape)
        {
            var rng = new Random(seed);
            var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            return tensor(values, shape);
        }

        private static readonly Tensor Query = Random(1, 2, 3, 4);
        private static readonly Tensor Value = Random(2, 2, 5, 4);

        // A (2, 3, 5) mask with a few entries off, none of its rows empty.
        private static Tensor AttentionMask()
        {
            var mask = ones(2, 3, 5, dtype: ScalarType.Bool);
            mask[0, 0, 1] = tensor(false);
            mask[0, 2, 4] = tensor(false);
            mask[1, 1, 0] = tensor(false);
            mask[1, 1, 3] = tensor(false);
            return mask;
        }

        private static Model AttentionModel(RnnSharp.Layers.Attention layer, bool causal)
        {
            var q = Keras.Input(new int?[] { 3, 4 }, name: "query");
            var v = Keras.Input(new int?[] { 5, 4 }, name: "value");
            return new Model(new[] { q, v }, new[] { layer.Call(new[] { q, v }, useCausalMask: causal) });
        }

        [Fact]
        public void AFunctionalAttentionWithACausalMaskPredictsAsTheEagerCall()
        {
            Backend.ClearSession();
            var layer = new RnnSharp.Layers.Attention(useScale: true);
            using var model = AttentionModel(layer, causal: true);
            var node = layer.InboundNodes.Single();
            Assert.Equal(true, node.CallArguments["use_causal_mask"]);
            layer.SetWeights(new[] { tensor(1.5f) });
            var expected = layer.Call(new[] { Query, Value }, useCausalMask: true).Output;
            var predicted = model.Predict(new[] { Query, Value })[0];
            Assert.True(TestTensors.Same(expected, predicted));

            // The option is applied: the same weights without it give other numbers.
            var plain = new RnnSharp.Layers.Attention(useScale: true);
            using var nonCausal = AttentionModel(plain, causal: false);
            Assert.Empty(plain.InboundNodes.Single().CallArguments);
            nonCausal.SetWeights(model.GetWeights());
            Assert.False(TestTensors.Same(predicted, nonCausal.Predict(new[] { Query, Value })[0]));

            NewLayerFilesTests.AssertRoundTrips(model, Query, Value);
        }

        [Fact]
        public void AFunctionalAttentionReturnsItsScores()
        {
            Backend.ClearSession();
            var q = Keras.Input(new int?[] { 3, 4 });
            var v = Keras.Input(new int?[] { 5, 4 });
            var layer = new AdditiveAttention();
            var (output, scores) = layer.Call(new[] { q, v }, returnAttentionScores: true, useCausalMask: true);
            Assert.Equal(new int?[] { null, 3, 4 }, output.Shape);
            Assert.Equal(new int?[] { null, 3, 5 }, scores.Shape);
            using var model = new Model(new[] { q, v }, new[] { output, scores });
            var expected = layer.Call(new[] { Query, Value }, returnAttentionScores: true, useCausalMask: true);
            var predicted = model.Predict(new[] { Query, Value });
            Assert.True(TestTensors.Same(expected[0], predicted[0]));
            Assert.True(TestTensors.Same(expected[1], predicted[1]));
            NewLayerFilesTests.AssertRoundTrips(model, Query, Value);
        }

        private static Model MhaModel(MultiHeadAttention mha, bool causal, bool scores, bool withMask)
        {
            var q = Keras.Input(new int?[] { 3, 4 }, name: "query");
            var v = Keras.Input(new int?[] { 5, 4 }, name: "value");
            var m = withMask ? Keras.Input(new int?[] { 3, 5 }, dtype: "bool", name: "mask") : null;
            var result = mha.Call(q, v, attentionMask: m, returnAttentionScores: scores, useCausalMask: causal);
            var inputs = m is null ? new[] { q, v } : new[] { q, v, m };
            return new Model(inputs, scores ? result.All.ToArray() : new KerasTensor[] { result });
        }

        [Fact]
        public void AFunctionalMultiHeadAttentionWithACausalMaskPredictsAsTheEagerCall()
        {
            Backend.ClearSession();
            var mha = new MultiHeadAttention(2, 3, seed: 1);
            using var model = MhaModel(mha, causal: true, scores: false, withMask: false);
            var expected = mha.Call(Query, Value, useCausalMask: true).Output;
            var predicted = model.Predict(new[] { Query, Value })[0];
            Assert.True(TestTensors.Same(expected, predicted));

            var plain = new MultiHeadAttention(2, 3);
            using var nonCausal = MhaModel(plain, causal: false, scores: false, withMask: false);
            nonCausal.SetWeights(model.GetWeights());
            Assert.False(TestTensors.Same(predicted, nonCausal.Predict(new[] { Query, Value })[0]));

            NewLayerFilesTests.AssertRoundTrips(model, Query, Value);
        }

        [Fact]
        public void AFunctionalMultiHeadAttentionReturnsItsScores()
        {
            Backend.ClearSession();
            var mha = new MultiHeadAttention(2, 3);
            var q = Keras.Input(new int?[] { 3, 4 });
            var v = Keras.Input(new int?[] { 5, 4 });
            var (output, scores) = mha.Call(q, v, returnAttentionScores: true);
            Assert.Equal(new int?[] { null, 3, 4 }, output.Shape);
            Assert.Equal(new int?[] { null, 2, 3, 5 }, scores.Shape);
            using var model = new Model(new[] { q, v }, new[] { output, scores });
            var expected = mha.Call(Query, Value, returnAttentionScores: true);
            var predicted = model.Predict(new[] { Query, Value });
            Assert.Equal(2, predicted.Count);
            Assert.True(TestTensors.Same(expected[0], predicted[0]));
            Assert.True(TestTensors.Same(expected[1], predicted[1]));
            NewLayerFilesTests.AssertRoundTrips(model, Query, Value);
        }

        [Fact]
        public void AnAttentionMaskInputOfAFunctionalMultiHeadAttentionIsApplied()
        {
            Backend.ClearSession();
            var mha = new MultiHeadAttention(2, 3);
            using var model = MhaModel(mha, causal: true, scores: true, withMask: true);
            var node = mha.InboundNodes.Single();
            // The mask is a further input of the node, after the query and the value.
            Assert.Equal(3, node.KerasInputs.Count);
            Assert.Same(model.Inputs[2], node.CallArguments["attention_mask"]);
            // The summary lists the mask among the layer's connections.
            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            Assert.Contains(lines, l => l.Contains("mask[0][0]"));
            var mask = AttentionMask();
            var expected = mha.Call(Query, Value, attentionMask: mask, returnAttentionScores: true, useCausalMask: true);
            var predicted = model.Predict(new[] { Query, Value, mask });
            Assert.True(TestTensors.Same(expected[0], predicted[0]));
            Assert.True(TestTensors.Same(expected[1], predicted[1]));
            // The mask was applied: without it the causal scores differ.
            var causalOnly = mha.Call(Query, Value, returnAttentionScores: true, useCausalMask: true);
            Assert.False(TestTensors.Same(causalOnly[1], predicted[1]));
            NewLayerFilesTests.AssertRoundTrips(model, Query, Value, mask);

            // Keras 2: the kwargs of each input entry, the mask as tf-keras writes a keyword tensor.
            var keras2 = System.Text.Json.Nodes.JsonNode.Parse(model.ToJson())!["config"]!["layers"]!.AsArray()
                .Single(l => (string?)l!["class_name"] == "MultiHeadAttention")!["inbound_nodes"]![0]![0]![3]!;
            Assert.Equal("""["mask",0,0]""", keras2["attention_mask"]!.ToJsonString());
            Assert.True((bool)keras2["use_causal_mask"]!);
            Assert.True((bool)keras2["return_attention_scores"]!);
            // Keras 3: the node's kwargs, the mask as a __keras_tensor__.
            var keras3Config = (Dictionary<string, object?>)Keras3Serialization.Serialize(model)["config"]!;
            var mhaEntry = ((List<object?>)keras3Config["layers"]!).Cast<Dictionary<string, object?>>().Single(l => (string?)l["class_name"] == "MultiHeadAttention");
            var keras3 = (Dictionary<string, object?>)((List<object?>)mhaEntry["inbound_nodes"]!)[0]!;
            var kwargs = (Dictionary<string, object?>)keras3["kwargs"]!;
            var tensorArg = (Dictionary<string, object?>)kwargs["attention_mask"]!;
            Assert.Equal("__keras_tensor__", tensorArg["class_name"]);
            Assert.Equal(new object?[] { "mask", 0, 0 }, (List<object?>)((Dictionary<string, object?>)tensorArg["config"]!)["keras_history"]!);
            Assert.Equal(true, kwargs["use_causal_mask"]);
            Assert.Equal(true, kwargs["return_attention_scores"]);
        }

        [Fact]
        public void CallArgumentsAreCheckedWhenRecorded()
        {
            Backend.ClearSession();
            var q = Keras.Input(new int?[] { 3, 4 });
            var v = Keras.Input(new int?[] { 5, 4 });
            var wrongMask = Keras.Input(new int?[] { 5, 3 }, dtype: "bool");
            Assert.Throws<ShapeMismatchException>(() => new MultiHeadAttention(2, 3).Call(q, v, attentionMask: wrongMask));
            var error = Assert.Throws<ArgumentException>(() => new Dense(2).CallWithArguments(new[] { q }, new Dictionary<string, object?> { ["use_causal_mask"] = true }));
            Assert.Contains("use_causal_mask", error.Message);
        }

        // tf-keras's to_json of: q, v, m = Input((3, 4)), Input((5, 4)), Input((3, 5), dtype=bool);
        // a = Attention(use_scale=True)([q, v], use_causal_mask=True);
        // o, s = MultiHeadAttention(2, 3)(a, v, attention_mask=m, use_causal_mask=True, return_attention_scores=True).
        private const string Keras2Config = """
            {"class_name": "Functional", "config": {"name": "model", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "q"}, "name": "q", "inbound_nodes": []},
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "v"}, "name": "v", "inbound_nodes": []},
              {"class_name": "Attention", "config": {"name": "attention", "trainable": true, "dtype": "float32", "use_scale": true, "score_mode": "dot", "dropout": 0.0}, "name": "attention",
               "inbound_nodes": [[["q", 0, 0, {"use_causal_mask": true}], ["v", 0, 0, {"use_causal_mask": true}]]]},
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3, 5], "dtype": "bool", "sparse": false, "ragged": false, "name": "m"}, "name": "m", "inbound_nodes": []},
              {"class_name": "MultiHeadAttention", "config": {"name": "mha", "trainable": true, "dtype": "float32", "num_heads": 2, "key_dim": 3, "value_dim": 3, "dropout": 0.0,
                "use_bias": true, "output_shape": null, "attention_axes": [1], "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": null}},
                "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null,
                "kernel_constraint": null, "bias_constraint": null, "query_shape": [null, 3, 4], "key_shape": [null, 5, 4], "value_shape": [null, 5, 4]}, "name": "mha",
               "inbound_nodes": [[["attention", 0, 0, {"value": ["v", 0, 0], "attention_mask": ["m", 0, 0], "use_causal_mask": true, "return_attention_scores": true}]]]}],
              "input_layers": [["q", 0, 0], ["v", 0, 0], ["m", 0, 0]], "output_layers": [["mha", 0, 0], ["mha", 0, 1]]},
             "keras_version": "2.15.0", "backend": "tensorflow"}
            """;

        // Keras 3's config.json of the same model: nodes as {"args": [...], "kwargs": {...}}.
        private const string Keras3Config = """
            {"module": "keras", "class_name": "Functional", "config": {"name": "model", "trainable": true, "layers": [
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3, 4], "dtype": "float32", "sparse": false, "name": "q"}, "registered_name": null, "name": "q", "inbound_nodes": []},
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 5, 4], "dtype": "float32", "sparse": false, "name": "v"}, "registered_name": null, "name": "v", "inbound_nodes": []},
              {"module": "keras.layers", "class_name": "Attention", "config": {"name": "attention", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
                "use_scale": true, "score_mode": "dot", "dropout": 0.0, "seed": null}, "registered_name": null, "build_config": {"input_shape": [[null, 3, 4], [null, 5, 4]]}, "name": "attention",
               "inbound_nodes": [{"args": [[{"class_name": "__keras_tensor__", "config": {"shape": [null, 3, 4], "dtype": "float32", "keras_history": ["q", 0, 0]}},
                                            {"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 4], "dtype": "float32", "keras_history": ["v", 0, 0]}}]],
                                  "kwargs": {"use_causal_mask": true}}]},
              {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 3, 5], "dtype": "bool", "sparse": false, "name": "m"}, "registered_name": null, "name": "m", "inbound_nodes": []},
              {"module": "keras.layers", "class_name": "MultiHeadAttention", "config": {"name": "mha", "trainable": true, "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
                "num_heads": 2, "key_dim": 3, "value_dim": 3, "dropout": 0.0, "use_bias": true, "output_shape": null, "attention_axes": [1],
                "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": null},
                "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "seed": null},
               "registered_name": null, "build_config": {"shapes_dict": {"query_shape": [null, 3, 4], "value_shape": [null, 5, 4]}}, "name": "mha",
               "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [null, 3, 4], "dtype": "float32", "keras_history": ["attention", 0, 0]}},
                                           {"class_name": "__keras_tensor__", "config": {"shape": [null, 5, 4], "dtype": "float32", "keras_history": ["v", 0, 0]}}],
                                  "kwargs": {"attention_mask": {"class_name": "__keras_tensor__", "config": {"shape": [null, 3, 5], "dtype": "bool", "keras_history": ["m", 0, 0]}},
                                             "use_causal_mask": true, "return_attention_scores": true}}]}],
              "input_layers": [["q", 0, 0], ["v", 0, 0], ["m", 0, 0]], "output_layers": [["mha", 0, 0], ["mha", 0, 1]]}, "registered_name": null}
            """;

        [Theory]
        [InlineData("keras2")]
        [InlineData("keras3")]
        public void AKerasConfigWithTheCallArgumentsLoadsAndRuns(string dialect)
        {
            Backend.ClearSession();
            using var model = Model.FromJson(dialect == "keras2" ? Keras2Config : Keras3Config);
            var attention = Assert.IsType<RnnSharp.Layers.Attention>(model.GetLayer("attention"));
            var mha = Assert.IsType<MultiHeadAttention>(model.GetLayer("mha"));
            Assert.Equal(true, attention.InboundNodes.Single().CallArguments["use_causal_mask"]);
            var mhaNode = mha.InboundNodes.Single();
            Assert.Same(model.Inputs[2], mhaNode.CallArguments["attention_mask"]);
            Assert.Equal(new int?[] { null, 2, 3, 5 }, model.Outputs[1].Shape);
            attention.SetWeights(new[] { tensor(0.7f) });

            var mask = AttentionMask();
            var predicted = model.Predict(new[] { Query, Value, mask });
            var attended = attention.Call(new[] { Query, Value }, useCausalMask: true).Output;
            var expected = mha.Call(attended, Value, attentionMask: mask, returnAttentionScores: true, useCausalMask: true);
            Assert.True(TestTensors.Same(expected[0], predicted[0]));
            Assert.True(TestTensors.Same(expected[1], predicted[1]));
            NewLayerFilesTests.AssertRoundTrips(model, Query, Value, mask);
        }
    }
}
