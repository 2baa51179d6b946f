using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using RnnSharp.Trainers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>Compile / Fit / Evaluate / Predict with Keras behaviour.</summary>
    public class TrainerTests
    {
        /// <summary>Sequences of ±1 steps; label 1 when the sum is positive (needs the whole sequence).</summary>
        private static (Tensor X, Tensor Y) SignTask(int count, int steps, int seed)
        {
            var rng = new Random(seed);
            var x = new float[count * steps];
            var y = new float[count];
            for (int i = 0; i < count; i++)
            {
                int sum;
                do
                {
                    sum = 0;
                    for (int t = 0; t < steps; t++)
                    {
                        x[i * steps + t] = rng.Next(2) == 0 ? -1f : 1f;
                        sum += (int)x[i * steps + t];
                    }
                }
                while (sum == 0);
                y[i] = sum > 0 ? 1f : 0f;
            }
            return (tensor(x, new long[] { count, steps, 1 }), tensor(y));
        }

        private static Sequential SmallModel()
            => new(new Layer[] { new LSTM(8, inputShape: new int?[] { 9, 1 }), new Dense(1, activation: "sigmoid") });

        [Fact]
        public void FitLearnsASequenceTaskWellBeyondChance()
        {
            Backend.SetRandomSeed(7);
            var (x, y) = SignTask(512, 9, seed: 1);
            var model = SmallModel();
            model.Compile(optimizer: new RnnSharp.Optimizers.Adam(learningRate: 0.01), loss: "binary_crossentropy", metrics: new[] { "acc" });
            var history = model.Fit(x, y, batchSize: 32, epochs: 15, verbose: 0);
            Assert.Equal(Enumerable.Range(0, 15), history.Epoch);
            var losses = history.Values["loss"];
            Assert.Equal(15, losses.Count);
            Assert.True(losses[^1] < 0.35, $"final loss {losses[^1]} should be well below chance (0.693)");
            Assert.True(history.Values["acc"][^1] > 0.85);
            var (xt, yt) = SignTask(256, 9, seed: 2);
            var results = model.Evaluate(xt, yt, verbose: 0);
            Assert.True(results["acc"] > 0.85, $"test accuracy {results["acc"]}");
            Assert.Equal(new[] { "acc", "loss" }, results.Keys.OrderBy(k => k));
        }

        [Fact]
        public void ValidationSplitTakesTheLastFractionUnshuffled()
        {
            var x = arange(10, dtype: ScalarType.Float32).reshape(10, 1);
            var (train, validation) = new DataAdapter(x, x).Split(0.25);
            // Keras: split_at = int(10 * 0.75) = 7.
            Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6 }, TestTensors.Values(train.X[0]));
            Assert.Equal(new float[] { 7, 8, 9 }, TestTensors.Values(validation.X[0]));
            Assert.Throws<ArgumentException>(() => new DataAdapter(x.narrow(0, 0, 1), x.narrow(0, 0, 1)).Split(0.5));

            Backend.SetRandomSeed(3);
            var (sx, sy) = SignTask(40, 9, seed: 4);
            var model = SmallModel();
            model.Compile("sgd", "mse", new[] { "mae" });
            var history = model.Fit(sx, sy, batchSize: 8, epochs: 2, validationSplit: 0.25, verbose: 0);
            Assert.Equal(new[] { "loss", "mae", "val_loss", "val_mae" }, history.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));
            // val_loss of the last epoch is the loss on the last 10 samples with the final weights.
            var check = model.Evaluate(sx.narrow(0, 30, 10), sy.narrow(0, 30, 10), verbose: 0);
            Assert.Equal(check["loss"], history.Values["val_loss"][^1], 5);
        }

        [Fact]
        public void PredictIsBatchedInInputOrderWithoutGradients()
        {
            Backend.SetRandomSeed(5);
            var (x, _) = SignTask(70, 9, seed: 5);
            var model = SmallModel();
            var whole = model.Call(x);
            var predicted = model.Predict(x, batchSize: 16);
            Assert.False(predicted.requires_grad);
            Assert.Equal(new long[] { 70, 1 }, predicted.shape);
            Assert.True(predicted.allclose(whole.detach(), rtol: 0, atol: 1e-6));
        }

        [Fact]
        public void PredictLeavesNoTensorsAlive()
        {
            Backend.SetRandomSeed(5);
            var (x, _) = SignTask(70, 9, seed: 5);
            var model = SmallModel();
            model.Predict(x, batchSize: 16).Dispose();
            long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            for (int i = 0; i < 3; i++) model.Predict(x, batchSize: 16).Dispose();
            Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }

        [Fact]
        public void EmbeddingIndicesAreCheckedOnceBeforeTheFirstBatch()
        {
            Backend.SetRandomSeed(3);
            var embedding = new Embedding(5, 4);
            var model = new Sequential(new Layer[] { embedding, new LSTM(3), new Dense(1, activation: "sigmoid") });
            model.Compile("adam", "binary_crossentropy");
            var x = randint(0, 5, new long[] { 40, 6 });
            x[37, 2] = tensor(7L); // only the last batch holds the bad index
            var y = randint(0, 2, new long[] { 40, 1 }).to(ScalarType.Float32);
            var before = model.GetWeights();

            var fit = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: 8, verbose: 0, shuffle: false));
            Assert.Contains($"Layer \"{embedding.Name}\" (Embedding): input index 7 is out of range [0, 5)", fit.Message);
            // Raised before any batch trained (it used to come at the bad batch, after four updates).
            Assert.All(before.Zip(model.GetWeights()), w => Assert.True(w.First.equal(w.Second).all().item<bool>()));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict(x, batchSize: 8));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Evaluate(x, y, batchSize: 8, verbose: 0));

            // With good data the trainer's batches skip the check; other calls, during Fit or after it, still check.
            var good = x.clamp_max(4);
            Exception? duringFit = null;
            var probe = new LambdaCallback(onBatchEnd: (_, _) => duringFit ??= Record.Exception(() => model.Call(x)));
            model.Fit(good, y, batchSize: 8, verbose: 0, callbacks: new Callback[] { probe });
            Assert.IsType<ArgumentOutOfRangeException>(duringFit);
            model.Predict(good, batchSize: 8).Dispose();
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Call(x));
        }

        [Fact]
        public void SampleAndClassWeightsScaleTheLoss()
        {
            Backend.SetRandomSeed(9);
            var model = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 1 }, kernelInitializer: "zeros") });
            model.Compile("sgd", "mse");
            var x = tensor(new float[] { 1, 2 }, new long[] { 2, 1 });
            var y = tensor(new float[] { 1, 0 });
            // Zero weights: predictions are 0, so errors are 1 and 0; with lr 0 nothing changes. A weight of 3 on the
            // first sample gives loss (3·1 + 1·0) / 2 = 1.5.
            model.Optimizer!.LearningRate = 0;
            var h = model.Fit(x, y, batchSize: 2, epochs: 1, verbose: 0, shuffle: false, sampleWeight: tensor(new float[] { 3, 1 }));
            Assert.Equal(1.5, h.Values["loss"][0], 5);
            var c = model.Fit(x, y, batchSize: 2, epochs: 1, verbose: 0, shuffle: false, classWeight: new Dictionary<int, double> { [1] = 4.0 });
            Assert.Equal(2.0, c.Values["loss"][0], 5);
        }

        [Fact]
        public void ClassesWithoutAClassWeightCountOnce()
        {
            var model = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 1 }, kernelInitializer: "zeros") });
            model.Compile(new RnnSharp.Optimizers.SGD(learningRate: 0), "mse");
            // Predictions are 0, so the squared errors are the labels squared: 0, 1, 4, 9. Labels 2 and 3 have no class
            // weight and count once: (2·0 + 3·1 + 1·4 + 1·9) / 4 = 4.
            var x = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 4, 1 });
            var y = tensor(new float[] { 0, 1, 2, 3 }, new long[] { 4, 1 });
            var h = model.Fit(x, y, batchSize: 4, verbose: 0, shuffle: false, classWeight: new Dictionary<int, double> { [0] = 2.0, [1] = 3.0 });
            Assert.Equal(4.0, h.Values["loss"][0], 1e-6);
        }

        [Fact]
        public void EmptyDataGetsAClearError()
        {
            var model = SmallModel();
            model.Compile("adam", "mse");
            var empty = zeros(0, 9, 1);
            foreach (var call in new Action[]
            {
                () => model.Predict(empty),
                () => model.Evaluate(empty, zeros(0), verbose: 0),
                () => model.Fit(empty, zeros(0), verbose: 0),
            })
                Assert.Contains("non-empty", Assert.Throws<ArgumentException>(call).Message);
        }

        [Fact]
        public void FitWithoutCompileSaysSo()
        {
            var model = SmallModel();
            var ex = Assert.Throws<InvalidOperationException>(() => model.Fit(randn(4, 9, 1), randn(4), verbose: 0));
            Assert.Contains("Compile", ex.Message);
        }

        [Fact]
        public void FitPrintsKerasProgressWithAnInjectedClock()
        {
            Backend.SetRandomSeed(21);
            var (x, y) = SignTask(64, 9, seed: 8);
            var model = SmallModel();
            model.Compile("sgd", "binary_crossentropy", new[] { "acc" });
            double now = 0;
            var output = new System.IO.StringWriter();
            // Each clock reading advances 10 ms: steps are timed deterministically.
            var progress = new ProgbarLogger { Clock = () => now += 0.01, DynamicDisplay = false, Output = output };
            model.Fit(x, y, batchSize: 32, epochs: 2, verbose: 1, callbacks: new Callback[] { progress });
            var lines = output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
            Assert.Equal("Epoch 1/2", lines[0]);
            Assert.Contains("Epoch 2/2", lines);
            var last = lines[^1];
            Assert.Matches(@"^2/2 \[==============================\] - 0s \d+ms/step - loss: \d\.\d{4} - acc: \d\.\d{4}$", last);
            var h = model.Fit(x, y, batchSize: 32, epochs: 1, verbose: 0);
            Assert.Single(h.Epoch);
        }

        [Fact]
        public void SeededRunsRepeatExactlyOnTheCpu()
        {
            List<double> Run()
            {
                Backend.SetRandomSeed(123);
                var (x, y) = SignTask(96, 9, seed: 3);
                var model = new Sequential(new Layer[] { new GRU(6, dropout: 0.2, inputShape: new int?[] { 9, 1 }), new Dropout(0.3), new Dense(1, activation: "sigmoid") });
                model.Compile("adam", "binary_crossentropy");
                return model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0).Values["loss"].ToList();
            }
            Assert.Equal(Run(), Run());
        }

        [Fact]
        public void PlainArraysWorkForFitEvaluateAndPredict()
        {
            Backend.SetRandomSeed(4);
            var model = new Sequential(new Layer[] { new Embedding(10, 3, inputShape: new int?[] { 4 }), new SimpleRNN(4), new Dense(2, activation: "softmax") });
            model.Compile("rmsprop", "sparse_categorical_crossentropy", new[] { "accuracy" });
            var x = new int[,] { { 1, 2, 3, 4 }, { 4, 3, 2, 1 }, { 1, 1, 1, 1 } };
            var y = new[] { 0, 1, 0 };
            var history = model.Fit(x, y, batchSize: 2, epochs: 2, verbose: 0);
            Assert.Equal(new[] { "accuracy", "loss" }, history.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));
            var results = model.Evaluate(x, y, verbose: 0);
            Assert.InRange(results["accuracy"], 0, 1);
            var p = model.Predict(x);
            Assert.Equal(new long[] { 3, 2 }, p.shape);
            Assert.True(p.sum(1).allclose(ones(3), rtol: 0, atol: 1e-5));
        }

        [Fact]
        public void CallbacksActThroughFit()
        {
            Backend.SetRandomSeed(2);
            var (x, y) = SignTask(64, 9, seed: 9);
            var model = SmallModel();
            // A learning rate of zero: val_loss never improves, so EarlyStopping(patience 2) stops after epoch 3
            // (Keras 2.6 counts the first epoch as the baseline), and ReduceLROnPlateau cuts the rate each plateau.
            model.Compile(new RnnSharp.Optimizers.SGD(learningRate: 0.0), "binary_crossentropy");
            var stop = new EarlyStopping(monitor: "val_loss", patience: 2, restoreBestWeights: true);
            string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnnsharp-fit-cb-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                var checkpoint = new ModelCheckpoint(System.IO.Path.Combine(dir, "w.{epoch:02d}.rnnsharp"), saveWeightsOnly: true);
                var rates = new List<double>();
                var reduce = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 0, minDelta: 1.0);
                var history = model.Fit(x, y, batchSize: 16, epochs: 10, verbose: 0, validationSplit: 0.25,
                    callbacks: new Callback[] { stop, checkpoint, reduce, new LambdaCallback(onEpochEnd: (_, _) => rates.Add(model.Optimizer!.LearningRate)) });
                Assert.True(history.Epoch.Count < 10, $"EarlyStopping ended training after {history.Epoch.Count} epochs");
                Assert.Equal(history.Epoch[^1], stop.StoppedEpoch);
                Assert.Equal(history.Epoch.Count, System.IO.Directory.GetFiles(dir, "w.*.rnnsharp").Length);
                Assert.True(System.IO.File.Exists(System.IO.Path.Combine(dir, "w.01.rnnsharp")));
                Assert.Equal(0.0, rates[0]);
            }
            finally
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
        }

        [Fact]
        public void ReduceLROnPlateauLowersTheOptimizersRateDuringFit()
        {
            Backend.SetRandomSeed(2);
            var (x, y) = SignTask(32, 9, seed: 10);
            var model = SmallModel();
            model.Compile(new RnnSharp.Optimizers.Adam(learningRate: 0.01), "binary_crossentropy");
            // minDelta larger than any improvement: after the first epoch (an improvement on +inf, as in Keras) every
            // epoch is a plateau and halves the rate: 0.01 → 0.005 → 0.0025.
            var reduce = new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 0, minDelta: 10.0);
            model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 0, callbacks: new Callback[] { reduce });
            Assert.Equal(0.01 * 0.5 * 0.5, model.Optimizer!.LearningRate, 10);
        }

        [Fact]
        public void LiveTensorCountStaysFlatAcrossEpochs()
        {
            Backend.SetRandomSeed(11);
            var (x, y) = SignTask(128, 9, seed: 6);
            var model = new Sequential(new Layer[]
            {
                new Embedding(5, 4, maskZero: true, inputShape: new int?[] { 9 }),
                new GRU(6, returnSequences: true),
                new LSTM(6),
                new Dense(1, activation: "sigmoid"),
            });
            var ids = (x.squeeze(2) + 2).to(ScalarType.Int64); // tokens 1 and 3; no padding
            model.Compile("adam", "binary_crossentropy", new[] { "accuracy" });
            var counts = new List<long>();
            var probe = new LambdaCallback(onEpochEnd: (_, _) => counts.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount));
            model.Fit(ids, y, batchSize: 16, epochs: 6, verbose: 0, callbacks: new Callback[] { probe });
            Assert.Equal(6, counts.Count);
            // After the first epoch (optimizer slots and metric state created), nothing accumulates per batch.
            Assert.True(counts.Skip(1).Max() - counts.Skip(1).Min() <= 2, "live tensors per epoch: " + string.Join(", ", counts));
        }
    }
}
