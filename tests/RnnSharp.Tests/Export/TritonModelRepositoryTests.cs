using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using RnnSharp.Export;
using RnnSharp.Layers;
using Xunit;

namespace RnnSharp.Tests.Export
{
    /// <summary>The Triton model repository: the exact config.pbtxt text, the folder layout, and the checks on options and tensors.</summary>
    public class TritonModelRepositoryTests
    {
        private static readonly ModelTensorInfo[] SentimentInputs = { new("token_ids", "int64", new long[] { -1, -1 }) };
        private static readonly ModelTensorInfo[] SentimentOutputs = { new("probabilities", "float32", new long[] { -1, 1 }) };

        [Fact]
        public void ConfigOfTheSentimentModelIsTritonsTextFormat()
        {
            var options = new TritonOptions("repo", "sentiment") { PreferredBatchSizes = new[] { 32, 128 }, MaxQueueDelayMicroseconds = 500 };
            string expected =
                "# Triton Inference Server model configuration (model_config.proto, text format), written by RnnSharp.\n" +
                "name: \"sentiment\"\n" +
                "platform: \"onnxruntime_onnx\"\n" +
                "max_batch_size: 256\n" +
                "input [\n" +
                "  {\n" +
                "    name: \"token_ids\"\n" +
                "    data_type: TYPE_INT64\n" +
                "    dims: [ -1 ]\n" +
                "  }\n" +
                "]\n" +
                "output [\n" +
                "  {\n" +
                "    name: \"probabilities\"\n" +
                "    data_type: TYPE_FP32\n" +
                "    dims: [ 1 ]\n" +
                "  }\n" +
                "]\n" +
                "instance_group [\n" +
                "  {\n" +
                "    count: 1\n" +
                "    kind: KIND_AUTO\n" +
                "  }\n" +
                "]\n" +
                "dynamic_batching {\n" +
                "  preferred_batch_size: [ 32, 128 ]\n" +
                "  max_queue_delay_microseconds: 500\n" +
                "}\n";
            Assert.Equal(expected, TritonModelRepository.ConfigText(options, SentimentInputs, SentimentOutputs));
        }

        [Fact]
        public void UnbatchedConfigKeepsEveryAxisAndHasNoDynamicBatching()
        {
            var options = new TritonOptions("repo", "seq2seq") { MaxBatchSize = 0, DynamicBatching = false, InstanceCount = 2, InstanceKind = TritonInstanceKind.Gpu };
            var inputs = new ModelTensorInfo[] { new("encoder", "float32", new long[] { 1, -1, 8 }), new("decoder", "float32", new long[] { 1, -1, 8 }) };
            var outputs = new ModelTensorInfo[] { new("score", "float64", Array.Empty<long>()) };
            string expected =
                "# Triton Inference Server model configuration (model_config.proto, text format), written by RnnSharp.\n" +
                "name: \"seq2seq\"\n" +
                "platform: \"onnxruntime_onnx\"\n" +
                "max_batch_size: 0\n" +
                "input [\n" +
                "  {\n" +
                "    name: \"encoder\"\n" +
                "    data_type: TYPE_FP32\n" +
                "    dims: [ 1, -1, 8 ]\n" +
                "  },\n" +
                "  {\n" +
                "    name: \"decoder\"\n" +
                "    data_type: TYPE_FP32\n" +
                "    dims: [ 1, -1, 8 ]\n" +
                "  }\n" +
                "]\n" +
                "output [\n" +
                "  {\n" +
                "    name: \"score\"\n" +
                "    data_type: TYPE_FP64\n" +
                "    dims: [ 1 ]\n" +
                "    reshape: { shape: [ ] }\n" +
                "  }\n" +
                "]\n" +
                "instance_group [\n" +
                "  {\n" +
                "    count: 2\n" +
                "    kind: KIND_GPU\n" +
                "  }\n" +
                "]\n";
            Assert.Equal(expected, TritonModelRepository.ConfigText(options, inputs, outputs));
        }

