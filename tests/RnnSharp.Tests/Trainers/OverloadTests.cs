using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>
    /// Fit, Evaluate and Predict take tensors or .NET arrays (<see cref="RnnSharp.Trainers.ArrayLike"/>) with the same
    /// options and the same results, bit for bit; and the callback hooks each of them calls.
    /// </summary>
    public class OverloadTests
    {
        private sealed record SequenceData(float[,,] X, float[] Y, float[,,] ValX, float[] ValY, double[] SampleWeight);

        private static readonly Dictionary<int, double> ClassWeight = new() { [0] = 0.5, [1] = 2.0 };

        /// <summary>Random sequences (System.Random, independent of torch's generator) with 0/1 labels.</summary>
        private static SequenceData Sequences(int seed)
        {
            var rng = new Random(seed);
            float[,,] Inputs(int n)
            {
                var x = new float[n, 3, 2];
                for (int i = 0; i < n; i++)
                    for (int t = 0; t < 3; t++)
                        for (int f = 0; f < 2; f++)
                            x[i, t, f] = (float)(rng.NextDouble() * 2 - 1);
                return x;
            }
            float[] Labels(int n) => Enumerable.Range(0, n).Select(_ => (float)rng.Next(2)).ToArray();
            var trainX = Inputs(11);
            var trainY = Labels(11);
            var valX = Inputs(5);
            var valY = Labels(5);
            var weights = Enumerable.Range(0, 11).Select(_ => 0.25 + rng.NextDouble() * 2).ToArray();
            return new SequenceData(trainX, trainY, valX, valY, weights);
        }

        // Conversions written out element by element, independently of the trainer's own.
        private static Tensor ToTensor(float[,,] x)
        {
            var flat = new List<float>();
            for (int i = 0; i < x.GetLength(0); i++)
                for (int j = 0; j < x.GetLength(1); j++)
                    for (int k = 0; k < x.GetLength(2); k++)
                        flat.Add(x[i, j, k]);
            return tensor(flat.ToArray(), new long[] { x.GetLength(0), x.GetLength(1), x.GetLength(2) });
        }

        private static Tensor ToTensor(double[] x) => tensor(x.Select(v => (float)v).ToArray());

        private static Sequential SequenceModel()
        {
            Backend.SetRandomSeed(17);
            var model = new Sequential(new Layer[] { new LSTM(4, inputShape: new int?[] { 3, 2 }), new Dropout(0.2), new Dense(1, activation: "sigmoid") });
            model.Compile("adam", "binary_crossentropy", new[] { "acc" });
            return model;
        }

        private static void AssertSameWeights(Sequential expected, Sequential actual)
        {
            var a = expected.GetWeights();
            var b = actual.GetWeights();
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++) Assert.True(TestModels.Same(a[i], b[i]), $"weight {i} differs");
        }

        private static void AssertSameHistory(History expected, History actual)
        {
            Assert.Equal(expected.Values.Keys, actual.Values.Keys);
            foreach (var (key, values) in expected.Values) Assert.Equal(values, actual.Values[key]);
        }

        [Fact]
        public void FitOnArraysEqualsFitOnTensorsBitForBit()
        {
            var data = Sequences(seed: 3);
            var fromArrays = SequenceModel();
            var arraysRecorder = new HookRecorder();
            var arrays = fromArrays.Fit(data.X, data.Y, batchSize: 4, epochs: 3, verbose: 0, validationData: (data.ValX, data.ValY),
                sampleWeight: data.SampleWeight, classWeight: ClassWeight, callbacks: new[] { arraysRecorder });

            var fromTensors = SequenceModel();
            var tensorsRecorder = new HookRecorder();
            var tensors = fromTensors.Fit(ToTensor(data.X), tensor(data.Y), batchSize: 4, epochs: 3, verbose: 0,
                validationData: (ToTensor(data.ValX), tensor(data.ValY)), sampleWeight: ToTensor(data.SampleWeight),
                classWeight: ClassWeight, callbacks: new[] { tensorsRecorder });

            Assert.Equal(new[] { "acc", "loss", "val_acc", "val_loss" }, arrays.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));
            AssertSameHistory(tensors, arrays);
            AssertSameWeights(fromTensors, fromArrays);
            Assert.Equal(tensorsRecorder.Events, arraysRecorder.Events);
            Assert.Equal(tensorsRecorder.Logs, arraysRecorder.Logs);

            // The weights were used: without them the same seeded run trains differently.
            var unweighted = SequenceModel().Fit(ToTensor(data.X), tensor(data.Y), batchSize: 4, epochs: 3, verbose: 0,
                validationData: (ToTensor(data.ValX), tensor(data.ValY)));
            Assert.NotEqual(unweighted.Values["loss"], arrays.Values["loss"]);
        }

        [Fact]
        public void EvaluateOnArraysEqualsEvaluateOnTensorsBitForBit()
        {
            var data = Sequences(seed: 4);
            var model = SequenceModel();
            var arraysRecorder = new HookRecorder();
            var arrays = model.Evaluate(data.X, data.Y, batchSize: 4, verbose: 0, sampleWeight: data.SampleWeight, callbacks: new[] { arraysRecorder });
            var tensorsRecorder = new HookRecorder();
            var tensors = model.Evaluate(ToTensor(data.X), tensor(data.Y), batchSize: 4, verbose: 0, sampleWeight: ToTensor(data.SampleWeight),
                callbacks: new[] { tensorsRecorder });

            Assert.Equal(tensors, arrays);
            Assert.Equal(tensorsRecorder.Events, arraysRecorder.Events);
            Assert.Equal(tensorsRecorder.Logs, arraysRecorder.Logs);
            Assert.Equal(tensorsRecorder.ParamsSeen, arraysRecorder.ParamsSeen);
            // The sample weights were used.
            Assert.NotEqual(model.Evaluate(data.X, data.Y, batchSize: 4, verbose: 0)["loss"], arrays["loss"]);
        }

        [Fact]
        public void PredictOnAnIntArrayEqualsPredictOnALongTensorBitForBit()
        {
            var ids = new int[,] { { 1, 2, 3, 4 }, { 4, 3, 2, 1 }, { 0, 0, 9, 9 }, { 5, 6, 7, 8 }, { 1, 1, 1, 1 } };
            var longs = tensor(new long[] { 1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 9, 9, 5, 6, 7, 8, 1, 1, 1, 1 }, new long[] { 5, 4 });

            (Tensor Prediction, HookRecorder Recorder, string Progress) Run(Func<Sequential, IEnumerable<Callback>, Tensor> predict)
            {
                Backend.SetRandomSeed(8);
                var model = new Sequential(new Layer[] { new Embedding(10, 3, inputShape: new int?[] { 4 }), new SimpleRNN(4), new Dense(2, activation: "softmax") });
                var output = TestModels.Writer();
                double now = 0;
                var progress = new ProgbarLogger { Output = output, DynamicDisplay = false, Clock = () => now += 0.01 };
                var recorder = new HookRecorder();
                var prediction = predict(model, new Callback[] { progress, recorder });
                return (prediction, recorder, output.ToString());
            }

            var fromArray = Run((m, callbacks) => m.Predict(ids, batchSize: 2, verbose: 1, callbacks: callbacks));
            var fromTensor = Run((m, callbacks) => m.Predict(longs, batchSize: 2, verbose: 1, callbacks: callbacks));

            Assert.Equal(new long[] { 5, 2 }, fromArray.Prediction.shape);
            Assert.True(TestModels.Same(fromTensor.Prediction, fromArray.Prediction));
            Assert.Equal(fromTensor.Recorder.Events, fromArray.Recorder.Events);
            Assert.Equal(new CallbackParams(1, 3, 1), fromArray.Recorder.ParamsSeen.Single());
            // verbose 1 drew the bar (on the given logger) to its end.
            Assert.Contains("3/3 [", fromArray.Progress);
            Assert.Equal(fromTensor.Progress, fromArray.Progress);
        }

        [Fact]
        public void EvaluateCallsTheTestHooksAtVerboseZero()
        {
            var data = Sequences(seed: 5);
            var model = SequenceModel();
            var recorder = new HookRecorder();
            var results = model.Evaluate(data.X, data.Y, batchSize: 4, verbose: 0, callbacks: new[] { recorder });

            // 11 samples in batches of 4: three batches.
            Assert.Equal(new[]
            {
                "test_begin",
                "test_batch_begin 0", "test_batch_end 0",
                "test_batch_begin 1", "test_batch_end 1",
                "test_batch_begin 2", "test_batch_end 2",
                "test_end",
            }, recorder.Events);
            Assert.Equal(results, recorder.Logs[^1]);
            // The last batch's logs hold the final running values.
            Assert.Equal(results, recorder.Logs[^2]);
            Assert.Equal(new CallbackParams(1, 3, 0), recorder.ParamsSeen.Single());
            Assert.Same(model, recorder.Model);
        }

        [Fact]
        public void PredictCallsThePredictHooksAtVerboseZero()
        {
            var data = Sequences(seed: 6);
            var model = SequenceModel();
            var recorder = new HookRecorder();
            model.Predict(data.X, batchSize: 5, callbacks: new[] { recorder });

            Assert.Equal(new[]
            {
                "predict_begin",
                "predict_batch_begin 0", "predict_batch_end 0",
                "predict_batch_begin 1", "predict_batch_end 1",
                "predict_batch_begin 2", "predict_batch_end 2",
                "predict_end",
            }, recorder.Events);
            Assert.Equal(new CallbackParams(1, 3, 0), recorder.ParamsSeen.Single());
        }

        // RnnSharp's behaviour, asserted so a change is noticed: Fit's validation runs call no OnTest* hook. (Keras 3's fit
        // validates through self.evaluate(..., callbacks=callbacks), which calls on_test_begin/on_test_batch_*/on_test_end;
        // tf.keras 2 did the same, and CallbackList's own remarks describe that order.)
        [Fact]
        public void FitValidationCallsTheTestHooksAsKerasDoes()
        {
            var data = Sequences(seed: 7);
            var model = SequenceModel();
            var recorder = new HookRecorder();
            model.Fit(data.X, data.Y, batchSize: 4, epochs: 2, verbose: 0, validationData: (data.ValX, data.ValY), callbacks: new[] { recorder });

            // 11 samples in batches of 4: three batches per epoch, numbered from 0 in each; then the validation run on
            // 5 samples (two batches), through the same callbacks, before the epoch ends (Keras's fit calls evaluate).
            Assert.Equal(ExpectedFitEvents(epochs: 2, batches: 3, validationBatches: 2), recorder.Events);
            // Validation did run: the epoch logs carry its values.
            Assert.True(recorder.Logs[recorder.Events.IndexOf("epoch_end 1")].ContainsKey("val_loss"));
        }

        private static List<string> ExpectedFitEvents(int epochs, int batches, int validationBatches = 0)
        {
            var events = new List<string> { "train_begin" };
            for (int e = 0; e < epochs; e++)
            {
                events.Add($"epoch_begin {e}");
                for (int b = 0; b < batches; b++) events.AddRange(new[] { $"train_batch_begin {b}", $"train_batch_end {b}" });
                if (validationBatches > 0)
                {
                    events.Add("test_begin");
                    for (int b = 0; b < validationBatches; b++) events.AddRange(new[] { $"test_batch_begin {b}", $"test_batch_end {b}" });
                    events.Add("test_end");
                }
                events.Add($"epoch_end {e}");
            }
            events.Add("train_end");
            return events;
        }

        /// <summary>
        /// Weighted losses and metrics against the math in doubles, on arrays: Keras's losses reduce with
        /// "sum_over_batch_size" (Σ wᵢ lᵢ over the batch, divided by the batch's sample count, not by Σ wᵢ) and the loss
        /// tracker weights batches by their size, so the loss is Σ wᵢ lᵢ / n; weighted metrics (mae) are Σ wᵢ |eᵢ| / Σ wᵢ.
        /// </summary>
        [Fact]
        public void SampleWeightedLossAndValidationMatchTheMathInDoubles()
        {
            double[,] x = { { 1.0, 2.0 }, { 0.5, -1.0 }, { -1.5, 0.25 }, { 2.0, 1.0 }, { -0.5, -2.0 } };
            float[] y = { 1, 0, 0, 1, 1 };
            double[] sampleWeight = { 0.5, 2.0, 1.0, 3.0, 0.25 };
            double[,] vx = { { 0.75, -0.5 }, { -2.0, 1.5 }, { 1.25, 1.25 } };
            float[] vy = { 0, 1, 1 };
            double[] w0 = { (double)0.4f, (double)-0.3f };
            double b0 = (double)0.2f;
            const double lr = 0.1;
            const int n = 5;

            Sequential NewModel()
            {
                Backend.SetRandomSeed(1);
                var model = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }) });
                model.SetWeights(new[] { tensor(new[] { (float)w0[0], (float)w0[1] }, new long[] { 2, 1 }), tensor(new[] { (float)b0 }) });
                model.Compile(new SGD(learningRate: lr), "mse", new[] { "mae" });
                return model;
            }
            double Error(double[] w, double b, double[,] inputs, float[] targets, int i) => w[0] * inputs[i, 0] + w[1] * inputs[i, 1] + b - targets[i];

            // Evaluate with sample weights, in batches of 2, 2 and 1.
            var evaluated = NewModel().Evaluate(x, y, batchSize: 2, verbose: 0, sampleWeight: sampleWeight);
            var e0 = Enumerable.Range(0, n).Select(i => Error(w0, b0, x, y, i)).ToArray();
            Assert.Equal(Enumerable.Range(0, n).Sum(i => sampleWeight[i] * e0[i] * e0[i]) / n, evaluated["loss"], tolerance: 1e-5);
            Assert.Equal(Enumerable.Range(0, n).Sum(i => sampleWeight[i] * Math.Abs(e0[i])) / sampleWeight.Sum(), evaluated["mae"], tolerance: 1e-5);

            // Fit, one full-batch step with sample and class weights (each sample's weight: its own times its class's),
            // validating on unweighted arrays after the step.
            var model = NewModel();
            var history = model.Fit(x, y, batchSize: n, epochs: 1, verbose: 0, shuffle: false, validationData: (vx, vy),
                sampleWeight: sampleWeight, classWeight: ClassWeight);
            var weight = Enumerable.Range(0, n).Select(i => sampleWeight[i] * ClassWeight[(int)y[i]]).ToArray();
            Assert.Equal(Enumerable.Range(0, n).Sum(i => weight[i] * e0[i] * e0[i]) / n, history.Values["loss"].Single(), tolerance: 1e-5);
            Assert.Equal(Enumerable.Range(0, n).Sum(i => weight[i] * Math.Abs(e0[i])) / weight.Sum(), history.Values["mae"].Single(), tolerance: 1e-5);
            // d/dw of Σ wᵢ eᵢ² / n is 2/n Σ wᵢ eᵢ xᵢ.
            double[] w1 =
            {
                w0[0] - lr * 2.0 / n * Enumerable.Range(0, n).Sum(i => weight[i] * e0[i] * x[i, 0]),
                w0[1] - lr * 2.0 / n * Enumerable.Range(0, n).Sum(i => weight[i] * e0[i] * x[i, 1]),
            };
            double b1 = b0 - lr * 2.0 / n * Enumerable.Range(0, n).Sum(i => weight[i] * e0[i]);
            var e1 = Enumerable.Range(0, 3).Select(i => Error(w1, b1, vx, vy, i)).ToArray();
            Assert.Equal(e1.Select(e => e * e).Average(), history.Values["val_loss"].Single(), tolerance: 1e-5);
            Assert.Equal(e1.Select(Math.Abs).Average(), history.Values["val_mae"].Single(), tolerance: 1e-5);
        }
    }
}
