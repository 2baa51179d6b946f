using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Optimizers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>
    /// Which batches Fit, Evaluate and Predict run (Keras 3's <c>EpochIterator</c>): inputs are sample indices, so the
    /// steps of a <see cref="RecordingModel"/> show exactly which samples each batch held.
    /// </summary>
    public class EpochIteratorTests
    {
        private const string OutOfData = "Your input ran out of data";

        /// <summary>Samples whose single feature is <paramref name="first"/>, <paramref name="first"/> + 1, ...</summary>
        private static Tensor Indexed(int n, int first = 0) => arange(first, first + n, dtype: ScalarType.Float32).reshape(n, 1);

        private static Tensor Targets(int n) => arange(n, dtype: ScalarType.Float32) / 10.0;

        private static RecordingModel NewModel(StringWriter warnings, double learningRate = 0.0)
        {
            Backend.SetRandomSeed(12);
            var model = new RecordingModel { Warnings = warnings };
            model.Compile(new SGD(learningRate: learningRate), "mse");
            return model;
        }

        private static int[][] AsIndices(IEnumerable<float[]> batches) => batches.Select(b => b.Select(v => (int)v).ToArray()).ToArray();

        private static int[][][] Epochs(RecordingModel model) => model.TrainEpochs.Select(AsIndices).ToArray();

        private static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

        private static int Count(string text, string part)
        {
            int count = 0;
            for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
            return count;
        }

        private static (double W, double B) Weights(Sequential model)
        {
            var weights = model.GetWeights();
            return (TestTensors.Values(weights[0]).Single(), TestTensors.Values(weights[1]).Single());
        }

        [Fact]
        public void StepsPerEpochCarriesThePassOverFromEpochToEpoch()
        {
            // 10 samples in 5 batches of 2, 2 steps per epoch: the pass continues across epochs; the third epoch gets the
            // one batch left and ends early with Keras's warning; the fourth starts a new pass.
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            var recorder = new HookRecorder();
            var history = model.Fit(Indexed(10), Targets(10), batchSize: 2, epochs: 4, verbose: 0, shuffle: false, stepsPerEpoch: 2,
                callbacks: new[] { model.EpochMarker, recorder });

            Assert.Equal(new[]
            {
                new[] { new[] { 0, 1 }, new[] { 2, 3 } },
                new[] { new[] { 4, 5 }, new[] { 6, 7 } },
                new[] { new[] { 8, 9 } },
                new[] { new[] { 0, 1 }, new[] { 2, 3 } },
            }, Epochs(model));
            Assert.Equal(1, Count(warnings.ToString(), OutOfData));
            // The short epoch still ends normally, and training goes on.
            Assert.Equal(new[] { 0, 1, 2, 3 }, history.Epoch);
            Assert.Equal(2, recorder.ParamsSeen.Single().Steps);
            Assert.Equal(4, recorder.ParamsSeen.Single().Epochs);
        }

        [Fact]
        public void StepsPerEpochBeyondTheDataRunsOutInEveryEpoch()
        {
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            var recorder = new HookRecorder();
            model.Fit(Indexed(10), Targets(10), batchSize: 2, epochs: 3, verbose: 0, shuffle: false, stepsPerEpoch: 7,
                callbacks: new[] { model.EpochMarker, recorder });

            var pass = Enumerable.Range(0, 5).Select(b => Range(2 * b, 2)).ToArray();
            Assert.Equal(new[] { pass, pass, pass }, Epochs(model));
            Assert.Equal(3, Count(warnings.ToString(), OutOfData));
            // Keras's progress target is the requested count, not what the data gave.
            Assert.Equal(7, recorder.ParamsSeen.Single().Steps);
        }

        [Fact]
        public void WithoutStepsPerEpochEveryEpochIsOneWholePass()
        {
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            var recorder = new HookRecorder();
            model.Fit(Indexed(10), Targets(10), batchSize: 2, epochs: 3, verbose: 0, shuffle: false,
                callbacks: new[] { model.EpochMarker, recorder });

            var pass = Enumerable.Range(0, 5).Select(b => Range(2 * b, 2)).ToArray();
            Assert.Equal(new[] { pass, pass, pass }, Epochs(model));
            Assert.Equal("", warnings.ToString());
            Assert.Equal(5, recorder.ParamsSeen.Single().Steps);
        }

        [Fact]
        public void StepsPerEpochThatDividesThePassNeverRunsOut()
        {
            // 4 batches, 2 steps per epoch: each pass ends exactly at an epoch's end, and the next epoch starts a new one.
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            model.Fit(Indexed(8), Targets(8), batchSize: 2, epochs: 3, verbose: 0, shuffle: false, stepsPerEpoch: 2,
                callbacks: new[] { model.EpochMarker });
            Assert.Equal(new[]
            {
                new[] { new[] { 0, 1 }, new[] { 2, 3 } },
                new[] { new[] { 4, 5 }, new[] { 6, 7 } },
                new[] { new[] { 0, 1 }, new[] { 2, 3 } },
            }, Epochs(model));
            Assert.Equal("", warnings.ToString());
        }

        [Fact]
        public void StepsPerEpochWithShuffleDrawsEachNewPassAsAPermutation()
        {
            // Two passes of 5 batches over 6 epochs of 2 steps: epochs 0-2 are the first pass (2 + 2 + 1 batches), epochs
            // 3-5 the second; each pass holds every sample once, in a new order.
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            model.Fit(Indexed(10), Targets(10), batchSize: 2, epochs: 6, verbose: 0, shuffle: true, stepsPerEpoch: 2,
                callbacks: new[] { model.EpochMarker });

            var epochs = Epochs(model);
            Assert.Equal(new[] { 2, 2, 1, 2, 2, 1 }, epochs.Select(e => e.Length));
            Assert.All(epochs.SelectMany(e => e), batch => Assert.Equal(2, batch.Length));
            var passes = new[] { epochs.Take(3), epochs.Skip(3) }.Select(p => p.SelectMany(e => e).SelectMany(b => b).ToArray()).ToArray();
            foreach (var pass in passes) Assert.Equal(Range(0, 10), pass.OrderBy(i => i));
            Assert.NotEqual(passes[0], passes[1]);
            Assert.True(passes.Any(p => !p.SequenceEqual(Range(0, 10))), "shuffle: true left the data in order");
            Assert.Equal(2, Count(warnings.ToString(), OutOfData));
        }

        [Fact]
        public void ShuffleWithoutStepsPerEpochReshufflesEveryEpoch()
        {
            var model = NewModel(TestModels.Writer());
            model.Fit(Indexed(10), Targets(10), batchSize: 3, epochs: 3, verbose: 0, shuffle: true, callbacks: new[] { model.EpochMarker });
            var passes = Epochs(model).Select(e => e.SelectMany(b => b).ToArray()).ToArray();
            Assert.Equal(3, passes.Length);
            foreach (var pass in passes) Assert.Equal(Range(0, 10), pass.OrderBy(i => i));
            Assert.Equal(3, passes.Select(p => string.Join(",", p)).Distinct().Count());
        }

        [Fact]
        public void ValidationStepsEvaluatesTheFirstBatchesOfEveryRun()
        {
            // 7 validation samples (features 10..16) in batches of 2; validationSteps 2 takes the first two batches
            // (samples 10..13) in every run, as Keras resets its validation iterator before each.
            var warnings = TestModels.Writer();
            var model = NewModel(warnings, learningRate: 0.01);
            var vx = Indexed(7, first: 10);
            var vy = tensor(new float[] { 1.0f, 1.2f, 0.9f, 1.5f, 2.0f, 0.0f, -3.0f });
            var expected = new List<double>();
            var checker = new LambdaCallback(onEpochEnd: (_, _) =>
            {
                // The validation ran just before, at the epoch's final weights: the mean squared error of samples 10..13.
                var (w, b) = Weights(model);
                float[] targets = TestTensors.Values(vy);
                expected.Add(Enumerable.Range(0, 4).Select(k => Math.Pow(w * (10 + k) + b - targets[k], 2)).Average());
            });
            var history = model.Fit(Indexed(6), Targets(6), batchSize: 3, epochs: 3, verbose: 0, shuffle: false,
                validationData: (vx, vy), validationBatchSize: 2, validationSteps: 2, callbacks: new Callback[] { checker });

            var run = new[] { new[] { 10, 11 }, new[] { 12, 13 } };
            Assert.Equal(new[] { run, run, run }.SelectMany(r => r), AsIndices(model.TestBatches));
            Assert.Equal(3, history.Values["val_loss"].Count);
            for (int epoch = 0; epoch < 3; epoch++) Assert.Equal(expected[epoch], history.Values["val_loss"][epoch], tolerance: 1e-5);
            // Training moved the weights, so each epoch's validation loss is its own.
            Assert.Equal(3, history.Values["val_loss"].Distinct().Count());
            Assert.Equal("", warnings.ToString());
        }

        [Fact]
        public void ValidationStepsBeyondTheValidationDataTakesItAllAndWarnsEachRun()
        {
            // Keras's evaluate runs with steps = validation_steps: more steps than batches ends the run at the data's end
            // with the out-of-data warning, in each validation run.
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            model.Fit(Indexed(4), Targets(4), batchSize: 4, epochs: 2, verbose: 0, shuffle: false,
                validationData: (Indexed(3, first: 10), Targets(3)), validationBatchSize: 2, validationSteps: 5);
            var run = new[] { Range(10, 2), Range(12, 1) };
            Assert.Equal(run.Concat(run), AsIndices(model.TestBatches));
            Assert.Equal(2, Count(warnings.ToString(), OutOfData));
        }

        [Fact]
        public void ValidationFreqValidatesEveryNthEpochAndHistoryListsOnlyThoseValues()
        {
            var model = NewModel(TestModels.Writer(), learningRate: 0.01);
            var recorder = new HookRecorder();
            var history = model.Fit(Indexed(6), Targets(6), batchSize: 3, epochs: 4, verbose: 0, shuffle: false,
                validationData: (Indexed(4, first: 20), Targets(4)), validationFreq: 2, callbacks: new Callback[] { recorder });

            // Keras validates when (epoch + 1) % validation_freq == 0: after epochs 1 and 3 (zero-based).
            var epochLogs = recorder.Events.Select((e, i) => (e, i)).Where(p => p.e.StartsWith("epoch_end", StringComparison.Ordinal))
                .Select(p => recorder.Logs[p.i]).ToArray();
            Assert.Equal(4, epochLogs.Length);
            Assert.Equal(new[] { false, true, false, true }, epochLogs.Select(l => l.ContainsKey("val_loss")));
            Assert.DoesNotContain(epochLogs[0].Keys, k => k.StartsWith("val_", StringComparison.Ordinal));
            // Keras's History appends each key's value in the epochs that log it: 4 losses, 2 validation losses.
            Assert.Equal(4, history.Values["loss"].Count);
            Assert.Equal(new[] { epochLogs[1]["val_loss"], epochLogs[3]["val_loss"] }, history.Values["val_loss"]);
            Assert.Equal(new[] { 0, 1, 2, 3 }, history.Epoch);
            // Two validation runs of two batches (4 samples in batches of 3).
            Assert.Equal(new[] { Range(20, 3), Range(23, 1), Range(20, 3), Range(23, 1) }, AsIndices(model.TestBatches));
        }

        [Fact]
        public void ValidationBatchSizeSetsTheValidationBatches()
        {
            var model = NewModel(TestModels.Writer());
            model.Fit(Indexed(8), Targets(8), batchSize: 4, epochs: 1, verbose: 0, shuffle: false,
                validationData: (Indexed(7, first: 10), Targets(7)), validationBatchSize: 3);
            Assert.Equal(new[] { Range(10, 3), Range(13, 3), Range(16, 1) }, AsIndices(model.TestBatches));

            // Without it the validation batches are of batchSize.
            var other = NewModel(TestModels.Writer());
            other.Fit(Indexed(8), Targets(8), batchSize: 4, epochs: 1, verbose: 0, shuffle: false,
                validationData: (Indexed(7, first: 10), Targets(7)));
            Assert.Equal(new[] { Range(10, 4), Range(14, 3) }, AsIndices(other.TestBatches));
        }

        [Fact]
        public void EvaluateStepsTakesTheFirstBatches()
        {
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            var recorder = new HookRecorder();
            var y = tensor(new float[] { 0.5f, -1, 2, 0, 1, 3, 100, 100, 100, 100 });
            var results = model.Evaluate(Indexed(10), y, batchSize: 3, steps: 2, verbose: 0, callbacks: new[] { recorder });

            Assert.Equal(new[] { Range(0, 3), Range(3, 3) }, AsIndices(model.TestBatches));
            var (w, b) = Weights(model);
            float[] targets = TestTensors.Values(y);
            // Only samples 0..5 count (the targets of 100 beyond them would dominate the loss).
            Assert.Equal(Enumerable.Range(0, 6).Select(i => Math.Pow(w * i + b - targets[i], 2)).Average(), results["loss"], tolerance: 1e-5);
            Assert.Equal(2, recorder.ParamsSeen.Single().Steps);
            Assert.Equal("", warnings.ToString());
        }

        [Fact]
        public void EvaluateStepsBeyondTheDataStopsAtItsEndWithKerasWarning()
        {
            var warnings = TestModels.Writer();
            var model = NewModel(warnings);
            model.Evaluate(Indexed(10), Targets(10), batchSize: 3, steps: 6, verbose: 0);
            Assert.Equal(new[] { Range(0, 3), Range(3, 3), Range(6, 3), Range(9, 1) }, AsIndices(model.TestBatches));
            Assert.Equal(1, Count(warnings.ToString(), OutOfData));
        }

        [Fact]
        public void PredictStepsTakesTheFirstBatches()
        {
            var model = NewModel(TestModels.Writer());
            var recorder = new HookRecorder();
            var predicted = model.Predict(Indexed(10), batchSize: 3, steps: 2, callbacks: new[] { recorder });

            Assert.Equal(new[] { Range(0, 3), Range(3, 3) }, AsIndices(model.PredictBatches));
            Assert.Equal(new long[] { 6, 1 }, predicted.shape);
            var (w, b) = Weights(model);
            TestTensors.AssertClose(Enumerable.Range(0, 6).Select(i => w * i + b).ToArray(), predicted.reshape(-1), 1e-5, "Predict(steps: 2)");
            Assert.Equal(2, recorder.ParamsSeen.Single().Steps);
        }

        [Fact]
        public void NullBatchSizeWithStepsSplitsTheDataIntoThatManyBatches()
        {
            // Keras: batch_size = ceil(10 / 3) = 4, so batches of 4, 4 and 2.
            var expected = new[] { Range(0, 4), Range(4, 4), Range(8, 2) };

            var model = NewModel(TestModels.Writer());
            model.Evaluate(Indexed(10), Targets(10), steps: 3, verbose: 0);
            Assert.Equal(expected, AsIndices(model.TestBatches));

            var predicted = model.Predict(Indexed(10), steps: 3);
            Assert.Equal(expected, AsIndices(model.PredictBatches));
            Assert.Equal(new long[] { 10, 1 }, predicted.shape);

            var warnings = TestModels.Writer();
            var trained = NewModel(warnings);
            trained.Fit(Indexed(10), Targets(10), epochs: 2, verbose: 0, shuffle: false, stepsPerEpoch: 3, callbacks: new[] { trained.EpochMarker });
            Assert.Equal(new[] { expected, expected }, Epochs(trained));
            Assert.Equal("", warnings.ToString());
        }
    }
}
