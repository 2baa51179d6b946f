using System;
using System.Linq;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// P: mixed precision against float32, same process, interleaved. The classifiers of S1-S4 trained by <c>Fit</c> and
    /// run by <c>Predict</c> under <c>--precision</c> (default <c>mixed_bfloat16</c>) against the same model in float32
    /// (same initial weights and data), and S6's lone LSTM layer, forward+backward and forward, at 128 and 512 units.
    /// </summary>
    internal static class PrecisionCases
    {
        public static void Run(BenchContext ctx)
        {
            string policy = ctx.Options.Precision;
            ctx.Note($"P: {policy} against float32; the CPU's bfloat16 instructions: {BFloat16Flags()}.");
            foreach (var spec in ClassifierCases.Specs.Where(s => s.Case is "S1" or "S2" or "S3" or "S4"))
                Classifier(ctx, spec, policy, steps: 80, batch: 128);
            foreach (int units in new[] { 128, 512 })
                Layer(ctx, policy, units, batch: 128, steps: 80);
        }

        private static Sequential Build(ClassifierCases.Spec spec, string policy)
        {
            var saved = MixedPrecision.GlobalPolicy;
            MixedPrecision.SetGlobalPolicy(policy);
            try
            {
                Backend.SetRandomSeed(1234);
                return ClassifierCases.Build(spec);
            }
            finally
            {
                MixedPrecision.SetGlobalPolicy(saved);
            }
        }

        private static void Classifier(BenchContext ctx, ClassifierCases.Spec spec, string policy, int steps, int batch)
        {
            string config = $"{spec.Case} {spec.Title} T={steps} B={batch}";
            ctx.Log($"P {config} ...");
            using var low = Build(spec, policy);
            using var full = Build(spec, "float32");
            long n = (long)batch * ctx.Sizes.BatchesPerRun;
            Backend.SetRandomSeed(99);
            var (x, y) = ClassifierCases.Data(n, steps);
            using (x)
            using (y)
            {
                string check;
                using (no_grad())
                using (NewDisposeScope())
                {
                    var xb = x.narrow(0, 0, batch);
                    check = $"|Δpred| {policy} vs float32 before training: {(low.Predict(xb) - full.Predict(xb)).abs().max().item<float>():0.0e0}";
                }
                var (train, trainMem) = Harness.Measure(new[]
                {
                    new Contender($"Fit {policy}", () => low.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                    new Contender("Fit float32", () => full.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(ClassifierCases.Row("P", config, "train", train, null, trainMem, check));
                var (predict, predictMem) = Harness.Measure(new[]
                {
                    new Contender($"Predict {policy}", () => low.Predict(x, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                    new Contender("Predict float32", () => full.Predict(x, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(ClassifierCases.Row("P", config, "predict", predict, null, predictMem, null));
            }
        }

        private static void Layer(BenchContext ctx, string policy, int units, int batch, int steps)
        {
            string config = $"S6 LSTM({units}) I={units} B={batch} T={steps}";
            ctx.Log($"P {config} ...");
            Backend.SetRandomSeed(1234);
            using var low = new LSTM(units, returnSequences: true, dtype: policy);
            using var full = new LSTM(units, returnSequences: true);
            low.Build(new int?[] { null, steps, units });
            full.Build(new int?[] { null, steps, units });
            full.SetWeights(low.GetWeights());
            using var x = randn(batch, steps, units);
            using var xg = x.detach().requires_grad_(true);
            string check;
            using (no_grad())
            using (NewDisposeScope())
                check = $"|Δy| {policy} vs float32: {(low.Call(x).Output.to(ScalarType.Float32) - full.Call(x).Output).abs().max().item<float>():0.0e0}";
            double forward = LayerCases.ForwardFlops(4, units, units, batch, steps);
            var (train, trainMem) = Harness.Measure(new[]
            {
                new Contender($"LSTM {policy}", () => Backward(low, xg), 1),
                new Contender("LSTM float32", () => Backward(full, xg), 1),
            }, ctx.Plan);
            ctx.Add(ClassifierCases.Row("P", config, "forward+backward", train, null, trainMem, check, "steps/s", 3 * forward));
            var (fwd, fwdMem) = Harness.Measure(new[]
            {
                new Contender($"LSTM {policy}", () => { using var s = NewDisposeScope(); using var g = no_grad(); low.Call(x); }, 1),
                new Contender("LSTM float32", () => { using var s = NewDisposeScope(); using var g = no_grad(); full.Call(x); }, 1),
            }, ctx.Plan);
            ctx.Add(ClassifierCases.Row("P", config, "forward", fwd, null, fwdMem, null, "steps/s", forward));
        }

        private static void Backward(LSTM layer, Tensor input)
        {
            using var scope = NewDisposeScope();
            layer.Call(input, training: true).Output.to(ScalarType.Float32).sum().backward();
            foreach (var p in layer.parameters()) p.grad = null;
            input.grad = null;
        }

        private static string BFloat16Flags()
        {
            try
            {
                var flags = System.IO.File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(' ') ?? Array.Empty<string>();
                var found = flags.Where(f => f is "avx512_bf16" or "amx_bf16" or "amx_tile" or "avx512f").ToArray();
                return found.Length == 0 ? "none (no avx512f, avx512_bf16 or amx_bf16)" : string.Join(", ", found);
            }
            catch (System.IO.IOException)
            {
                return "unknown";
            }
        }
    }
}
