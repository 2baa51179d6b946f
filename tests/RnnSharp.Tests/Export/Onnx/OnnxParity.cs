using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Export.Onnx
{
    /// <summary>Exports a model, runs the file in ONNX Runtime (graph optimizations on and off) and compares every output
    /// with <c>Predict</c>.</summary>
    internal static class OnnxParity
    {
        public const double Tolerance = 1e-5;

        /// <summary>Sets every weight to seeded uniform values in [-0.5, 0.5), so biases and recurrent biases matter
        /// (variances in [0.5, 1)).</summary>
        public static void RandomizeWeights(Model model, int seed)
        {
            var rng = new Random(seed);
            var infos = model.Weights;
            var weights = model.GetWeights().Select((w, i) =>
            {
                bool variance = infos[i].Name.Contains("variance", StringComparison.Ordinal);
                return tensor(Enumerable.Range(0, (int)w.numel()).Select(_ => rng.NextDouble() - 0.5)
                    .Select(v => (float)(variance ? Math.Abs(v) + 0.5 : v)).ToArray(), w.shape);
            }).ToArray();
            model.SetWeights(weights);
        }

        /// <summary>Exports <paramref name="model"/> and checks the file's outputs against <c>Predict</c> on <paramref name="inputs"/>.</summary>
        public static void AssertMatchesPredict(Model model, IReadOnlyList<Tensor> inputs, double tolerance = Tolerance)
        {
            var expected = model.Predict(inputs.ToArray());
            using var dir = new TempDir();
            string path = dir.File("model.onnx");
            model.Export(path);
            foreach (var level in new[] { GraphOptimizationLevel.ORT_ENABLE_ALL, GraphOptimizationLevel.ORT_DISABLE_ALL })
            {
                var actual = Run(path, model.InputNames, inputs, model.OutputNames, level);
                Assert.Equal(expected.Count, actual.Count);
                for (int i = 0; i < expected.Count; i++)
                {
                    var (values, shape) = actual[i];
                    var want = expected[i].detach().cpu().to(ScalarType.Float32).contiguous();
                    Assert.True(want.shape.SequenceEqual(shape),
                        $"Output {model.OutputNames[i]} ({level}): shape [{string.Join(", ", shape)}], Predict gives [{string.Join(", ", want.shape)}].");
                    var w = want.data<float>().ToArray();
                    for (int k = 0; k < w.Length; k++)
                        // NaN where Predict gives NaN (a mean over no step) counts as equal.
                        if (!(Math.Abs(w[k] - values[k]) <= tolerance) && !(float.IsNaN(w[k]) && float.IsNaN(values[k])))
                            Assert.Fail($"Output {model.OutputNames[i]} ({level}), element {k} of [{string.Join(", ", shape)}]: ONNX {values[k]:G9}, Predict {w[k]:G9}.");
                }
            }
        }

        /// <summary>Runs an ONNX file on torch tensors; returns each output's values and shape.</summary>
        public static IReadOnlyList<(float[] Values, long[] Shape)> Run(
            string path, IReadOnlyList<string> inputNames, IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, GraphOptimizationLevel level)
        {
            // One thread: the models are tiny, and thread pools per session cost more than they save on CI's 2 cores.
            using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            using var session = new InferenceSession(path, options);
            var values = inputs.Select(ToOrt).ToArray();
            try
            {
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, inputNames.ToArray(), values, outputNames.ToArray());
                return results.Select(r => (r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape)).ToArray();
            }
            finally
            {
                foreach (var v in values) v.Dispose();
            }
        }

        private static OrtValue ToOrt(Tensor x)
        {
            var t = x.detach().cpu().contiguous();
            return t.dtype switch
            {
                ScalarType.Int64 => OrtValue.CreateTensorValueFromMemory(t.data<long>().ToArray(), t.shape),
                ScalarType.Int32 => OrtValue.CreateTensorValueFromMemory(t.data<int>().ToArray(), t.shape),
                _ => OrtValue.CreateTensorValueFromMemory(t.to(ScalarType.Float32).data<float>().ToArray(), t.shape),
            };
        }
    }
}
