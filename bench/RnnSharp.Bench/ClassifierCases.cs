using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>The recurrent cell of a classifier case.</summary>
    internal enum CellKind
    {
        Lstm,
        Gru,
        SimpleRnn,
    }

    /// <summary>
    /// S1-S5: Embedding(20000, 128) + recurrent layer(s) + Dense(1, sigmoid), binary cross-entropy, Adam, accuracy.
    /// Training through <c>Fit</c> vs the hand-written loop; inference through <c>Predict</c> vs the raw forward loop.
    /// </summary>
    internal static class ClassifierCases
    {
        public const int Vocabulary = 20000;
        public const int EmbeddingDim = 128;

        public sealed record Spec(string Case, string Title, CellKind Cell, int Units, int Layers, bool Bidirectional = false);

        public static readonly Spec[] Specs =
        {
            new("S1", "Embedding+LSTM(128)+Dense(1)", CellKind.Lstm, 128, 1),
            new("S2", "Embedding+2×LSTM(128)+Dense(1)", CellKind.Lstm, 128, 2),
            new("S3", "Embedding+GRU(128)+Dense(1)", CellKind.Gru, 128, 1),
            new("S4", "Embedding+SimpleRNN(128)+Dense(1)", CellKind.SimpleRnn, 128, 1),
            new("S5", "Embedding+Bidirectional(LSTM(64))+Dense(1)", CellKind.Lstm, 64, 1, Bidirectional: true),
        };

        public static RNN NewCell(CellKind cell, int units, bool returnSequences, bool maskSupport = true) => cell switch
        {
            CellKind.Lstm => new LSTM(units, returnSequences: returnSequences),
            CellKind.Gru => new GRU(units, returnSequences: returnSequences),
            _ => new SimpleRNN(units, returnSequences: returnSequences),
        };

        /// <summary>Builds and compiles the model (Keras defaults: Adam(0.001), binary_crossentropy, accuracy).</summary>
        public static Sequential Build(Spec spec, bool maskZero = false)
        {
            var model = new Sequential();
            model.Add(new Embedding(Vocabulary, EmbeddingDim, maskZero: maskZero));
            for (int i = 0; i < spec.Layers; i++)
            {
                var cell = NewCell(spec.Cell, spec.Units, returnSequences: i < spec.Layers - 1);
                model.Add(spec.Bidirectional ? new Bidirectional(cell) : cell);
            }
            model.Add(new Dense(1, activation: "sigmoid"));
            model.Compile(new Adam(), "binary_crossentropy", new[] { "accuracy" });
            return model;
        }

        /// <summary>Random token ids in [1, vocabulary) and 0/1 labels of shape (n, 1).</summary>
        public static (Tensor X, Tensor Y) Data(long n, long steps)
        {
            var x = randint(1, Vocabulary, new[] { n, steps }, dtype: ScalarType.Int64);
            var y = randint(0, 2, new[] { n, 1L }).to(ScalarType.Float32);
            return (x, y);
        }

        public static void Run(BenchContext ctx, Spec spec)
        {
            foreach (int steps in ctx.Sizes.Lengths)
                foreach (int batch in ctx.Sizes.BatchesFor(spec.Case))
                    RunOne(ctx, spec, steps, batch);
        }

        private static void RunOne(BenchContext ctx, Spec spec, int steps, int batch)
        {
            string config = $"T={steps} B={batch}";
            ctx.Log($"{spec.Case} {spec.Title} {config} ...");
            Backend.SetRandomSeed(1234);
            using var model = Build(spec);
            using var raw = RawNet.Mirror(model);
            using var trainer = new RawTrainer(raw);
            long n = (long)batch * ctx.Sizes.BatchesPerRun;
            var (x, y) = Data(n, steps);
            var (xp, _) = Data(n, steps);
            using (x)
            using (y)
            using (xp)
            {
                string check = Equivalence(model, trainer, x.narrow(0, 0, batch), y.narrow(0, 0, batch));

                var (train, trainMem) = Harness.Measure(new[]
                {
                    new Contender("RnnSharp Fit", () => model.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                    new Contender("raw loop", () => trainer.Epoch(x, y, batch), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(Row(spec.Case, $"{spec.Title} {config}", "train", train, ctx.Targets.Fit, trainMem, check));

                var (predict, predictMem) = Harness.Measure(new[]
                {
                    new Contender("RnnSharp Predict", () => model.Predict(xp, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                    new Contender("raw forward", () => trainer.Predict(xp, batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(Row(spec.Case, $"{spec.Title} {config}", "predict", predict, ctx.Targets.Predict, predictMem, null));
            }
        }

        public static ResultRow Row(string @case, string config, string measure, IReadOnlyList<Series> s, double? target, MemoryReport mem, string? note,
            string unit = "samples/s", double? flopsPerStep = null)
        {
            var a = SideSummary.Of(s[0], flopsPerStep);
            var b = SideSummary.Of(s[1], flopsPerStep);
            return new ResultRow(@case, config, measure, unit, a, b, a.Median / b.Median, Harness.PairedRatio(s[0], s[1]), target, mem, note);
        }

        /// <summary>
        /// Checks that both sides compute the same thing: predictions and loss on one batch, then the weights after one
        /// identical training step (RnnSharp's Call/Loss/Adam vs the raw forward, BCE and hand-written Adam).
        /// </summary>
        public static string Equivalence(Sequential model, RawTrainer raw, Tensor xb, Tensor yb)
        {
            using var scope = NewDisposeScope();
            double forwardDiff, lossDiff;
            using (no_grad())
            {
                var a = model.Call(xb);
                raw.Net.eval();
                var b = raw.Net.call(xb);
                forwardDiff = (a - b).abs().max().item<float>();
                lossDiff = Math.Abs(model.Loss!.Call(yb, a).item<float>() - RawTrainer.Bce(yb, b).item<float>());
            }
            if (!model.Optimizer!.IsBuilt) model.Optimizer.Build(model.parameters());
            var loss = model.Loss.Call(yb, model.Call(xb, training: true));
            model.Optimizer.ZeroGrad();
            loss.backward();
            model.Optimizer.Step();
            raw.Net.train();
            using (var acc = zeros(Array.Empty<long>()))
            using (var sum = zeros(Array.Empty<long>()))
                raw.TrainStep(xb, yb, sum, acc);
            double weightDiff = model.parameters().Zip(raw.Net.parameters())
                .Max(p => (double)(p.First - p.Second).abs().max().item<float>());
            return $"same math: |Δpred| {forwardDiff:0.0e0}, |Δloss| {lossDiff:0.0e0}, |Δw| after 1 step {weightDiff:0.0e0}";
        }
    }
}
