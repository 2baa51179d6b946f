using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Export.Onnx
{
    /// <summary>The non-recurrent layers, each in a small model: the exported file's outputs equal Predict.</summary>
    public class LayerExportTests
    {
        private const int Batch = 3, Steps = 6, Features = 4;

        // Each case: the layers after a (batch, 6, 4) float input, or after an Embedding with maskZero when the name says so.
        private static readonly Dictionary<string, Func<Layer[]>> Cases = new()
        {
            ["dense_relu"] = () => new Layer[] { new Dense(5, activation: "relu") },
            ["dense_no_bias_softmax"] = () => new Layer[] { new Dense(5, activation: "softmax", useBias: false) },
            ["activations"] = () => new Layer[]
            {
                new Activation("tanh"), new Activation("sigmoid"), new Activation("elu"), new Activation("selu"), new Activation("softplus"),
                new Activation("softsign"), new Activation("swish"), new Activation("gelu"), new Activation("hard_sigmoid"),
                new Activation("relu6"), new Activation("exponential"), new Activation("log_softmax"),
            },
            ["dropouts"] = () => new Layer[] { new Dropout(0.5), new SpatialDropout1D(0.3), new GaussianNoise(0.2), new Dense(3) },
            ["time_distributed_dense"] = () => new Layer[] { new TimeDistributed(new Dense(3, activation: "tanh")) },
            ["time_distributed_flatten"] = () => new Layer[] { new Reshape(new[] { Steps, 2, 2 }), new TimeDistributed(new Flatten()) },
            ["conv1d_valid"] = () => new Layer[] { new Conv1D(5, 3, activation: "relu") },
            ["conv1d_same_strided"] = () => new Layer[] { new Conv1D(5, 3, strides: 2, padding: "same") },
            ["conv1d_causal_dilated"] = () => new Layer[] { new Conv1D(4, 2, padding: "causal", dilationRate: 2) },
            ["conv1d_groups_channels_first"] = () => new Layer[] { new Conv1D(6, 2, groups: 2, dataFormat: "channels_first") },
            ["max_pooling"] = () => new Layer[] { new MaxPooling1D(2) },
            ["max_pooling_same"] = () => new Layer[] { new MaxPooling1D(4, padding: "same") },
            ["average_pooling_same"] = () => new Layer[] { new AveragePooling1D(4, strides: 3, padding: "same") },
            ["global_average"] = () => new Layer[] { new GlobalAveragePooling1D() },
            ["global_max_keepdims"] = () => new Layer[] { new GlobalMaxPooling1D(keepdims: true) },
            ["flatten"] = () => new Layer[] { new Flatten() },
            ["reshape"] = () => new Layer[] { new Reshape(new[] { -1, 2 }) },
            ["permute"] = () => new Layer[] { new Permute(new[] { 2, 1 }) },
            ["repeat_vector"] = () => new Layer[] { new GlobalMaxPooling1D(), new RepeatVector(3) },
            ["layer_normalization"] = () => new Layer[] { new LayerNormalization() },
            ["layer_normalization_two_axes"] = () => new Layer[] { new LayerNormalization(new[] { 1, 2 }) },
            ["batch_normalization"] = () => new Layer[] { new BatchNormalization() },
            ["masked_global_average"] = () => new Layer[] { new GlobalAveragePooling1D() },
            ["masked_dense_lstm"] = () => new Layer[] { new Dense(4), new LayerNormalization(), new Dropout(0.1), new LSTM(3) },
        };

        public static IEnumerable<object[]> CaseNames() => Cases.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(CaseNames))]
        public void LayerMatchesPredict(string name)
        {
            manual_seed(4);
            var model = new Sequential();
            Tensor data;
            if (name.StartsWith("masked_", StringComparison.Ordinal))
            {
                model.Add(new Embedding(9, Features, maskZero: true));
                data = tensor(new long[] { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0 }, new long[] { Batch, Steps });
            }
            else
            {
                data = TestTensors.From(TestTensors.Random3(new Random(5), Batch, Steps, Features));
            }
            foreach (var layer in Cases[name]()) model.Add(layer);
            model.Build(new int?[] { null, Steps }.Concat(name.StartsWith("masked_", StringComparison.Ordinal) ? Array.Empty<int?>() : new int?[] { Features }).ToArray());
            OnnxParity.RandomizeWeights(model, seed: 6);
            OnnxParity.AssertMatchesPredict(model, new[] { data });
        }
    }
}