        [Fact]
        public void DefaultOptionsWriteDynamicBatchingWithoutPreferredSizes()
        {
            string text = TritonModelRepository.ConfigText(new TritonOptions("repo", "m"), SentimentInputs, SentimentOutputs);
            Assert.EndsWith("dynamic_batching {\n  max_queue_delay_microseconds: 100\n}\n", text, StringComparison.Ordinal);
            Assert.Contains("max_batch_size: 256\n", text, StringComparison.Ordinal);
        }

        [Fact]
        public void NamesAreQuotedAsProtobufTextStrings()
        {
            var inputs = new ModelTensorInfo[] { new("a\"b\\c", "int32", new long[] { -1, 3 }) };
            string text = TritonModelRepository.ConfigText(new TritonOptions("repo", "m"), inputs, SentimentOutputs);
            Assert.Contains("    name: \"a\\\"b\\\\c\"\n", text, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("bool", "TYPE_BOOL")]
        [InlineData("uint8", "TYPE_UINT8")]
        [InlineData("int32", "TYPE_INT32")]
        [InlineData("int64", "TYPE_INT64")]
        [InlineData("float16", "TYPE_FP16")]
        [InlineData("bfloat16", "TYPE_BF16")]
        [InlineData("float32", "TYPE_FP32")]
        [InlineData("float64", "TYPE_FP64")]
        [InlineData("string", "TYPE_STRING")]
        public void ElementTypesMapToTritonDataTypes(string elementType, string dataType)
        {
            Assert.Equal(dataType, TritonModelRepository.DataType(elementType));
        }

        [Fact]
        public void WriteLaysOutTheRepositoryAndCopiesTheModel()
        {
            string root = Path.Combine(Path.GetTempPath(), "rnnsharp-triton-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(root);
                string onnx = Path.Combine(root, "exported.onnx");
                byte[] content = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
                File.WriteAllBytes(onnx, content);
                string repository = Path.Combine(root, "models");
                var options = new TritonOptions(repository, "sentiment") { Version = 3 };

                string modelDirectory = TritonModelRepository.Write(options, onnx, SentimentInputs, SentimentOutputs);

                Assert.Equal(Path.Combine(repository, "sentiment"), modelDirectory);
                Assert.Equal(content, File.ReadAllBytes(Path.Combine(repository, "sentiment", "3", "model.onnx")));
                Assert.Equal(TritonModelRepository.ConfigText(options, SentimentInputs, SentimentOutputs),
                    File.ReadAllText(Path.Combine(repository, "sentiment", "config.pbtxt")));
                // Atomic writes leave no temporary files behind.
                Assert.Equal(new[] { "config.pbtxt" }, Directory.GetFiles(modelDirectory).Select(Path.GetFileName));
                Assert.Equal(new[] { "model.onnx" }, Directory.GetFiles(Path.Combine(modelDirectory, "3")).Select(Path.GetFileName));

                // Writing again replaces both files.
                File.WriteAllBytes(onnx, new byte[] { 1, 2, 3 });
                TritonModelRepository.Write(options with { MaxBatchSize = 8 }, onnx, SentimentInputs, SentimentOutputs);
                Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(repository, "sentiment", "3", "model.onnx")));
                Assert.Contains("max_batch_size: 8\n", File.ReadAllText(Path.Combine(repository, "sentiment", "config.pbtxt")), StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        [Fact]
        public void InvalidOptionsLeaveTheRepositoryUntouched()
        {
            string root = Path.Combine(Path.GetTempPath(), "rnnsharp-triton-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(root);
                string onnx = Path.Combine(root, "exported.onnx");
                File.WriteAllBytes(onnx, new byte[] { 1 });
                var options = new TritonOptions(Path.Combine(root, "models"), "m") { PreferredBatchSizes = new[] { 512 } };
                var error = Assert.Throws<ArgumentException>(() => TritonModelRepository.Write(options, onnx, SentimentInputs, SentimentOutputs));
                Assert.Contains("between 1 and max_batch_size (256); received 512", error.Message, StringComparison.Ordinal);
                Assert.False(Directory.Exists(Path.Combine(root, "models")));
                Assert.Throws<FileNotFoundException>(() => TritonModelRepository.Write(new TritonOptions(Path.Combine(root, "models"), "m"), Path.Combine(root, "missing.onnx"), SentimentInputs, SentimentOutputs));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        [Theory]
        [InlineData("", "plain folder name")]
        [InlineData("..", "plain folder name")]
        [InlineData("a/b", "plain folder name")]
        public void ModelNameMustBeOneFolder(string name, string message)
        {
            var error = Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(new TritonOptions("repo", name), SentimentInputs, SentimentOutputs));
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void BatchedTensorsNeedADynamicFirstAxis()
        {
            var fixedBatch = new ModelTensorInfo[] { new("ids", "int64", new long[] { 4, -1 }) };
            var error = Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(new TritonOptions("repo", "m"), fixedBatch, SentimentOutputs));
            Assert.Contains("input \"ids\" must have a dynamic first (batch) axis, -1; its shape is [4, -1]", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void OtherInvalidArgumentsNameWhatWasExpected()
        {
            var options = new TritonOptions("repo", "m");
            Assert.Contains("element type \"complex64\", which has no Triton data type",
                Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(options, new ModelTensorInfo[] { new("x", "complex64", new long[] { -1 }) }, SentimentOutputs)).Message,
                StringComparison.Ordinal);
            Assert.Contains("dimensions must be -1 (dynamic) or at least 0",
                Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(options, new ModelTensorInfo[] { new("x", "int64", new long[] { -1, -2 }) }, SentimentOutputs)).Message,
                StringComparison.Ordinal);
            Assert.Contains("at least one input",
                Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(options, Array.Empty<ModelTensorInfo>(), SentimentOutputs)).Message,
                StringComparison.Ordinal);
            Assert.Contains("dynamic_batching needs max_batch_size above 0",
                Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(options with { MaxBatchSize = 0 }, SentimentInputs, SentimentOutputs)).Message,
                StringComparison.Ordinal);
            Assert.Contains("version must be at least 1; received 0",
                Assert.Throws<ArgumentException>(() => TritonModelRepository.ConfigText(options with { Version = 0 }, SentimentInputs, SentimentOutputs)).Message,
                StringComparison.Ordinal);
            Assert.Throws<ArgumentException>(() => TritonModelRepository.DataType("int4"));
        }

        private static Sequential ExportableSentimentModel()
        {
            Backend.SetRandomSeed(3);
            var model = new Sequential(new Layer[]
            {
                new Embedding(30, 4, maskZero: true, name: "embedding"),
                new LSTM(4, returnSequences: true, name: "lstm"),
                new GRU(4, name: "gru"),
                new Dense(1, activation: "sigmoid", name: "dense"),
            }, "sentiment");
            model.Build(new int?[] { null, null });
            return model;
        }

        // What ONNX Runtime reads from a file: element types as dtype names, symbolic dimensions as -1.
        private static ModelTensorInfo[] FromOnnxRuntime(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
            metadata.Select(pair => new ModelTensorInfo(
                pair.Key,
                pair.Value.ElementType == typeof(long) ? "int64" : pair.Value.ElementType == typeof(float) ? "float32" : pair.Value.ElementType.Name,
                pair.Value.Dimensions.Select(d => (long)d).ToArray())).ToArray();

        [Fact]
        public void ExportWritesARepositoryThatMatchesTheOnnxFile()
        {
            string root = Path.Combine(Path.GetTempPath(), "rnnsharp-triton-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var model = ExportableSentimentModel();
                string onnx = Path.Combine(root, "model.onnx");
                var options = new TritonOptions(Path.Combine(root, "models"), "sentiment") { MaxBatchSize = 64, PreferredBatchSizes = new[] { 16, 64 } };
                model.Export(onnx, options);

                string modelFile = Path.Combine(root, "models", "sentiment", "1", "model.onnx");
                Assert.Equal(File.ReadAllBytes(onnx), File.ReadAllBytes(modelFile));
                string config = File.ReadAllText(Path.Combine(root, "models", "sentiment", "config.pbtxt"));
                string expected =
                    "# Triton Inference Server model configuration (model_config.proto, text format), written by RnnSharp.\n" +
                    "name: \"sentiment\"\n" +
                    "platform: \"onnxruntime_onnx\"\n" +
                    "max_batch_size: 64\n" +
                    "input [\n" +
                    "  {\n" +
                    "    name: \"embedding_input\"\n" +
                    "    data_type: TYPE_INT64\n" +
                    "    dims: [ -1 ]\n" +
                    "  }\n" +
                    "]\n" +
                    "output [\n" +
                    "  {\n" +
                    "    name: \"dense\"\n" +
                    "    data_type: TYPE_FP32\n" +
                    "    dims: [ 1 ]\n" +
                    "  }\n" +
                    "]\n" +
                    "instance_group [\n" +
                    "  {\n" +
                    "    count: 1\n" +
                    "    kind: KIND_AUTO\n" +
                    "  }\n" +
                    "]\n" +
                    "dynamic_batching {\n" +
                    "  preferred_batch_size: [ 16, 64 ]\n" +
                    "  max_queue_delay_microseconds: 100\n" +
                    "}\n";
                Assert.Equal(expected, config);

                // The names, types and shapes in the configuration are those ONNX Runtime reads from the copied file.
                using var session = new InferenceSession(modelFile);
                ModelTensorInfo[] inputs = FromOnnxRuntime(session.InputMetadata), outputs = FromOnnxRuntime(session.OutputMetadata);
                Assert.Equal(new[] { new ModelTensorInfo("embedding_input", "int64", new long[] { -1, -1 }) }, inputs);
                Assert.Equal(new[] { new ModelTensorInfo("dense", "float32", new long[] { -1, 1 }) }, outputs);
                Assert.Equal(TritonModelRepository.ConfigText(options, inputs, outputs), config);
                OnnxSignature signature = OnnxSignature.Read(modelFile);
                Assert.Equal(inputs, signature.Inputs);
                Assert.Equal(outputs, signature.Outputs);
            }
            finally
            {
                if (Directory.Exists(root))
                    Directory.Delete(root, recursive: true);
            }
        }

        [Fact]
        public void ExportWithInvalidTritonOptionsWritesNothing()
        {
            string root = Path.Combine(Path.GetTempPath(), "rnnsharp-triton-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var model = ExportableSentimentModel();
                string onnx = Path.Combine(root, "model.onnx");
                var error = Assert.Throws<ArgumentException>(() => model.Export(onnx, new TritonOptions(Path.Combine(root, "models"), "a/b")));
                Assert.Contains("plain folder name; received \"a/b\"", error.Message, StringComparison.Ordinal);
                Assert.False(File.Exists(onnx));
                Assert.False(Directory.Exists(Path.Combine(root, "models")));
                Assert.Throws<ArgumentException>(() => model.Export(onnx, new TritonOptions(Path.Combine(root, "models"), "m"), format: "tflite"));
                Assert.False(File.Exists(onnx));
            }
            finally
            {
                if (Directory.Exists(root))
                    Directory.Delete(root, recursive: true);
            }
        }

        [Fact]
        public void SignatureOfANonOnnxFileIsRefused()
        {
            string path = Path.Combine(Path.GetTempPath(), "rnnsharp-triton-" + Guid.NewGuid().ToString("N") + ".onnx");
            try
            {
                File.WriteAllBytes(path, new byte[] { 0xff, 0xff, 0xff, 0xff });
                Assert.Contains("is not an ONNX model", Assert.Throws<InvalidDataException>(() => OnnxSignature.Read(path)).Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(path);
            }
        }

        [Fact]
        public void TensorInfosCompareByValue()
        {
            Assert.Equal(new ModelTensorInfo("x", "int64", new long[] { -1, 5 }), new ModelTensorInfo("x", "int64", new[] { -1L, 5L }.ToList()));
            Assert.NotEqual(new ModelTensorInfo("x", "int64", new long[] { -1, 5 }), new ModelTensorInfo("x", "int64", new long[] { -1, 6 }));
            Assert.Equal("x: int64[-1, 5]", new ModelTensorInfo("x", "int64", new long[] { -1, 5 }).ToString());
        }
    }
}
