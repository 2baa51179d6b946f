using System;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Trainers
{
    /// <summary>
    /// Fit, Evaluate and Predict reject invalid counts and sizes with tf.keras's messages ("Expected {name} to be
    /// positive. Received is {value}.") as <see cref="ArgumentException"/>s naming the argument, before touching the
    /// model: the weights stay as they were and the optimizer takes no step.
    /// </summary>
    public class TrainerArgumentTests
    {
        private const string CompileFirst = "You must call `Compile()` before using the model for training or evaluation.";

        private static Sequential NewModel(bool compile = true)
        {
            Backend.SetRandomSeed(5);
            var model = new Sequential(new Layer[] { new Dense(1, inputShape: new int?[] { 2 }) });
            if (compile) model.Compile(new SGD(learningRate: 0.1), "mse");
            return model;
        }

        private static Tensor X => arange(12, dtype: ScalarType.Float32).reshape(6, 2) / 10.0;

        private static Tensor Y => arange(6, dtype: ScalarType.Float32) / 5.0;

        private static string Positive(string name, int value) => $"Expected {name} to be positive. Received is {value}.";

        /// <summary>Runs <paramref name="call"/>, which must raise an <see cref="ArgumentException"/> (that exact type)
        /// for <paramref name="paramName"/> whose message is <paramref name="text"/>, and must leave the model as it was.</summary>
        private static void AssertRejected(Sequential model, Action<Sequential> call, string paramName, string text)
        {
            var before = model.GetWeights();
            long iterations = model.Optimizer?.Iterations ?? 0;
            var ex = Assert.Throws<ArgumentException>(() => call(model));
            Assert.Equal(paramName, ex.ParamName);
            // .NET appends the parameter name to the message: "text (Parameter 'name')".
            Assert.Equal($"{text} (Parameter '{paramName}')", ex.Message);
            Assert.True(before.Zip(model.GetWeights()).All(w => TestModels.Same(w.First, w.Second)), "the weights changed");
            Assert.Equal(iterations, model.Optimizer?.Iterations ?? 0);
        }

        public static TheoryData<string, int> FitCases => new()
        {
            { "batchSize", 0 },
            { "batchSize", -3 },
            { "epochs", 0 },
            { "epochs", -1 },
            { "stepsPerEpoch", 0 },
            { "stepsPerEpoch", -1 },
            { "validationSteps", 0 },
            { "validationBatchSize", 0 },
            { "validationFreq", 0 },
        };

        [Theory]
        [MemberData(nameof(FitCases))]
        public void FitRejectsANonPositiveCount(string name, int value)
        {
            var model = NewModel();
            (Tensor, Tensor) validation = (X, Y);
            Action<Sequential> call = name switch
            {
                "batchSize" => m => m.Fit(X, Y, batchSize: value, verbose: 0),
                "epochs" => m => m.Fit(X, Y, epochs: value, verbose: 0),
                "stepsPerEpoch" => m => m.Fit(X, Y, stepsPerEpoch: value, verbose: 0),
                "validationSteps" => m => m.Fit(X, Y, validationData: validation, validationSteps: value, verbose: 0),
                "validationBatchSize" => m => m.Fit(X, Y, validationData: validation, validationBatchSize: value, verbose: 0),
                "validationFreq" => m => m.Fit(X, Y, validationData: validation, validationFreq: value, verbose: 0),
                _ => throw new ArgumentOutOfRangeException(nameof(name)),
            };
            AssertRejected(model, call, name, Positive(name, value));
        }

        [Fact]
        public void FitRejectsANegativeInitialEpoch()
        {
            var model = NewModel();
            AssertRejected(model, m => m.Fit(X, Y, initialEpoch: -1, verbose: 0),
                "initialEpoch", "Expected initialEpoch to be non-negative. Received is -1.");
        }

        [Fact]
        public void FitRejectsABadCountAfterTrainingWithoutAnotherStep()
        {
            // A model that has trained (optimizer built, one step taken) is left exactly as it was.
            var model = NewModel();
            model.Fit(X, Y, batchSize: 6, verbose: 0, shuffle: false);
            Assert.Equal(1, model.Optimizer!.Iterations);
            AssertRejected(model, m => m.Fit(X, Y, batchSize: 0, verbose: 0), "batchSize", Positive("batchSize", 0));
            AssertRejected(model, m => m.Fit(X, Y, batchSize: 6, epochs: 2, initialEpoch: -2, verbose: 0),
                "initialEpoch", "Expected initialEpoch to be non-negative. Received is -2.");
            Assert.Equal(1, model.Optimizer.Iterations);
        }

        [Fact]
        public void ValidCountsAreAccepted()
        {
            // The limits themselves: 1 everywhere and initialEpoch 0 train (one step: one batch of all six samples).
            var model = NewModel();
            var history = model.Fit(X, Y, batchSize: 6, epochs: 1, verbose: 0, initialEpoch: 0, stepsPerEpoch: 1,
                validationData: (X, Y), validationSteps: 1, validationBatchSize: 1, validationFreq: 1);
            Assert.Equal(1, model.Optimizer!.Iterations);
            Assert.Single(history.Values["val_loss"]);
        }

        [Theory]
        [InlineData("batchSize", 0)]
        [InlineData("batchSize", -1)]
        [InlineData("steps", 0)]
        [InlineData("steps", -4)]
        public void EvaluateRejectsANonPositiveCount(string name, int value)
        {
            var model = NewModel();
            Action<Sequential> call = name == "batchSize"
                ? m => m.Evaluate(X, Y, batchSize: value, verbose: 0)
                : m => m.Evaluate(X, Y, steps: value, verbose: 0);
            AssertRejected(model, call, name, Positive(name, value));
        }

        [Theory]
        [InlineData("batchSize", 0)]
        [InlineData("batchSize", -7)]
        [InlineData("steps", 0)]
        [InlineData("steps", -2)]
        public void PredictRejectsANonPositiveCount(string name, int value)
        {
            // Predict needs no Compile, and checks its arguments without one.
            var model = NewModel(compile: false);
            Action<Sequential> call = name == "batchSize"
                ? m => m.Predict(X, batchSize: value)
                : m => m.Predict(X, steps: value);
            AssertRejected(model, call, name, Positive(name, value));
        }

        [Fact]
        public void FitAndEvaluateWithoutCompileKeepKerasMessage()
        {
            var model = NewModel(compile: false);
            var before = model.GetWeights();
            var fit = Assert.Throws<InvalidOperationException>(() => model.Fit(X, Y, verbose: 0));
            Assert.Equal(CompileFirst, fit.Message);
            var evaluate = Assert.Throws<InvalidOperationException>(() => model.Evaluate(X, Y, verbose: 0));
            Assert.Equal(CompileFirst, evaluate.Message);
            Assert.True(before.Zip(model.GetWeights()).All(w => TestModels.Same(w.First, w.Second)));
            // Predict works uncompiled, as in Keras.
            Assert.Equal(new long[] { 6, 1 }, model.Predict(X).shape);
        }
    }
}
