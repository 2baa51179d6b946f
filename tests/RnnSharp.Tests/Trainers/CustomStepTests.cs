using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using RnnSharp.Metrics;
using RnnSharp.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>
    /// Keras's "custom train_step" pattern: a model subclass overrides <c>TrainStep</c> (adding an L2 penalty to the
    /// compiled loss and logging it through an additional metric), <c>TestStep</c> and <c>PredictStep</c>; Fit, Evaluate
    /// and Predict must run the overrides and log what they record. Every expected value is computed from the math in
    /// plain doubles.
    /// </summary>
    public class CustomStepTests
    {
        private const double Lambda = 0.05;
        private const double LearningRate = 0.1;

        /// <summary>Dense(1) on two features whose training loss is the compiled MSE plus λ·Σ(every trainable parameter²).</summary>
        private sealed class PenalizedModel : Sequential
        {
            private readonly Mean penalty = new("penalty");

            public PenalizedModel()
                : base(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }) })
            {
            }

            public int TestStepCalls { get; private set; }

            public int PredictStepCalls { get; private set; }

            protected override IEnumerable<Metric> AdditionalMetrics => new[] { penalty };

            private Tensor Penalty()
                => Lambda * parameters().Where(p => p.requires_grad).Select(p => p.square().sum()).Aggregate((a, b) => a + b);

            public override void TrainStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
            {
                var yPred = Call(x, training: true);
                var term = Penalty();
                var loss = ComputeLoss(x, y, yPred, sampleWeight) + term;
                Optimizer!.ZeroGrad();
                loss.backward();
                Optimizer.Step();
                LossTracker.UpdateState(loss.detach(), tensor((float)x[0].shape[0]));
                penalty.UpdateState(term.detach());
                ComputeMetrics(x, y, yPred.Select(p => p.detach()).ToArray(), sampleWeight);
            }

            // Keras's custom test_step: the same total loss and penalty, without the update.
            public override void TestStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
            {
                TestStepCalls++;
                var yPred = Call(x, training: false);
                var term = Penalty();
                var loss = ComputeLoss(x, y, yPred, sampleWeight, training: false) + term;
                LossTracker.UpdateState(loss, tensor((float)x[0].shape[0]));
                penalty.UpdateState(term);
                ComputeMetrics(x, y, yPred, sampleWeight);
            }

            public override IReadOnlyList<Tensor> PredictStep(IReadOnlyList<Tensor> x)
            {
                PredictStepCalls++;
                return new[] { Call(x[0]) * 2 };
            }
        }

        /// <summary>A model whose PredictStep returns its input unchanged (Keras: <c>def predict_step(self, data): return data</c>).</summary>
        private sealed class EchoPredictModel : Sequential
        {
            public EchoPredictModel()
                : base(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }) })
            {
            }

            public override IReadOnlyList<Tensor> PredictStep(IReadOnlyList<Tensor> x) => x;
        }

        private static readonly double[][] X =
        {
            new[] { 1.0, 2.0 },
            new[] { 0.5, -1.0 },
            new[] { -1.5, 0.25 },
            new[] { 2.0, 1.0 },
            new[] { -0.5, -2.0 },
        };

        private static readonly double[] Y = { 1.0, -0.5, 0.25, 2.0, -1.0 };

        // The starting weights, as the float32 values the model holds.
        private static readonly double[] W0 = { (double)0.3f, (double)-0.2f };
        private const double B0 = (double)0.1f;

        private static (Tensor X, Tensor Y) Data(int n)
            => (TestTensors.From(X.Take(n).ToArray()), TestTensors.From(Y.Take(n).ToArray()));

        private static PenalizedModel NewModel()
        {
            Backend.SetRandomSeed(31);
            var model = new PenalizedModel();
            model.SetWeights(new[] { tensor(new[] { (float)W0[0], (float)W0[1] }, new long[] { 2, 1 }), tensor(new[] { (float)B0 }) });
            model.Compile(new SGD(learningRate: LearningRate), "mse", new[] { "mae" });
            return model;
        }

        private static double Predict(double[] w, double b, double[] x) => w[0] * x[0] + w[1] * x[1] + b;

        private static double PenaltyOf(double[] w, double b) => Lambda * (w[0] * w[0] + w[1] * w[1] + b * b);

        /// <summary>One SGD step on the samples <paramref name="batch"/>: the step's mse, penalty and absolute errors,
        /// and the weights after it.</summary>
        private static (double Mse, double Penalty, double[] AbsErrors, double[] W, double B) Step(double[] w, double b, int[] batch)
        {
            int m = batch.Length;
            double mse = 0, gb = 0;
            var gw = new double[2];
            var abs = new double[m];
            for (int k = 0; k < m; k++)
            {
                int i = batch[k];
                double e = Predict(w, b, X[i]) - Y[i];
                mse += e * e / m;
                abs[k] = Math.Abs(e);
                // d(mse)/d(w_j) = 2/m Σ e_i x_ij; d(mse)/db = 2/m Σ e_i.
                gw[0] += 2 * e * X[i][0] / m;
                gw[1] += 2 * e * X[i][1] / m;
                gb += 2 * e / m;
            }
            // d(λ Σ p²)/dp = 2 λ p.
            gw[0] += 2 * Lambda * w[0];
            gw[1] += 2 * Lambda * w[1];
            gb += 2 * Lambda * b;
            return (mse, PenaltyOf(w, b), abs,
                new[] { w[0] - LearningRate * gw[0], w[1] - LearningRate * gw[1] }, b - LearningRate * gb);
        }

        private static void AssertWeights(double[] w, double b, Sequential model)
        {
            var weights = model.GetWeights();
            TestTensors.AssertClose(w, weights[0].reshape(-1), 1e-5, "kernel");
            TestTensors.AssertClose(new[] { b }, weights[1], 1e-5, "bias");
        }

        [Fact]
        public void OneFullBatchStepMatchesTheMathInDoubles()
        {
            const int n = 4;
            var model = NewModel();
            var (x, y) = Data(n);
            var history = model.Fit(x, y, batchSize: n, epochs: 1, verbose: 0, shuffle: false);

            // Reference: predictions, mse, penalty and mae at the starting weights, then one SGD step on mse + penalty.
            var predictions = X.Take(n).Select(r => Predict(W0, B0, r)).ToArray();
            double mse = predictions.Select((p, i) => (p - Y[i]) * (p - Y[i])).Average();
            double mae = predictions.Select((p, i) => Math.Abs(p - Y[i])).Average();
            double penalty = Lambda * (W0[0] * W0[0] + W0[1] * W0[1] + B0 * B0);
            double[] gradW =
            {
                2.0 / n * Enumerable.Range(0, n).Sum(i => (predictions[i] - Y[i]) * X[i][0]) + 2 * Lambda * W0[0],
                2.0 / n * Enumerable.Range(0, n).Sum(i => (predictions[i] - Y[i]) * X[i][1]) + 2 * Lambda * W0[1],
            };
            double gradB = 2.0 / n * Enumerable.Range(0, n).Sum(i => predictions[i] - Y[i]) + 2 * Lambda * B0;

            AssertWeights(new[] { W0[0] - LearningRate * gradW[0], W0[1] - LearningRate * gradW[1] }, B0 - LearningRate * gradB, model);
            Assert.Equal(new[] { "loss", "mae", "penalty" }, history.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(mse + penalty, history.Values["loss"].Single(), tolerance: 1e-5);
            Assert.Equal(penalty, history.Values["penalty"].Single(), tolerance: 1e-5);
            Assert.Equal(mae, history.Values["mae"].Single(), tolerance: 1e-5);
            // The penalty is not negligible here, so the loss without it would be told apart.
            Assert.True(penalty > 1e-3);
        }

        [Fact]
        public void EachEpochResetsAndAveragesItsOwnSteps()
        {
            // Five samples in batches of 3 and 2, two epochs: four SGD steps. Each epoch's loss is the per-sample mean
            // (batch losses weighted by batch size), its penalty the plain mean of its two steps' penalties (a Mean
            // updated with one scalar per step), its mae the mean absolute error over its five samples, each taken at the
            // weights of its step; nothing carries over from the first epoch.
            const int n = 5;
            var model = NewModel();
            var (x, y) = Data(n);
            var history = model.Fit(x, y, batchSize: 3, epochs: 2, verbose: 0, shuffle: false);

            double[] w = W0;
            double b = B0;
            var expected = new List<(double Loss, double Penalty, double Mae)>();
            for (int epoch = 0; epoch < 2; epoch++)
            {
                double lossSum = 0, penaltySum = 0, absSum = 0;
                foreach (var batch in new[] { new[] { 0, 1, 2 }, new[] { 3, 4 } })
                {
                    var step = Step(w, b, batch);
                    lossSum += batch.Length * (step.Mse + step.Penalty);
                    penaltySum += step.Penalty;
                    absSum += step.AbsErrors.Sum();
                    (w, b) = (step.W, step.B);
                }
                expected.Add((lossSum / n, penaltySum / 2, absSum / n));
            }

            AssertWeights(w, b, model);
            for (int epoch = 0; epoch < 2; epoch++)
            {
                Assert.Equal(expected[epoch].Loss, history.Values["loss"][epoch], tolerance: 1e-5);
                Assert.Equal(expected[epoch].Penalty, history.Values["penalty"][epoch], tolerance: 1e-5);
                Assert.Equal(expected[epoch].Mae, history.Values["mae"][epoch], tolerance: 1e-5);
            }
            // Had the second epoch kept the first's state, its penalty would be the mean over all four steps.
            Assert.True(Math.Abs(expected[1].Penalty - (expected[0].Penalty + expected[1].Penalty) / 2) > 1e-4);
        }

        [Fact]
        public void PredictRunsTheOverriddenPredictStep()
        {
            const int n = 5;
            var model = NewModel();
            var (x, _) = Data(n);
            var predicted = model.Predict(x, batchSize: 2);
            Assert.Equal(3, model.PredictStepCalls);
            Assert.Equal(new long[] { n, 1 }, predicted.shape);
            TestTensors.AssertClose(X.Select(r => 2 * Predict(W0, B0, r)).ToArray(), predicted.reshape(-1), 1e-5, "Predict");
        }

        [Fact]
        public void EvaluateRunsTheOverriddenTestStepAndLogsTheAdditionalMetric()
        {
            const int n = 5;
            var model = NewModel();
            var (x, y) = Data(n);
            var results = model.Evaluate(x, y, batchSize: 2, verbose: 0);
            Assert.Equal(3, model.TestStepCalls);

            var errors = X.Select((r, i) => Predict(W0, B0, r) - Y[i]).ToArray();
            double penalty = PenaltyOf(W0, B0);
            Assert.Equal(new[] { "loss", "mae", "penalty" }, results.Keys.OrderBy(k => k, StringComparer.Ordinal));
            // Batch losses (mse_b + penalty) weighted by batch size: the mean squared error over all samples plus the penalty.
            Assert.Equal(errors.Select(e => e * e).Average() + penalty, results["loss"], tolerance: 1e-5);
            Assert.Equal(penalty, results["penalty"], tolerance: 1e-5);
            Assert.Equal(errors.Select(Math.Abs).Average(), results["mae"], tolerance: 1e-5);
            // Evaluate trains nothing.
            AssertWeights(W0, B0, model);
        }

        [Fact]
        public void FitValidatesThroughTheOverriddenTestStep()
        {
            const int n = 4;
            var model = NewModel();
            var (x, y) = Data(n);
            var (vx, vy) = (TestTensors.From(new[] { X[4] }), TestTensors.From(new[] { Y[4] }));
            var history = model.Fit(x, y, batchSize: n, epochs: 2, verbose: 0, shuffle: false, validationData: (vx, vy));
            Assert.Equal(2, model.TestStepCalls);
            Assert.Equal(new[] { "loss", "mae", "penalty", "val_loss", "val_mae", "val_penalty" },
                history.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));

            // The validation after epoch 2 runs at the weights after the second step.
            var first = Step(W0, B0, new[] { 0, 1, 2, 3 });
            var second = Step(first.W, first.B, new[] { 0, 1, 2, 3 });
            double e = Predict(second.W, second.B, X[4]) - Y[4];
            double penalty = PenaltyOf(second.W, second.B);
            Assert.Equal(e * e + penalty, history.Values["val_loss"][1], tolerance: 1e-5);
            Assert.Equal(penalty, history.Values["val_penalty"][1], tolerance: 1e-5);
            Assert.Equal(Math.Abs(e), history.Values["val_mae"][1], tolerance: 1e-5);
        }

        // Keras allows `def predict_step(self, data): return data`: the batch is then the prediction and must survive.
        [Fact]
        public void PredictStepMayReturnItsInputBatch()
        {
            Backend.SetRandomSeed(31);
            var model = new EchoPredictModel();
            var (x, _) = Data(5);
            var predicted = model.Predict(x, batchSize: 2);
            Assert.True(TestTensors.Same(x, predicted));
            var single = model.Predict(x, batchSize: 8);
            Assert.True(TestTensors.Same(x, single));
        }
    }
}
