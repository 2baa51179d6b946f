using System;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// S8: the cost of the functional API. S1's model (Embedding(20000, 128) + LSTM(128) + Dense(1, sigmoid)) built with
    /// <c>Keras.Input</c> and <c>new Model(inputs, outputs)</c> against the same model as a <c>Sequential</c>, trained
    /// through <c>Fit</c> and run through <c>Predict</c> on the same data, interleaved. Both compute the same math (the
    /// functional model gets the Sequential's weights); the ratio is the graph replay's overhead.
    /// </summary>
    internal static class FunctionalCases
    {
        public static void Run(BenchContext ctx)
        {
            foreach (int steps in ctx.Sizes.Lengths)
                foreach (int batch in ctx.Sizes.BatchesFor("S8"))
                    RunOne(ctx, steps, batch);
        }

        private static Model Functional(Sequential like)
        {
            var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
            var x = new Embedding(ClassifierCases.Vocabulary, ClassifierCases.EmbeddingDim).Call(tokens);
            var h = new LSTM(128).Call(x);
            var model = new Model(tokens, new Dense(1, activation: "sigmoid").Call(h));
            model.SetWeights(like.GetWeights());
            model.Compile(new Adam(), "binary_crossentropy", new[] { "accuracy" });
            return model;
        }

        private static void RunOne(BenchContext ctx, int steps, int batch)
        {
            string config = $"T={steps} B={batch}";
            ctx.Log($"S8 functional vs Sequential {config} ...");
            Backend.SetRandomSeed(1234);
            using var sequential = ClassifierCases.Build(ClassifierCases.Specs[0]);
            sequential.Build(new int?[] { null, steps });
            using var functional = Functional(sequential);
            long n = (long)batch * ctx.Sizes.BatchesPerRun;
            var (x, y) = ClassifierCases.Data(n, steps);
            using (x)
            using (y)
            {
                double diff;
                using (no_grad())
                using (var a = functional.Call(x.narrow(0, 0, batch)))
                using (var b = sequential.Call(x.narrow(0, 0, batch)))
                    diff = (a - b).abs().max().item<float>();
                string check = $"same math: |Δpred| {diff:0.0e0}";
                var (train, trainMem) = Harness.Measure(new[]
                {
                    new Contender("functional Fit", () => functional.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                    new Contender("Sequential Fit", () => sequential.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(ClassifierCases.Row("S8", $"functional vs Sequential S1 {config}", "train", train, null, trainMem, check));
                var (predict, predictMem) = Harness.Measure(new[]
                {
                    new Contender("functional Predict", () => functional.Predict(x, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                    new Contender("Sequential Predict", () => sequential.Predict(x, batchSize: batch).Dispose(), n, ctx.Sizes.BatchesPerRun),
                }, ctx.Plan);
                ctx.Add(ClassifierCases.Row("S8", $"functional vs Sequential S1 {config}", "predict", predict, null, predictMem, null));
            }
        }
    }
}
