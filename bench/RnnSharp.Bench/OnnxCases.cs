using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// S9: serving the stacked-RNN sentiment model, <c>Embedding(20000, 128)</c> + 2 x <c>LSTM(128)</c> +
    /// <c>Dense(1, sigmoid)</c>, through RnnSharp's <c>Predict</c> on libtorch (A) and through ONNX Runtime running the
    /// file <c>Model.Export</c> wrote (B). Two forms: masked (<c>maskZero: true</c>, right-padded reviews of lengths in
    /// [10, 80] padded to 80, as the OnnxServing example serves) and unmasked (every one of the 80 steps a token). Each
    /// contender answers one request per batch, as a server would: one <c>Predict</c> call, or one session run with the
    /// input copied in and the probabilities copied out. Batches of 1, 32 and 256; the row's note gives the median
    /// latency of one request on each side.
    /// </summary>
    internal static class OnnxCases
    {
        private const int Steps = 80;
        private static readonly int[] Batches = { 1, 32, 256 };
        private static readonly ClassifierCases.Spec Spec = new("S9", "Embedding+2×LSTM(128)+Dense(1)", CellKind.Lstm, 128, 2);

        public static void Run(BenchContext ctx)
        {
            foreach (bool masked in new[] { true, false })
                RunModel(ctx, masked);
        }

        private static void RunModel(BenchContext ctx, bool masked)
        {
            Backend.SetRandomSeed(1234);
            using var model = ClassifierCases.Build(Spec, maskZero: masked);
            string path = Path.Combine(Path.GetTempPath(), $"rnnsharp-bench-s9-{Guid.NewGuid():N}.onnx");
            try
            {
                model.Export(path);
                using var sessionOptions = new SessionOptions
                {
                    // One thread each, as libtorch gets with --threads: the comparison is per core.
                    IntraOpNumThreads = ctx.Options.Threads ?? 0,
                    InterOpNumThreads = 1,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                };
                using var session = new InferenceSession(path, sessionOptions);
                foreach (int batch in Batches)
                    RunOne(ctx, model, session, batch, masked);
            }
            finally
            {
                File.Delete(path);
            }
        }

        private static void RunOne(BenchContext ctx, Sequential model, InferenceSession session, int batch, bool masked)
        {
            string title = (masked ? "masked " : "") + Spec.Title;
            string config = masked ? $"T≤{Steps} B={batch}" : $"T={Steps} B={batch}";
            ctx.Log($"S9 {title} {config} ...");
            // Small batches make many requests a run, so that a run is long enough to time.
            int requests = Math.Max(ctx.Sizes.BatchesPerRun, 256 / batch);
            long n = (long)batch * requests;
            string inputName = session.InputMetadata.Keys.Single(), outputName = session.OutputMetadata.Keys.Single();
            using var x = masked ? MaskedCases.PaddedData(n, Steps) : randint(1, ClassifierCases.Vocabulary, new[] { n, (long)Steps }, dtype: ScalarType.Int64);
            Tensor[] torchBatches = Enumerable.Range(0, requests).Select(i => x.narrow(0, (long)i * batch, batch)).ToArray();
            long[] all = x.data<long>().ToArray();
            long[][] onnxBatches = Enumerable.Range(0, requests).Select(i => all.AsSpan(i * batch * Steps, batch * Steps).ToArray()).ToArray();
            long[] shape = { batch, Steps };
            var runOptions = new RunOptions();
            string[] inputNames = { inputName }, outputNames = { outputName };

            float[] OnnxRequest(long[] ids)
            {
                using var input = OrtValue.CreateTensorValueFromMemory(ids, shape);
                using var outputs = session.Run(runOptions, inputNames, new[] { input }, outputNames);
                return outputs[0].GetTensorDataAsSpan<float>().ToArray();
            }

            string check;
            using (var predicted = model.Predict(torchBatches[0]))
            {
                float[] a = predicted.data<float>().ToArray();
                float[] b = OnnxRequest(onnxBatches[0]);
                check = $"|Δprob| Predict vs ONNX Runtime {a.Zip(b, (p, q) => Math.Abs(p - q)).Max():0.0e0}";
            }

            var (series, memory) = Harness.Measure(new[]
            {
                new Contender("RnnSharp Predict", () =>
                {
                    foreach (var xb in torchBatches) model.Predict(xb).Dispose();
                }, n, requests),
                new Contender("ONNX Runtime", () =>
                {
                    foreach (var ids in onnxBatches) OnnxRequest(ids);
                }, n, requests),
            }, ctx.Plan);
            runOptions.Dispose();
            foreach (var t in torchBatches) t.Dispose();
            string latency = $"latency per request {series[0].MedianSeconds / requests * 1000:0.00} ms vs {series[1].MedianSeconds / requests * 1000:0.00} ms";
            ctx.Add(ClassifierCases.Row("S9", $"{title} {config}", "predict: Predict vs ONNX Runtime", series, null, memory, $"{latency}; {check}"));
        }
    }
}
