using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Constraints;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using RnnSharp.Regularizers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>Regularizers and constraints in training, as Keras applies them: the penalties join the loss the
    /// optimizer minimizes and the logs report, and the constraints project the weights after each optimizer step, on
    /// the fused and the step-by-step recurrent paths alike. References are the formulas in doubles.</summary>
    public class RegularizationTrainingTests
    {
        private const double LearningRate = 0.1;

        private static readonly double[][] X =
        {
            new[] { 0.5, -1.0 },
            new[] { -1.5, 0.25 },
            new[] { 2.0, 1.0 },
            new[] { -0.5, -2.0 },
        };

        private static readonly double[] Y = { 1.0, -0.5, 0.25, 2.0 };

        [Fact]
        public void OneStepWithWeightAndActivityPenaltiesMatchesTheMathInDoubles()
        {
            const double lk = 0.05, lb = 0.2, la = 0.03;
            double[] w0 = { (double)0.3f, (double)-0.7f };
            double b0 = (double)0.4f;
            var model = new Sequential(new Layer[]
            {
                new Dense(1, kernelRegularizer: new L2(lk), biasRegularizer: new L1(lb), activityRegularizer: new L2(la), inputShape: new int?[] { 2 }),
            });
            model.SetWeights(new[] { tensor(new[] { (float)w0[0], (float)w0[1] }, new long[] { 2, 1 }), tensor(new[] { (float)b0 }) });
            model.Compile(new SGD(learningRate: LearningRate), "mse");
            var history = model.Fit(TestTensors.From(X), TestTensors.From(Y).reshape(4, 1), batchSize: 4, epochs: 1, verbose: 0, shuffle: false);

            // loss = mse + lk Σw² + lb |b| + la Σ y² / n, all at the starting weights (Keras logs the step's loss).
            int n = X.Length;
            var y = X.Select(x => w0[0] * x[0] + w0[1] * x[1] + b0).ToArray();
            double mse = y.Select((v, i) => (v - Y[i]) * (v - Y[i])).Average();
            double loss = mse + lk * (w0[0] * w0[0] + w0[1] * w0[1]) + lb * Math.Abs(b0) + la * y.Sum(v => v * v) / n;
            Assert.Equal(loss, history.Values["loss"].Single(), 5);

            // Gradients: mse's, 2 lk w, lb sign(b), and the activity term's 2 la Σ y_i ∂y_i / n.
            double[] gw = new double[2];
            double gb = 0;
            for (int i = 0; i < n; i++)
            {
                double dy = 2 * (y[i] - Y[i]) / n + 2 * la * y[i] / n;
                gw[0] += dy * X[i][0];
                gw[1] += dy * X[i][1];
                gb += dy;
            }
            gw[0] += 2 * lk * w0[0];
            gw[1] += 2 * lk * w0[1];
            gb += lb * Math.Sign(b0);
            var weights = model.GetWeights();
            TestTensors.AssertClose(new[] { w0[0] - LearningRate * gw[0], w0[1] - LearningRate * gw[1] }, weights[0].reshape(-1), 1e-6, "kernel");
            TestTensors.AssertClose(new[] { b0 - LearningRate * gb }, weights[1], 1e-6, "bias");
        }

        [Fact]
        public void EvaluateReportsTheLossWithThePenalties()
        {
            var model = new Sequential(new Layer[] { new Dense(1, kernelInitializer: "ones", kernelRegularizer: new L2(0.5), inputShape: new int?[] { 2 }) });
            model.Compile("sgd", "mse");
            var logs = model.Evaluate(TestTensors.From(X), TestTensors.From(Y).reshape(4, 1), verbose: 0);
            double mse = X.Select((x, i) => Math.Pow(x[0] + x[1] - Y[i], 2)).Average();
            Assert.Equal(mse + 0.5 * 2, logs["loss"], 5);
        }

        // The recurrent layers of the path tests: each over 2 features, 3 units, with the path it must take.
        public static IEnumerable<object[]> RecurrentCases() => new[]
        {
            new object[] { "LSTM fused", RnnExecutionPath.Fused },
            new object[] { "LSTM step (relu)", RnnExecutionPath.StepByStep },
            new object[] { "GRU fused", RnnExecutionPath.Fused },
            new object[] { "GRU step (resetAfter false)", RnnExecutionPath.StepByStep },
            new object[] { "SimpleRNN fused", RnnExecutionPath.Fused },
            new object[] { "Bidirectional LSTM, one engine", RnnExecutionPath.Fused },
        };

        private static Layer Recurrent(string kind, Regularizer? kernel = null, Regularizer? recurrent = null, Regularizer? bias = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null)
        {
            var shape = new int?[] { 5, 2 };
            return kind switch
            {
                "LSTM fused" => new LSTM(3, kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint, inputShape: shape),
                "LSTM step (relu)" => new LSTM(3, activation: "relu", kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint, inputShape: shape),
                "GRU fused" => new GRU(3, kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint, inputShape: shape),
                "GRU step (resetAfter false)" => new GRU(3, resetAfter: false, kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint, inputShape: shape),
                "SimpleRNN fused" => new SimpleRNN(3, kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint, inputShape: shape),
                _ => new Bidirectional(new LSTM(3, kernelRegularizer: kernel, recurrentRegularizer: recurrent, biasRegularizer: bias,
                    kernelConstraint: kernelConstraint, recurrentConstraint: recurrentConstraint, biasConstraint: biasConstraint), inputShape: shape),
            };
        }

        private static (Tensor X, Tensor Y) SequenceData()
        {
            var rng = new Random(17);
            return (TestTensors.From(TestTensors.Random3(rng, 4, 5, 2)), TestTensors.From(TestTensors.Random2(rng, 4, 1)));
        }

        // Trains a model over `layer` for `epochs` full-batch SGD steps from the `start` weights and returns it.
        private static Sequential StepOnce(Layer layer, IReadOnlyList<Tensor> start, int epochs = 1)
        {
            var model = new Sequential(new[] { layer, new Dense(1) });
            model.Build();
            model.SetWeights(start);
            model.Compile(new SGD(learningRate: LearningRate), "mse");
            var (x, y) = SequenceData();
            model.Fit(x, y, batchSize: 4, epochs: epochs, verbose: 0, shuffle: false);
            return model;
        }

        private static RnnExecutionPath PathOf(Layer layer) => layer switch
        {
            Bidirectional b => b.LastCallPath!.Value,
            RNN r => r.LastCallPath!.Value,
            _ => throw new ArgumentException(layer.GetType().Name),
        };

        private static double[] Doubles(Tensor t) => TestTensors.Values(t).Select(v => (double)v).ToArray();

        [Theory]
        [MemberData(nameof(RecurrentCases))]
        public void RecurrentWeightPenaltiesAddTheirGradientsToTheStep(string kind, RnnExecutionPath path)
        {
            // Same start, same data: the two models' data gradients are equal, so the regularized step differs from the
            // plain one by exactly −lr · ∂penalty/∂w: 2·l2·w for L2, l1·sign(w) for L1, in Keras's layout.
            Backend.SetRandomSeed(21);
            var start = StepOnceStart(kind);
            var plainFromStart = StepOnce(Recurrent(kind), start);
            var regularized = StepOnce(Recurrent(kind, kernel: new L2(0.05), recurrent: new L1(0.02), bias: new L2(0.1)), start);
            Assert.Equal(path, PathOf(regularized.Layers[0]));
            Assert.Equal(path, PathOf(plainFromStart.Layers[0]));
            var w0 = start.Select(Doubles).ToArray();
            var a = plainFromStart.GetWeights().Select(Doubles).ToArray();
            var b = regularized.GetWeights().Select(Doubles).ToArray();
            int perDirection = 3;
            for (int i = 0; i < w0.Length - 2; i++)
            {
                // kernel, recurrent_kernel, bias (per direction for a Bidirectional).
                Func<double, double> gradient = (i % perDirection) switch
                {
                    0 => w => 2 * 0.05 * w,
                    1 => w => 0.02 * Math.Sign(w),
                    _ => w => 2 * 0.1 * w,
                };
                var expected = a[i].Select((v, j) => v - LearningRate * gradient(w0[i][j])).ToArray();
                TestTensors.AssertClose(expected, tensor(b[i].Select(v => (float)v).ToArray()), 2e-6, $"{kind} weight {i}");
            }
        }

        // A starting point every model of a case shares: the weights of a fresh model of that kind.
        private static IReadOnlyList<Tensor> StepOnceStart(string kind)
        {
            var model = new Sequential(new[] { Recurrent(kind), new Dense(1) });
            model.Build();
            return model.GetWeights();
        }

        [Theory]
        [MemberData(nameof(RecurrentCases))]
        public void RecurrentConstraintsProjectTheWeightsAfterEachStepInKerasLayout(string kind, RnnExecutionPath path)
        {
            // After one step the constrained weights are the plain step's weights projected in doubles: MaxNorm over
            // the kernel's input axis (axis 0 of (input_dim, gates·units)), NonNeg on the recurrent kernel, UnitNorm
            // over axis 0 of the bias (the whole vector, or each column of GRU's (2, 3·units) bias).
            Backend.SetRandomSeed(22);
            var start = StepOnceStart(kind);
            var plain = StepOnce(Recurrent(kind), start);
            Layer Constrained() => Recurrent(kind, kernelConstraint: new MaxNorm(0.4, 0), recurrentConstraint: new NonNeg(), biasConstraint: new UnitNorm(0));
            var constrained = StepOnce(Constrained(), start);
            Assert.Equal(path, PathOf(constrained.Layers[0]));
            var after = plain.GetWeights();
            var got = constrained.GetWeights();
            for (int i = 0; i < after.Count - 2; i++)
            {
                var w = after[i];
                var rows = w.dim() == 1 ? new[] { Doubles(w) } : Enumerable.Range(0, (int)w.shape[0]).Select(r => Doubles(w[r])).ToArray();
                int cols = rows[0].Length;
                double[] ColumnNorms() => Enumerable.Range(0, cols).Select(j => Math.Sqrt(rows.Sum(r => r[j] * r[j]))).ToArray();
                double[] expected = (i % 3) switch
                {
                    0 => rows.SelectMany(r => r.Select((v, j) => v * Math.Min(ColumnNorms()[j], 0.4) / (1e-7 + ColumnNorms()[j]))).ToArray(),
                    1 => rows.SelectMany(r => r.Select(v => Math.Max(v, 0))).ToArray(),
                    // A rank-1 bias: axis 0 is the whole vector.
                    _ when w.dim() == 1 => rows[0].Select(v => v / (1e-7 + Math.Sqrt(rows[0].Sum(u => u * u)))).ToArray(),
                    _ => rows.SelectMany(r => r.Select((v, j) => v / (1e-7 + ColumnNorms()[j]))).ToArray(),
                };
                TestTensors.AssertClose(expected, got[i].reshape(-1), 2e-6, $"{kind} weight {i}");
            }

            // And they keep holding while training goes on.
            var trained = StepOnce(Constrained(), start, epochs: 4);
            var weights = trained.GetWeights();
            for (int i = 0; i < weights.Count - 2; i++)
            {
                var w = weights[i];
                switch (i % 3)
                {
                    case 0:
                        Assert.All(Doubles(w.square().sum(new long[] { 0 }).sqrt()), n => Assert.True(n <= 0.4 + 1e-5, $"{kind}: kernel norm {n}"));
                        break;
                    case 1:
                        Assert.All(Doubles(w), v => Assert.True(v >= 0, $"{kind}: recurrent weight {v}"));
                        break;
                    default:
                        Assert.All(Doubles(w.square().sum(new long[] { 0 }).sqrt()), n => Assert.Equal(1.0, n, 5));
                        break;
                }
            }
        }

        [Fact]
        public void ADenseKernelConstraintUsesKerassAxes()
        {
            // Dense's kernel is (input_dim, units) in Keras (TorchSharp keeps the transpose): axis 1 bounds each input's
            // outgoing weights.
            var model = new Sequential(new Layer[] { new Dense(3, kernelInitializer: "ones", kernelConstraint: new MaxNorm(1.0, axis: 1), inputShape: new int?[] { 2 }) });
            model.Compile(new SGD(learningRate: 0.0), "mse");
            model.Fit(TestTensors.From(X), zeros(4, 3), batchSize: 4, epochs: 1, verbose: 0);
            // Each row of ones has norm √3 > 1, so each entry becomes 1 · 1 / (ε + √3).
            TestTensors.AssertClose(Enumerable.Repeat(1 / (1e-7 + Math.Sqrt(3)), 6).ToArray(), model.GetWeights()[0].reshape(-1), 1e-6, "kernel");
        }
    }
}
