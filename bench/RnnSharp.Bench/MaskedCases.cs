using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// S7: masked variable-length batches. Embedding(20000, 128, maskZero: true) + LSTM(128) + Dense(1) on sequences
    /// of length 200 whose valid prefix is drawn between 10 and 200 (right-padded with 0), three ways with the same
    /// weights: the fused masked path (the default: on the CPU padded runs in groups of similar length, on cuDNN packed
    /// sequences), the step-by-step path (<c>UseFused = false</c>) and the unmasked fused call (<c>maskZero: false</c>,
    /// the padding processed as tokens).
    /// </summary>
    internal static class MaskedCases
    {
        private static readonly ClassifierCases.Spec Spec = new("S7", "masked Embedding+LSTM(128)+Dense(1)", CellKind.Lstm, 128, 1);

        public static void Run(BenchContext ctx)
        {
            foreach (int batch in ctx.Sizes.MaskedBatches)
                RunOne(ctx, batch, ctx.Sizes.MaskedSteps);
        }

        /// <summary>Right-padded token ids: each row's first <c>U[10, 200]</c> steps hold ids in [1, vocabulary), the rest 0.</summary>
        public static Tensor PaddedData(long n, long steps)
        {
            using var scope = NewDisposeScope();
            var lengths = randint(10, System.Math.Min(200, steps) + 1, new[] { n, 1L }, dtype: ScalarType.Int64);
            var tokens = randint(1, ClassifierCases.Vocabulary, new[] { n, steps }, dtype: ScalarType.Int64);
            var valid = arange(steps, dtype: ScalarType.Int64).unsqueeze(0) < lengths;
            return (tokens * valid).MoveToOuterDisposeScope();
        }

        private static void RunOne(BenchContext ctx, int batch, int steps)
        {
            string config = $"T≤{steps} B={batch}";
            ctx.Log($"S7 {config} ...");
            Backend.SetRandomSeed(1234);
            using var fused = ClassifierCases.Build(Spec, maskZero: true);
            using var stepwise = ClassifierCases.Build(Spec, maskZero: true);
            using var unmasked = ClassifierCases.Build(Spec, maskZero: false);
            var weights = fused.GetWeights();
            stepwise.SetWeights(weights);
            unmasked.SetWeights(weights);
            foreach (var rnn in stepwise.Layers.OfType<RNN>()) rnn.UseFused = false;

            long n = (long)batch * ctx.Sizes.BatchesPerRun;
            using var x = PaddedData(n, steps);
            using var y = randint(0, 2, new[] { n, 1L }).to(ScalarType.Float32);
            using var xp = PaddedData(n, steps);

            string check;
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var xb = x.narrow(0, 0, batch);
                var a = fused.Call(xb);
                var pathFused = fused.Layers.OfType<RNN>().Single().LastCallPath;
                var b = stepwise.Call(xb);
                var pathStep = stepwise.Layers.OfType<RNN>().Single().LastCallPath;
                double meanLength = x.ne(0).sum(1).to(ScalarType.Float32).mean().item<float>();
                check = $"paths {pathFused}/{pathStep}, |Δpred| fused vs step {(a - b).abs().max().item<float>():0.0e0}, mean length {meanLength:0} of {steps}";
            }

            var contenders = new Dictionary<string, IReadOnlyList<Contender>>
            {
                ["train"] = new[]
                {
                    new Contender("masked fused Fit", () => fused.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                    new Contender("step-by-step Fit", () => stepwise.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                    new Contender("unmasked fused Fit", () => unmasked.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                },
                ["predict"] = new[]
                {
                    new Contender("masked fused Predict", () => fused.Predict(xp, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                    new Contender("step-by-step Predict", () => stepwise.Predict(xp, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                    new Contender("unmasked fused Predict", () => unmasked.Predict(xp, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                },
            };
            foreach (var (measure, list) in contenders)
            {
                var (series, memory) = Harness.Measure(list, ctx.Plan);
                ctx.Add(ClassifierCases.Row("S7", $"{Spec.Title} {config}", measure + ": masked fused vs step", new[] { series[0], series[1] },
                    ctx.Targets.MaskedVsStep, memory, measure == "train" ? check : null));
                ctx.Add(ClassifierCases.Row("S7", $"{Spec.Title} {config}", measure + ": masked fused vs unmasked", new[] { series[0], series[2] },
                    ctx.Targets.MaskedVsUnmasked, memory, null));
            }
        }
    }
}
