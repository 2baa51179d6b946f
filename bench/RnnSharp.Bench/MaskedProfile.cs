using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using RnnSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// --profile, S7's layer alone: where a masked LSTM(128) batch spends its time on each path, beside two references
    /// written here from the math: a hand-written libtorch step loop doing exactly the step-by-step path's work (Keras's
    /// LSTM equations and masking, one matrix product for all input projections, then one recurrent product and the
    /// gates per step) and <c>nn.LSTM</c> over the whole padded batch. The step loop is the floor for any per-step path
    /// built from libtorch ops; its distance to the fused kernel is what a "fused vs step" ratio can reach.
    /// </summary>
    internal static class MaskedProfile
    {
        private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        private const int Units = 128, Steps = 200;

        public static void Run(BenchContext ctx)
        {
            foreach (int batch in ctx.Sizes.MaskedBatches)
                RunOne(ctx, batch, ctx.Options.Quick ? 5 : 11);
        }

        private static void RunOne(BenchContext ctx, int batch, int reps)
        {
            ctx.Log($"profile S7 layer B={batch} ({reps} runs) ...");
            Backend.SetRandomSeed(4321);
            using var fused = new LSTM(Units);
            using var stepwise = new LSTM(Units);
            fused.Build(new int?[] { null, Steps, Units });
            stepwise.Build(new int?[] { null, Steps, Units });
            var weights = fused.GetWeights();
            stepwise.SetWeights(weights);
            stepwise.UseFused = false;
            using var kernel = weights[0].detach().clone().requires_grad_(true);          // (input, 4·units), gates i f c o
            using var recurrent = weights[1].detach().clone().requires_grad_(true);       // (units, 4·units)
            using var bias = weights[2].detach().clone().requires_grad_(true);            // (4·units)
            using var engine = nn.LSTM(Units, Units, batchFirst: true);
            using (no_grad())
            {
                // nn.LSTM's layout is the transpose, gates in the same order; its second bias stays zero.
                engine.get_parameter("weight_ih_l0")!.copy_(kernel.t());
                engine.get_parameter("weight_hh_l0")!.copy_(recurrent.t());
                engine.get_parameter("bias_ih_l0")!.copy_(bias);
                engine.get_parameter("bias_hh_l0")!.zero_();
            }

            using var x = randn(batch, Steps, Units);
            using var lengths = randint(10, Steps + 1, new[] { (long)batch, 1L }, dtype: ScalarType.Int64);
            using var mask = arange(Steps, dtype: ScalarType.Int64).unsqueeze(0) < lengths;
            using var outputWeights = randn(batch, Units);

            // The same step loop as RnnSharp's step path, written from Keras's equations with plain libtorch ops.
            Tensor RawSteps(Tensor input)
            {
                var projected = input.matmul(kernel).add(bias).unbind(1);
                var stepMasks = mask.unsqueeze(2).unbind(1);
                var h = zeros(batch, Units);
                var c = zeros(batch, Units);
                var output = zeros(batch, Units);
                for (int t = 0; t < Steps; t++)
                {
                    var gates = projected[t] + h.matmul(recurrent);
                    var g = gates.chunk(4, 1);
                    var cNext = g[1].sigmoid() * c + g[0].sigmoid() * g[2].tanh();
                    var hNext = g[3].sigmoid() * cNext.tanh();
                    h = where(stepMasks[t], hNext, h);
                    c = where(stepMasks[t], cNext, c);
                    output = where(stepMasks[t], hNext, output);
                }
                return output;
            }

            var contenders = new (string Name, Func<Tensor, Tensor> Forward)[]
            {
                ("RnnSharp LSTM, masked, fused (grouped padded)", input => fused.Call(input, mask, training: true).Output),
                ("RnnSharp LSTM, masked, step-by-step", input => stepwise.Call(input, mask, training: true).Output),
                ("hand-written libtorch step loop, masked", RawSteps),
                ("nn.LSTM over the padded batch, unmasked", input => engine.call(input).Item1.select(1, -1)),
            };

            // Sanity: the three masked contenders compute the same outputs.
            using (no_grad())
            using (NewDisposeScope())
            {
                var reference = RawSteps(x);
                foreach (var (name, forward) in contenders.Take(2))
                    if (!forward(x).allclose(reference, rtol: 0, atol: 1e-4))
                        throw new InvalidOperationException($"profile S7: {name} disagrees with the hand-written step loop");
            }

            // The shared harness: warm-up, then every repetition runs each contender once in a rotating order.
            var plan = new Plan(Warmup: 2, Reps: reps, MinReps: reps, BudgetSeconds: double.PositiveInfinity);
            var gradients = new[] { kernel, recurrent, bias }.Concat(fused.parameters()).Concat(stepwise.parameters()).Concat(engine.parameters()).ToArray();
            var forwardSeries = Harness.Measure(contenders.Select(c => new Contender(c.Name, () =>
            {
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                c.Forward(x);
            }, batch)).ToList(), plan).Series;
            var trainSeries = Harness.Measure(contenders.Select(c => new Contender(c.Name, () =>
            {
                using var scope = NewDisposeScope();
                using var input = x.detach().requires_grad_(true);
                (c.Forward(input) * outputWeights).sum().backward();
                foreach (var p in gradients) p.grad?.zero_();
            }, batch)).ToList(), plan).Series;
            var forwardMs = forwardSeries.Select(series => 1000 * series.MedianSeconds).ToArray();
            var trainMs = trainSeries.Select(series => 1000 * series.MedianSeconds).ToArray();

            double meanLength = lengths.to(ScalarType.Float32).mean().item<float>();
            var sb = new StringBuilder();
            sb.AppendLine($"profile: S7's layer alone, LSTM(128) over (B={batch}, T={Steps}, 128), lengths 10-{Steps} (mean {meanLength:0}), median ms over {reps} runs");
            sb.AppendLine("| contender | forward ms | per step µs | forward+backward ms | per step µs | fused masked is x times faster (fwd / fwd+bwd) |");
            sb.AppendLine("|---|---|---|---|---|---|");
            for (int k = 0; k < contenders.Length; k++)
                sb.AppendLine($"| {contenders[k].Name} | {F(forwardMs[k])} | {F(1000 * forwardMs[k] / Steps)} | {F(trainMs[k])} | {F(1000 * trainMs[k] / Steps)} | " +
                              $"{(k == 0 ? "-" : $"{F(forwardMs[k] / forwardMs[0])} / {F(trainMs[k] / trainMs[0])}")} |");
            string text = sb.ToString();
            Console.WriteLine(text);
            ctx.Notes.Add(text);
        }

        private static string F(double v) => v.ToString("0.00", Inv);
    }
}
