using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using RnnSharp.Losses;
using RnnSharp.Metrics;
using RnnSharp.Optimizers;
using RnnSharp.Trainers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>
    /// Compile/Fit/Evaluate/Predict for functional models with several inputs and outputs, as Keras 2 (TF 2.6's
    /// <c>compile_utils</c>): data as lists or dictionaries by name, a loss and a loss weight per output, per-output loss
    /// and metric logs, Predict per output, and the errors. Every expected number comes from the math in plain doubles.
    /// </summary>
    public class MultiIOTests
    {
        private const double LearningRate = 0.1;
        private const double WeightA = 0.5;
        private const double WeightB = 2.0;
        private const double Eps = 1e-7;

        // Every value as the float32 the model holds.
        private static double F(double v) => (float)v;

        private static readonly double[][] XA = Rows(new[] { 1.0, 2.0 }, new[] { 0.5, -1.0 }, new[] { -1.5, 0.25 }, new[] { 2.0, 1.0 });
        private static readonly double[][] XB = Rows(new[] { 0.3, -0.7 }, new[] { 1.2, 0.4 }, new[] { -0.8, -0.2 }, new[] { 0.1, 1.5 });
        private static readonly double[] YA = { 1.0, -0.5, 0.25, 2.0 };
        private static readonly double[] YB = { 1, 0, 0, 1 };
        private static readonly double[] SampleWeights = { 0.5, 1.5, 1.0, 2.0 };

        private static double[][] Rows(params double[][] rows) => rows.Select(r => r.Select(F).ToArray()).ToArray();

        /// <summary>The weights: the shared Dense(2) kernel (in, units) and bias, out_a's Dense(1), out_b's Dense(1).</summary>
        private sealed record Weights(double[,] Ws, double[] Bs, double[] Wa, double Ba, double[] Wb, double Bb);

        private static readonly Weights W0 = new(
            new[,] { { F(0.3), F(-0.2) }, { F(0.1), F(0.4) } }, new[] { F(0.05), F(-0.1) },
            new[] { F(0.5), F(-0.3) }, F(0.2), new[] { F(-0.4), F(0.6) }, F(0.1));

        /// <summary>
        /// in_a (2) and in_b (2) both through one shared linear Dense(2); out_a = Dense(1) on the first, out_b =
        /// Dense(1, sigmoid) on the second.
        /// </summary>
        private static Model TwoHeads()
        {
            var a = Keras.Input(new int?[] { 2 }, name: "in_a");
            var b = Keras.Input(new int?[] { 2 }, name: "in_b");
            var shared = new Dense(2, name: "shared");
            var outA = new Dense(1, name: "out_a").Call(shared.Call(a).Output);
            var outB = new Dense(1, activation: "sigmoid", name: "out_b").Call(shared.Call(b).Output);
            var model = new Model(new[] { a, b }, new[] { (KerasTensor)outA, outB }, name: "two_heads");
            model.GetLayer("shared").SetWeights(new[]
            {
                tensor(new[] { (float)W0.Ws[0, 0], (float)W0.Ws[0, 1], (float)W0.Ws[1, 0], (float)W0.Ws[1, 1] }, new long[] { 2, 2 }),
                tensor(W0.Bs.Select(v => (float)v).ToArray()),
            });
            model.GetLayer("out_a").SetWeights(new[] { tensor(W0.Wa.Select(v => (float)v).ToArray(), new long[] { 2, 1 }), tensor(new[] { (float)W0.Ba }) });
            model.GetLayer("out_b").SetWeights(new[] { tensor(W0.Wb.Select(v => (float)v).ToArray(), new long[] { 2, 1 }), tensor(new[] { (float)W0.Bb }) });
            return model;
        }

        private static Tensor Xa => TestTensors.From(XA);
        private static Tensor Xb => TestTensors.From(XB);
        private static Tensor Ya => TestTensors.From(YA).reshape(-1, 1);
        private static Tensor Yb => TestTensors.From(YB);

        private static void CompileWeighted(Model model) => model.Compile(new SGD(learningRate: LearningRate),
            new Loss?[] { "mse", "binary_crossentropy" }, new[] { WeightA, WeightB }, new[] { new[] { "mae" }, new[] { "acc" } });

        private static double[] Shared(Weights w, double[] x)
            => new[] { x[0] * w.Ws[0, 0] + x[1] * w.Ws[1, 0] + w.Bs[0], x[0] * w.Ws[0, 1] + x[1] * w.Ws[1, 1] + w.Bs[1] };

        private static double PredictA(Weights w, double[] x)
        {
            var h = Shared(w, x);
            return h[0] * w.Wa[0] + h[1] * w.Wa[1] + w.Ba;
        }

        private static double PredictB(Weights w, double[] x)
        {
            var h = Shared(w, x);
            return 1 / (1 + Math.Exp(-(h[0] * w.Wb[0] + h[1] * w.Wb[1] + w.Bb)));
        }

        // Keras 2's binary cross-entropy on probabilities: clipped, epsilon inside the logarithms.
        private static double Bce(double y, double p)
        {
            p = Math.Clamp(p, Eps, 1 - Eps);
            return -(y * Math.Log(p + Eps) + (1 - y) * Math.Log(1 - p + Eps));
        }

        private static double BceGradient(double y, double p)
            => -(y / (p + Eps) - (1 - y) / (1 - p + Eps));

        /// <summary>The per-sample losses, errors and hits at <paramref name="w"/>.</summary>
        private static (double[] SquaredErrors, double[] AbsErrors, double[] Bce, double[] Hits) PerSample(Weights w)
        {
            int n = YA.Length;
            var se = new double[n];
            var ae = new double[n];
            var bce = new double[n];
            var hits = new double[n];
            for (int i = 0; i < n; i++)
            {
                double e = PredictA(w, XA[i]) - YA[i];
                se[i] = e * e;
                ae[i] = Math.Abs(e);
                double p = PredictB(w, XB[i]);
                bce[i] = Bce(YB[i], p);
                hits[i] = (p > 0.5 ? 1.0 : 0.0) == YB[i] ? 1 : 0;
            }
            return (se, ae, bce, hits);
        }

        /// <summary>One SGD step on all samples of Σ weight_i · loss_i, by the chain rule in doubles.</summary>
        private static Weights Step(Weights w)
        {
            int n = YA.Length;
            var dWs = new double[2, 2];
            var dBs = new double[2];
            var dWa = new double[2];
            var dWb = new double[2];
            double dBa = 0, dBb = 0;
            for (int i = 0; i < n; i++)
            {
                // d(total)/d(out_a_i) = λa · 2 (p - y) / n; d(total)/d(z_b_i) = λb · dBCE/dp · p (1 - p) / n.
                var ha = Shared(w, XA[i]);
                double ga = WeightA * 2 * (PredictA(w, XA[i]) - YA[i]) / n;
                var hb = Shared(w, XB[i]);
                double p = PredictB(w, XB[i]);
                double gb = WeightB * BceGradient(YB[i], p) * p * (1 - p) / n;
                for (int k = 0; k < 2; k++)
                {
                    dWa[k] += ga * ha[k];
                    dWb[k] += gb * hb[k];
                    // Back through the shared layer, from both heads.
                    double dha = ga * w.Wa[k], dhb = gb * w.Wb[k];
                    dBs[k] += dha + dhb;
                    for (int j = 0; j < 2; j++) dWs[j, k] += XA[i][j] * dha + XB[i][j] * dhb;
                }
                dBa += ga;
                dBb += gb;
            }
            var ws = new double[2, 2];
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 2; k++)
                    ws[j, k] = w.Ws[j, k] - LearningRate * dWs[j, k];
            return new Weights(ws, w.Bs.Select((b, k) => b - LearningRate * dBs[k]).ToArray(),
                w.Wa.Select((v, k) => v - LearningRate * dWa[k]).ToArray(), w.Ba - LearningRate * dBa,
                w.Wb.Select((v, k) => v - LearningRate * dWb[k]).ToArray(), w.Bb - LearningRate * dBb);
        }

        private static void AssertWeights(Weights expected, Model model)
        {
            const double tolerance = 1e-5;
            var shared = model.GetLayer("shared").GetWeights();
            TestTensors.AssertClose(new[] { expected.Ws[0, 0], expected.Ws[0, 1], expected.Ws[1, 0], expected.Ws[1, 1] }, shared[0].reshape(-1), tolerance, "shared kernel");
            TestTensors.AssertClose(expected.Bs, shared[1], tolerance, "shared bias");
            var a = model.GetLayer("out_a").GetWeights();
            TestTensors.AssertClose(expected.Wa, a[0].reshape(-1), tolerance, "out_a kernel");
            TestTensors.AssertClose(new[] { expected.Ba }, a[1], tolerance, "out_a bias");
            var b = model.GetLayer("out_b").GetWeights();
            TestTensors.AssertClose(expected.Wb, b[0].reshape(-1), tolerance, "out_b kernel");
            TestTensors.AssertClose(new[] { expected.Bb }, b[1], tolerance, "out_b bias");
        }

        [Fact]
        public void OneSgdStepOnTheWeightedSumOfPerOutputLossesMatchesTheMathInDoubles()
        {
            var model = TwoHeads();
            CompileWeighted(model);
            var history = model.Fit(new[] { Xa, Xb }, new[] { Ya, Yb }, batchSize: 4, epochs: 1, verbose: 0, shuffle: false);

            AssertWeights(Step(W0), model);
            // The logs of the only batch are taken at the starting weights; per-output losses unweighted, in Keras 2's order.
            var (se, ae, bce, hits) = PerSample(W0);
            Assert.Equal(new[] { "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_acc" }, history.Values.Keys);
            Assert.Equal(WeightA * se.Average() + WeightB * bce.Average(), history.Values["loss"].Single(), tolerance: 1e-5);
            Assert.Equal(se.Average(), history.Values["out_a_loss"].Single(), tolerance: 1e-5);
            Assert.Equal(bce.Average(), history.Values["out_b_loss"].Single(), tolerance: 1e-5);
            Assert.Equal(ae.Average(), history.Values["out_a_mae"].Single(), tolerance: 1e-5);
            Assert.Equal(hits.Average(), history.Values["out_b_acc"].Single(), tolerance: 1e-6);
            // Neither head fits perfectly, so a wrong weighting would show.
            Assert.True(se.Average() > 0.1 && bce.Average() > 0.1);
            Assert.Equal(new[] { "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_acc" }, model.GetMetricsResult().Keys);
            Assert.Equal(new[] { "out_a_mae", "out_b_acc" }, model.Metrics.Select(m => m.Name));
            Assert.IsType<BinaryAccuracy>(model.Metrics[1]);
        }

        [Fact]
        public void EvaluateTakesDictionariesByNameWithSampleWeightsForEveryOutput()
        {
            var model = TwoHeads();
            CompileWeighted(model);
            var x = new Dictionary<string, Tensor> { ["in_b"] = Xb, ["in_a"] = Xa };
            var y = new Dictionary<string, Tensor> { ["out_b"] = Yb, ["out_a"] = Ya };
            var results = model.Evaluate(x, y, batchSize: 3, verbose: 0, sampleWeight: TestTensors.From(SampleWeights));

            var (se, ae, bce, hits) = PerSample(W0);
            int n = YA.Length;
            double sw = SampleWeights.Sum();
            // Each batch's loss is Σ w·l over its samples / its size, the epoch's mean weights batches by size: Σ w·l / n.
            double lossA = se.Select((v, i) => SampleWeights[i] * v).Sum() / n;
            double lossB = bce.Select((v, i) => SampleWeights[i] * v).Sum() / n;
            Assert.Equal(new[] { "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_acc" }, results.Keys);
            Assert.Equal(WeightA * lossA + WeightB * lossB, results["loss"], tolerance: 1e-5);
            Assert.Equal(lossA, results["out_a_loss"], tolerance: 1e-5);
            Assert.Equal(lossB, results["out_b_loss"], tolerance: 1e-5);
            Assert.Equal(ae.Select((v, i) => SampleWeights[i] * v).Sum() / sw, results["out_a_mae"], tolerance: 1e-5);
            Assert.Equal(hits.Select((v, i) => SampleWeights[i] * v).Sum() / sw, results["out_b_acc"], tolerance: 1e-6);

            // Lists in model order and .NET arrays give the same.
            var asArrays = model.Evaluate(new Array[] { To2D(XA), To2D(XB) }, ArrayLike.List(To2D(YA.Select(v => new[] { v }).ToArray()), YB),
                batchSize: 3, verbose: 0, sampleWeight: SampleWeights);
            foreach (var key in results.Keys) Assert.Equal(results[key], asArrays[key], tolerance: 1e-7);
        }

        private static double[,] To2D(double[][] rows)
        {
            var a = new double[rows.Length, rows[0].Length];
            for (int i = 0; i < rows.Length; i++)
                for (int j = 0; j < rows[0].Length; j++)
                    a[i, j] = rows[i][j];
            return a;
        }

        [Fact]
        public void FitValidatesOnListsAndLogsValKeysPerOutput()
        {
            var model = TwoHeads();
            CompileWeighted(model);
            var history = model.Fit(ArrayLike.List(Xa, Xb), ArrayLike.List(Ya, Yb), batchSize: 2, epochs: 2, verbose: 0, shuffle: false,
                validationData: (new[] { Xa, Xb }, new Dictionary<string, Tensor> { ["out_a"] = Ya, ["out_b"] = Yb }));
            Assert.Equal(new[]
            {
                "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_acc",
                "val_loss", "val_out_a_loss", "val_out_b_loss", "val_out_a_mae", "val_out_b_acc",
            }, history.Values.Keys);
            var check = model.Evaluate(new[] { Xa, Xb }, new[] { Ya, Yb }, verbose: 0);
            foreach (var (key, value) in check) Assert.Equal(value, history.Values["val_" + key][^1], tolerance: 1e-6);

            // validationSplit takes the same tail of every array.
            var split = TwoHeads();
            CompileWeighted(split);
            var splitHistory = split.Fit(new[] { Xa, Xb }, new[] { Ya, Yb }, batchSize: 3, epochs: 1, verbose: 0, validationSplit: 0.25);
            var tail = split.Evaluate(new[] { Xa.narrow(0, 3, 1), Xb.narrow(0, 3, 1) }, new[] { Ya.narrow(0, 3, 1), Yb.narrow(0, 3, 1) }, verbose: 0);
            foreach (var (key, value) in tail) Assert.Equal(value, splitHistory.Values["val_" + key].Single(), tolerance: 1e-6);
        }

        [Fact]
        public void CallbacksMonitorPerOutputKeys()
        {
            var model = TwoHeads();
            CompileWeighted(model);
            using var dir = new Data.TempDirectory();
            string csv = Path.Combine(dir.Path, "log.csv");
            var warnings = new StringWriter();
            model.Warnings = warnings;
            // No improvement of at least 100 ever counts: stops after the second epoch (patience 1).
            var stop = new EarlyStopping(monitor: "val_out_a_loss", minDelta: 100, patience: 1);
            var history = model.Fit(new[] { Xa, Xb }, new[] { Ya, Yb }, batchSize: 4, epochs: 5, verbose: 0,
                validationData: (new[] { Xa, Xb }, new[] { Ya, Yb }), callbacks: new Callback[] { stop, new CSVLogger(csv) });
            Assert.Equal(2, history.Epoch.Count);
            Assert.Equal("", warnings.ToString());
            var header = File.ReadLines(csv).First();
            Assert.Equal("epoch,loss,out_a_loss,out_a_mae,out_b_acc,out_b_loss,val_loss,val_out_a_loss,val_out_a_mae,val_out_b_acc,val_out_b_loss", header);
        }

        [Fact]
        public void ALossAndMetricsGivenOnceApplyToEveryOutput()
        {
            var model = TwoHeads();
            model.Compile(new SGD(learningRate: LearningRate), "mse", new[] { "mae" });
            var results = model.Evaluate(new[] { Xa, Xb }, new[] { Ya, Yb }, verbose: 0);
            Assert.Equal(new[] { "loss", "out_a_loss", "out_b_loss", "out_a_mae", "out_b_mae" }, results.Keys);
            var (se, ae, _, _) = PerSample(W0);
            var eb = XB.Select((x, i) => PredictB(W0, x) - YB[i]).ToArray();
            Assert.Equal(se.Average(), results["out_a_loss"], tolerance: 1e-5);
            Assert.Equal(eb.Select(e => e * e).Average(), results["out_b_loss"], tolerance: 1e-5);
            Assert.Equal(se.Average() + eb.Select(e => e * e).Average(), results["loss"], tolerance: 1e-5);
            Assert.Equal(ae.Average(), results["out_a_mae"], tolerance: 1e-5);
            Assert.Equal(eb.Select(Math.Abs).Average(), results["out_b_mae"], tolerance: 1e-5);
        }

        [Fact]
        public void AnOutputWithoutALossIsNotTrainedOrLogged()
        {
            var model = TwoHeads();
            model.Compile(new SGD(learningRate: LearningRate), new Dictionary<string, Loss?> { ["out_a"] = "mse" },
                new Dictionary<string, double> { ["out_a"] = 3.0 },
                new Dictionary<string, IReadOnlyList<string>> { ["out_b"] = new[] { "accuracy" } });
            var history = model.Fit(new[] { Xa, Xb }, new[] { Ya, Yb }, batchSize: 4, verbose: 0, shuffle: false);
            var (se, _, _, hits) = PerSample(W0);
            Assert.Equal(new[] { "loss", "out_a_loss", "out_b_accuracy" }, history.Values.Keys);
            Assert.Equal(3.0 * se.Average(), history.Values["loss"].Single(), tolerance: 1e-5);
            Assert.Equal(se.Average(), history.Values["out_a_loss"].Single(), tolerance: 1e-5);
            Assert.Equal(hits.Average(), history.Values["out_b_accuracy"].Single(), tolerance: 1e-6);
            // out_b's head gets no gradient.
            var b = model.GetLayer("out_b").GetWeights();
            TestTensors.AssertClose(W0.Wb, b[0].reshape(-1), 0, "out_b kernel");
        }

        [Fact]
        public void AccuracyResolvesPerOutputFromThatOutputsShapes()
        {
            Backend.SetRandomSeed(5);
            var x = Keras.Input(new int?[] { 2 }, name: "features");
            var binary = new Dense(1, activation: "sigmoid", name: "bin").Call(x);
            var classes = new Dense(3, activation: "softmax", name: "cat").Call(x);
            var model = new Model(new[] { x }, new[] { (KerasTensor)binary, classes }, name: "heads");
            model.Compile("sgd", new Loss?[] { "binary_crossentropy", "sparse_categorical_crossentropy" }, metrics: new[] { new[] { "accuracy" }, new[] { "acc" } });
            var results = model.Evaluate(Xa, new[] { Yb, tensor(new long[] { 0, 2, 1, 2 }) }, verbose: 0);
            Assert.Equal(new[] { "loss", "bin_loss", "cat_loss", "bin_accuracy", "cat_acc" }, results.Keys);
            Assert.IsType<BinaryAccuracy>(model.Metrics[0]);
            Assert.IsType<SparseCategoricalAccuracy>(model.Metrics[1]);

            // Call(Tensor) would return only the first of the two outputs; the list overload returns both.
            var error = Assert.Throws<InvalidOperationException>(() => model.Call(Xa));
            Assert.Equal("Model \"heads\" has 2 outputs (bin, cat), and Call(Tensor) returns one tensor. " +
                "Use Call(IReadOnlyList<Tensor>) (e.g. model.Call(new[] { x })), which returns one tensor per output.", error.Message);
            var outputs = model.Call(new[] { Xa });
            Assert.Equal(2, outputs.Count);
            Assert.Equal(new long[] { 4, 3 }, outputs[1].shape);
        }

        [Fact]
        public void PredictReturnsOneTensorPerOutput()
        {
            var model = TwoHeads();
            // Tensor[] picks the list overload; batches of 3 and 1 are put back together per output.
            IReadOnlyList<Tensor> predicted = model.Predict(new[] { Xa, Xb }, batchSize: 3);
            Assert.Equal(2, predicted.Count);
            Assert.Equal(new long[] { 4, 1 }, predicted[0].shape);
            Assert.Equal(DeviceType.CPU, predicted[1].device_type);
            TestTensors.AssertClose(XA.Select(r => PredictA(W0, r)).ToArray(), predicted[0].reshape(-1), 1e-6, "out_a");
            TestTensors.AssertClose(XB.Select(r => PredictB(W0, r)).ToArray(), predicted[1].reshape(-1), 1e-6, "out_b");
            var fromList = model.Predict(new List<Tensor> { Xa, Xb });
            Assert.True(TestTensors.Same(predicted[1], fromList[1]));

            var error = Assert.Throws<InvalidOperationException>(() => model.Predict(ArrayLike.List(Xa, Xb)));
            Assert.Equal("Model \"two_heads\" has 2 outputs (out_a, out_b), and Predict(ArrayLike) returns one tensor. " +
                "Use Predict(IReadOnlyList<Tensor>) or Predict(Tensor[]), which return one tensor per output.", error.Message);

            // A model of one output: the list overload returns a list of one, equal to the single-tensor overload.
            Backend.SetRandomSeed(3);
            var single = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }) });
            var one = single.Predict(new[] { Xa });
            Assert.Single(one);
            Assert.True(TestTensors.Same(single.Predict(Xa), one[0]));
        }

        [Fact]
        public void DataThatDoesNotFitTheModelIsRefusedWithClearErrors()
        {
            var model = TwoHeads();
            CompileWeighted(model);
            string Message(Action call) => Assert.ThrowsAny<ArgumentException>(call).Message;

            Assert.Equal("Model \"two_heads\" expects 2 input arrays (in_a, in_b), received 1. (Parameter 'x')",
                Message(() => model.Fit(Xa, new[] { Ya, Yb }, verbose: 0)));
            Assert.Equal("Model \"two_heads\" expects 2 target arrays (out_a, out_b), received 3. (Parameter 'y')",
                Message(() => model.Evaluate(new[] { Xa, Xb }, new[] { Ya, Yb, Yb }, verbose: 0)));
            Assert.Equal("Found unexpected keys that do not correspond to any Model input: ['in_c']. Expected: ['in_a', 'in_b'] (Parameter 'x')",
                Message(() => model.Fit(new Dictionary<string, Tensor> { ["in_a"] = Xa, ["in_b"] = Xb, ["in_c"] = Xb }, new[] { Ya, Yb }, verbose: 0)));
            Assert.Equal("No data provided for \"in_b\". Need data for each key in: ['in_a', 'in_b'] (Parameter 'x')",
                Message(() => model.Fit(new Dictionary<string, Tensor> { ["in_a"] = Xa }, new[] { Ya, Yb }, verbose: 0)));
            Assert.Equal("No data provided for \"out_b\". Need data for each key in: ['out_a', 'out_b'] (Parameter 'y')",
                Message(() => model.Evaluate(new[] { Xa, Xb }, new Dictionary<string, Tensor> { ["out_a"] = Ya }, verbose: 0)));
            Assert.Equal("Data cardinality is ambiguous:\n  x sizes: 4, 3\n  y sizes: 4, 4\nMake sure all arrays contain the same number of samples.",
                Message(() => model.Fit(new[] { Xa, Xb.narrow(0, 0, 3) }, new[] { Ya, Yb }, verbose: 0)));
            Assert.Equal("Data cardinality is ambiguous:\n  x sizes: 4, 4\n  y sizes: 4, 4\n  sample_weight sizes: 3\nMake sure all arrays contain the same number of samples.",
                Message(() => model.Evaluate(new[] { Xa, Xb }, new[] { Ya, Yb }, verbose: 0, sampleWeight: new[] { 1.0, 1.0, 1.0 })));
            Assert.Equal("`classWeight` is only supported for Models with a single output. (Parameter 'classWeight')",
                Message(() => model.Fit(new[] { Xa, Xb }, new[] { Ya, Yb }, verbose: 0, classWeight: new Dictionary<int, double> { [0] = 1, [1] = 2 })));
            Assert.Equal("Model \"two_heads\" expects 2 input arrays (in_a, in_b), received 1. (Parameter 'x')",
                Message(() => model.Predict(new[] { Xa })));
            // The model was never trained by the refused calls.
            AssertWeights(W0, model);
        }

        [Fact]
        public void CompileRefusesLossesThatDoNotMatchTheOutputs()
        {
            var model = TwoHeads();
            string Message(Action call) => Assert.Throws<ArgumentException>(call).Message;
            Assert.Equal("When passing a list as loss, it should have one entry per model output. Model \"two_heads\" has 2 outputs (out_a, out_b), " +
                "but you passed 1 losses. (Parameter 'loss')", Message(() => model.Compile("sgd", new Loss?[] { "mse" })));
            Assert.Equal("When passing a list as lossWeights, it should have one entry per model output. Model \"two_heads\" has 2 outputs (out_a, out_b), " +
                "but you passed 3 loss weights. (Parameter 'lossWeights')", Message(() => model.Compile("sgd", new Loss?[] { "mse", "mse" }, new[] { 1.0, 2.0, 3.0 })));
            Assert.Equal("Found unexpected keys that do not correspond to any Model output: ['out_c']. Expected: ['out_a', 'out_b'] (Parameter 'loss')",
                Message(() => model.Compile("sgd", new Dictionary<string, Loss?> { ["out_a"] = "mse", ["out_c"] = "mse" })));
            Assert.Equal("Found unexpected keys that do not correspond to any Model output: ['dense']. Expected: ['out_a', 'out_b'] (Parameter 'metrics')",
                Message(() => model.Compile("sgd", new Dictionary<string, Loss?> { ["out_a"] = "mse" },
                    metrics: new Dictionary<string, IReadOnlyList<string>> { ["dense"] = new[] { "mae" } })));
            Assert.Equal("Compile needs a loss, e.g. loss: \"binary_crossentropy\". (Parameter 'loss')",
                Message(() => model.Compile("sgd", new Loss?[] { null, null })));
            Assert.StartsWith("Model \"two_heads\" has 2 outputs (out_a, out_b): a metric object keeps one state",
                Message(() => model.Compile("sgd", "mse", new Metric[] { new BinaryAccuracy() })));
            Assert.Null(model.Compiled);
        }

        [Fact]
        public void AnEmbeddingReadingAModelInputIsCheckedAgainstThatInputsData()
        {
            // The ids are the second input: checking the first (features of 10) would report index 10, not 7.
            Backend.SetRandomSeed(9);
            var features = Keras.Input(new int?[] { 2 }, name: "features");
            var ids = Keras.Input(new int?[] { 3 }, dtype: "int64", name: "ids");
            var embedding = new Embedding(5, 2, name: "emb");
            var outIds = new Dense(1, name: "from_ids").Call(new SimpleRNN(2, name: "rnn").Call(embedding.Call(ids).Output).Output);
            var outFeatures = new Dense(1, name: "from_features").Call(features);
            var model = new Model(new[] { features, ids }, new[] { (KerasTensor)outIds, outFeatures }, name: "mixed");
            model.Compile("sgd", "mse");
            var x = full(4, 2, 10f);
            var goodIds = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 4 }, new long[] { 4, 3 });
            var y = new[] { zeros(4, 1), zeros(4, 1) };
            var before = model.GetWeights().Select(t => t.clone()).ToArray();

            var badIds = goodIds.clone();
            badIds[2, 1] = tensor(7L);
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(new[] { x, badIds }, y, batchSize: 2, verbose: 0));
            Assert.Contains("Layer \"emb\" (Embedding): input index 7 is out of range [0, 5)", error.Message);
            // Refused before the first batch.
            Assert.All(model.GetWeights().Zip(before), p => Assert.True(TestTensors.Same(p.First, p.Second)));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(new[] { x, badIds }));

            var history = model.Fit(new Dictionary<string, Tensor> { ["ids"] = goodIds, ["features"] = x }, y, batchSize: 2, verbose: 0);
            Assert.Equal(new[] { "loss", "from_ids_loss", "from_features_loss" }, history.Values.Keys);
            Assert.False(embedding.IndicesPrechecked);
        }

        [Fact]
        public void ASequentialModelTakesOneElementListsAndItsNames()
        {
            Backend.SetRandomSeed(3);
            var model = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }, name: "only") }, name: "seq");
            model.Compile("sgd", "mse", new[] { "mae" });
            var plain = model.Evaluate(Xa, Ya, verbose: 0);
            var listed = model.Evaluate(new[] { Xa }, new[] { Ya }, verbose: 0);
            var named = model.Evaluate(new Dictionary<string, Tensor> { ["only_input"] = Xa }, new Dictionary<string, Tensor> { ["only"] = Ya }, verbose: 0);
            Assert.Equal(new[] { "loss", "mae" }, plain.Keys);
            Assert.Equal(plain, listed);
            Assert.Equal(plain, named);
            Assert.Equal("Model \"seq\" expects 1 input array (only_input), received 2. (Parameter 'x')",
                Assert.Throws<ArgumentException>(() => model.Evaluate(new[] { Xa, Xa }, Ya, verbose: 0)).Message);
        }
    }
}
