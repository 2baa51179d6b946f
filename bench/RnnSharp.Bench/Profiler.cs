using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using RnnSharp.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// --profile: where a training step and an inference batch spend their time, RnnSharp vs raw, as stopwatch sections
    /// (median milliseconds over repeated steps). The RnnSharp training step is Fit's own sequence of public calls
    /// (Call, Loss.Call, ZeroGrad+backward, Optimizer.Step, metric updates); Fit's per-step time is shown beside it, so
    /// the difference is what Fit adds around the step.
    /// </summary>
    internal static class Profiler
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

        public static void Run(BenchContext ctx)
        {
            foreach (int batch in ctx.Options.Quick ? new[] { 64 } : new[] { 64, 256 })
                RunOne(ctx, 80, batch, ctx.Options.Quick ? 8 : 20);
            MaskedProfile.Run(ctx);
        }

        private sealed class Sections
        {
            private readonly Dictionary<string, List<double>> times = new();
            private long last;

            public void Start() => last = Stopwatch.GetTimestamp();

            public void Mark(string name)
            {
                long now = Stopwatch.GetTimestamp();
                if (!times.TryGetValue(name, out var list)) times[name] = list = new List<double>();
                list.Add(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
                last = now;
            }

            public void Add(string name, double ms)
            {
                if (!times.TryGetValue(name, out var list)) times[name] = list = new List<double>();
                list.Add(ms);
            }

            public double Median(string name) => times.TryGetValue(name, out var l) ? Stats.Median(l) : double.NaN;
        }

        private static void RunOne(BenchContext ctx, int steps, int batch, int iterations)
        {
            ctx.Log($"profile S1 T={steps} B={batch} ({iterations} steps) ...");
            Backend.SetRandomSeed(1234);
            using var model = ClassifierCases.Build(ClassifierCases.Specs[0]);
            using var raw = RawNet.Mirror(model);
            using var trainer = new RawTrainer(raw);
            int perRun = ctx.Sizes.BatchesPerRun;
            long n = (long)batch * perRun;
            var (x, y) = ClassifierCases.Data(n, steps);
            using var xh = x;
            using var yh = y;
            model.Optimizer!.Build(model.parameters());
            using var lossTracker = new Mean("loss");
            using var accuracy = new BinaryAccuracy("accuracy");

            var ours = new Sections();
            var theirs = new Sections();
            for (int i = -3; i < iterations; i++)
            {
                bool record = i >= 0;
                var target = record ? ours : new Sections();
                using (var scope = NewDisposeScope())
                {
                    target.Start();
                    using var order = randperm(n, dtype: ScalarType.Int64);
                    var index = order.narrow(0, 0, batch);
                    var xb = x.index_select(0, index);
                    var yb = y.index_select(0, index);
                    target.Mark("batch (randperm + index_select)");
                    var prediction = model.Call(xb, training: true);
                    target.Mark("forward");
                    var loss = model.Loss!.Call(yb, prediction);
                    target.Mark("loss");
                    model.Optimizer.ZeroGrad();
                    loss.backward();
                    target.Mark("zero_grad + backward");
                    model.Optimizer.Step();
                    target.Mark("optimizer step");
                    using (var w = tensor((float)batch)) lossTracker.UpdateState(loss.detach(), w);
                    accuracy.UpdateState(yb, prediction.detach());
                    target.Mark("loss tracker + accuracy");
                }
                Harness.Settle();

                var rawTarget = record ? theirs : new Sections();
                using (var scope = NewDisposeScope())
                using (var lossSum = zeros(Array.Empty<long>()))
                using (var correct = zeros(Array.Empty<long>()))
                {
                    rawTarget.Start();
                    using var order = randperm(n, dtype: ScalarType.Int64);
                    var index = order.narrow(0, 0, batch);
                    var xb = x.index_select(0, index);
                    var yb = y.index_select(0, index);
                    rawTarget.Mark("batch (randperm + index_select)");
                    var prediction = raw.call(xb);
                    rawTarget.Mark("forward");
                    var loss = RawTrainer.Bce(yb, prediction);
                    rawTarget.Mark("loss");
                    trainer.Optimizer.ZeroGrad();
                    loss.backward();
                    rawTarget.Mark("zero_grad + backward");
                    trainer.Optimizer.Step();
                    rawTarget.Mark("optimizer step");
                    using (no_grad())
                    {
                        lossSum.add_(loss.detach() * batch);
                        correct.add_(prediction.detach().gt(0.5).to(ScalarType.Float32).eq(yb).sum());
                    }
                    rawTarget.Mark("loss tracker + accuracy");
                }
                Harness.Settle();

                if (record && i % 2 == 0)
                {
                    // Whole epochs of perRun batches: Fit vs the raw loop, per batch.
                    long t0 = Stopwatch.GetTimestamp();
                    model.Fit(x, y, batchSize: batch, epochs: 1, verbose: 0);
                    ours.Add("Fit / raw epoch, per batch", Stopwatch.GetElapsedTime(t0).TotalMilliseconds / perRun);
                    Harness.Settle();
                    t0 = Stopwatch.GetTimestamp();
                    trainer.Epoch(x, y, batch);
                    theirs.Add("Fit / raw epoch, per batch", Stopwatch.GetElapsedTime(t0).TotalMilliseconds / perRun);
                    Harness.Settle();
                }
            }

            var trainNames = new[] { "batch (randperm + index_select)", "forward", "loss", "zero_grad + backward", "optimizer step", "loss tracker + accuracy" };
            var sb = new StringBuilder();
            sb.AppendLine($"profile: training step, S1 T={steps} B={batch}, median ms over {iterations} steps");
            Table(sb, ours, theirs, trainNames, "Fit / raw epoch, per batch");

            // Inference: each layer's call, RnnSharp vs the raw module, and Predict vs the raw loop per batch.
            var children = raw.named_children().ToDictionary(c => c.name, c => c.module);
            var embedding = (nn.Module<Tensor, Tensor>)children["l0"];
            var lstm = (TorchSharp.Modules.LSTM)children["l1"];
            var dense = (nn.Module<Tensor, Tensor>)children["l2"];
            var inferOurs = new Sections();
            var inferTheirs = new Sections();
            using (var xb = x.narrow(0, 0, batch))
                for (int i = -3; i < iterations; i++)
                {
                    var a = i >= 0 ? inferOurs : new Sections();
                    var b = i >= 0 ? inferTheirs : new Sections();
                    using (no_grad())
                    using (var scope = NewDisposeScope())
                    {
                        a.Start();
                        var h = model.Layers[0].Call(xb).Output;
                        a.Mark("embedding");
                        h = model.Layers[1].Call(h).Output;
                        a.Mark("lstm");
                        model.Layers[2].Call(h);
                        a.Mark("dense");
                        b.Start();
                        var g = embedding.call(xb);
                        b.Mark("embedding");
                        g = lstm.call(g).Item1.select(1, -1);
                        b.Mark("lstm");
                        dense.call(g).sigmoid();
                        b.Mark("dense");
                        a.Start();
                        _ = xb.min().item<long>() + xb.max().item<long>();
                        a.Mark("(embedding index check alone)");
                    }
                    long t0 = Stopwatch.GetTimestamp();
                    model.Predict(x, batchSize: batch).Dispose();
                    a.Add("Predict / raw loop, per batch", Stopwatch.GetElapsedTime(t0).TotalMilliseconds / perRun);
                    t0 = Stopwatch.GetTimestamp();
                    trainer.Predict(x, batch).Dispose();
                    b.Add("Predict / raw loop, per batch", Stopwatch.GetElapsedTime(t0).TotalMilliseconds / perRun);
                    Harness.Settle();
                }
            sb.AppendLine($"profile: inference batch, S1 T={steps} B={batch}, median ms over {iterations} batches");
            Table(sb, inferOurs, inferTheirs, new[] { "embedding", "(embedding index check alone)", "lstm", "dense" }, "Predict / raw loop, per batch");
            string text = sb.ToString();
            Console.WriteLine(text);
            ctx.Notes.Add(text);
        }

        private static void Table(StringBuilder sb, Sections ours, Sections theirs, string[] names, string total)
        {
            sb.AppendLine("| section | RnnSharp ms | raw ms | difference ms |");
            sb.AppendLine("|---|---|---|---|");
            double sumOurs = 0, sumTheirs = 0;
            foreach (var name in names)
            {
                double a = ours.Median(name), b = theirs.Median(name);
                if (!name.StartsWith('(')) sumOurs += a;
                if (!double.IsNaN(b)) sumTheirs += b;
                sb.AppendLine($"| {name} | {F(a)} | {F(b)} | {F(a - b)} |");
            }
            sb.AppendLine($"| sum of sections | {F(sumOurs)} | {F(sumTheirs)} | {F(sumOurs - sumTheirs)} |");
            double ta = ours.Median(total), tb = theirs.Median(total);
            sb.AppendLine($"| {total} | {F(ta)} | {F(tb)} | {F(ta - tb)} |");
        }

        private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", Inv);
    }
}
