using System;
using System.IO;
using System.Linq;
using Onnx;
using RnnSharp.Layers;
using RnnSharp.Tests.CustomLayers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Export.Onnx
{
    /// <summary>The file itself (opset, producer, metadata, dynamic axes, names) and the refusals: unsupported layers and
    /// options name the layer and leave no file.</summary>
    public class OnnxExporterTests
    {
        private static Sequential Tagger()
        {
            var model = new Sequential(new Layer[] { new Embedding(10, 4, maskZero: true), new LSTM(3, returnSequences: true), new Dense(2) });
            model.Build(new int?[] { null, null });
            return model;
        }

        [Fact]
        public void FileHasOpsetProducerConfigAndDynamicAxes()
        {
            using var model = Tagger();
            using var dir = new TempDir();
            string path = dir.File("tagger.onnx");
            model.Export(path);
            var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            Assert.Equal("RnnSharp", proto.ProducerName);
            Assert.Equal(typeof(Model).Assembly.GetName().Version!.ToString(3), proto.ProducerVersion);
            Assert.Equal(17, proto.OpsetImport.Single(o => o.Domain == "").Version);
            Assert.Equal(model.ToJson(), proto.MetadataProps.Single(p => p.Key == "keras_model_config").Value);
            var input = proto.Graph.Input.Single();
            Assert.Equal(model.InputNames[0], input.Name);
            Assert.Equal((int)TensorProto.Types.DataType.Int64, input.Type.TensorType.ElemType);
            Assert.Equal(new[] { "batch", "time" }, input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
            var output = proto.Graph.Output.Single();
            Assert.Equal(model.OutputNames[0], output.Name);
            Assert.Equal(new[] { "batch", "time", "" }, output.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
            Assert.Equal(2, output.Type.TensorType.Shape.Dim[2].DimValue);
            Assert.Contains(proto.Graph.Node, n => n.OpType == "LSTM");
            Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void SharedLayerWeightsAreStoredOnce()
        {
            var a = Keras.Input(new int?[] { null, 3 });
            var b = Keras.Input(new int?[] { null, 3 });
            var shared = new LSTM(4);
            var dense = new Dense(2);
            using var model = new Model(new[] { a, b }, new[] { dense.Call(shared.Call(a)), dense.Call(shared.Call(b)) });
            var proto = global::RnnSharp.Export.Onnx.OnnxExporter.Build(model);
            Assert.Equal(2, proto.Graph.Node.Count(n => n.OpType == "LSTM"));
            // W, R, B of the LSTM and the Dense kernel and bias, once each.
            Assert.Equal(5, proto.Graph.Initializer.Count(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count > 0));
        }

        [Fact]
        public void BatchAndTimeAreDynamic()
        {
            manual_seed(2);
            using var model = Tagger();
            using var dir = new TempDir();
            string path = dir.File("tagger.onnx");
            model.Export(path);
            foreach (var (batch, steps) in new[] { (1, 2), (4, 9) })
            {
                var tokens = tensor(Enumerable.Range(0, batch * steps).Select(i => (long)(i % 10)).ToArray(), new long[] { batch, steps });
                var expected = model.Predict(tokens);
                var (values, shape) = OnnxParity.Run(path, model.InputNames, new[] { tokens }, model.OutputNames, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL)[0];
                Assert.Equal(expected.shape, shape);
                TestTensors.AssertClose(TestTensors.Values(expected).Select(v => (double)v).ToArray(), tensor(values), OnnxParity.Tolerance, $"batch {batch}, steps {steps}");
            }
        }

        private static void AssertRefused(Model model, params string[] words)
        {
            using var dir = new TempDir();
            string path = dir.File("model.onnx");
            File.WriteAllText(path, "old");
            var error = Assert.Throws<NotSupportedException>(() => model.Export(path));
            foreach (var word in words) Assert.Contains(word, error.Message, StringComparison.Ordinal);
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir.Path));
        }

        [Fact]
        public void StatefulLayerIsRefused()
        {
            using var model = new Sequential(new Layer[] { new LSTM(3, stateful: true, batchInputShape: new int?[] { 2, 4, 3 }, name: "carry") });
            AssertRefused(model, "\"carry\"", "stateful");
        }

        [Fact]
        public void CustomCellsAreRefused()
        {
            using var irnn = new Sequential(new Layer[] { new IRNN(3, inputShape: new int?[] { 4, 3 }, name: "identity_rnn") });
            AssertRefused(irnn, "\"identity_rnn\"", "layer class IRNN");
            using var stacked = new Sequential(new Layer[] { new RNN(new AbstractRNNCell[] { new LSTMCell(3), new GRUCell(2) }, inputShape: new int?[] { 4, 3 }, name: "stack") });
            AssertRefused(stacked, "\"stack\"", "StackedRNNCells");
        }

        [Fact]
        public void LambdaAndCustomActivationsAreRefused()
        {
            using var lambda = new Sequential(new Layer[] { new Dense(2, inputShape: new int?[] { 3 }), new Lambda(x => x * 2, name: "double_it") });
            AssertRefused(lambda, "\"double_it\"", "Lambda");
            var custom = new Activations.Activation("tanh", x => x.sin());
            using var model = new Sequential(new Layer[] { new Dense(2, activation: custom, inputShape: new int?[] { 3 }, name: "odd") });
            AssertRefused(model, "\"odd\"", "activation \"tanh\"");
            using var lstm = new Sequential(new Layer[] { new LSTM(2, activation: "selu", inputShape: new int?[] { 4, 3 }, name: "selu_lstm") });
            AssertRefused(lstm, "\"selu_lstm\"", "activation \"selu\"");
        }

        [Fact]
        public void RecurrentDropoutIsIgnoredAtInference()
        {
            manual_seed(3);
            var input = Keras.Input(new int?[] { null, 3 });
            using var model = new Model(input, new GRU(4, dropout: 0.3, recurrentDropout: 0.4).Call(input));
            OnnxParity.AssertMatchesPredict(model, new[] { TestTensors.From(TestTensors.Random3(new Random(1), 2, 4, 3)) });
        }

        [Fact]
        public void OtherFormatsAndUnbuiltModelsAreRefused()
        {
            using var model = Tagger();
            using var dir = new TempDir();
            var error = Assert.Throws<ArgumentException>(() => model.Export(dir.File("m.tflite"), format: "tflite"));
            Assert.Contains("tflite", error.Message, StringComparison.Ordinal);
            using var unbuilt = new Sequential(new Layer[] { new Dense(2) });
            Assert.Throws<InvalidOperationException>(() => unbuilt.Export(dir.File("m.onnx")));
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
    }
}
