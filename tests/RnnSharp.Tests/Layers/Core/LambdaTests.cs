using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Core
{
    /// <summary>Lambda: its function's values, the output shape given, computed or inferred in a functional model
    /// (unknown axes included) and printed by the summary, masks, and the errors for saving a delegate and for loading a
    /// Keras Lambda's Python code.</summary>
    [Collection("Names")]
    public class LambdaTests
    {
        [Fact]
        public void RunsTheFunction()
        {
            var x = TestTensors.Random3(new Random(1), 2, 3, 4);
            var y = new Lambda(t => t * 2 + 1).Call(TestTensors.From(x)).Output;
            TestTensors.AssertClose(x.SelectMany(s => s.SelectMany(r => r)).Select(v => v * 2 + 1).ToArray(), y, 1e-6, "2x + 1");
            // The mask-aware form sees the input's mask.
            Tensor? seen = null;
            var mask = tensor(new[] { true, false, true }, new long[] { 1, 3 });
            new Lambda((t, m) => { seen = m; return t; }).Call(zeros(1, 3, 2), mask);
            Assert.Same(mask, seen);
        }

        [Fact]
        public void InfersTheOutputShapeInAFunctionalModel()
        {
            Backend.ClearSession();
            var inputs = Keras.Input(new int?[] { 6, 4 });
            KerasTensor firstTwo = new Lambda(t => t.narrow(2, 0, 2) * 3).Call(inputs);
            KerasTensor summed = new Lambda(t => t.sum(1)).Call(firstTwo);
            Assert.Equal(new int?[] { null, 6, 2 }, firstTwo.Shape);
            Assert.Equal(new int?[] { null, 2 }, summed.Shape);
            var model = new Model(inputs, summed);

            var x = TestTensors.Random3(new Random(2), 3, 6, 4);
            var expected = x.SelectMany(s => Enumerable.Range(0, 2).Select(f => 3 * s.Sum(step => step[f]))).ToArray();
            TestTensors.AssertClose(expected, model.Predict(TestTensors.From(x)), 1e-5, "3 · Σ_t x[:, t, :2]");

            var lines = new List<string>();
            model.Summary(printFn: lines.Add);
            Assert.Contains("lambda (Lambda)".PadRight(29) + "(None, 6, 2)              0         ", lines);
            Assert.Contains("lambda_1 (Lambda)".PadRight(29) + "(None, 2)                 0         ", lines);

            // An unknown steps axis: an output axis that follows it is unknown, one that does not is known.
            var sequences = Keras.Input(new int?[] { null, 4 });
            Assert.Equal(new int?[] { null, null, 8 }, ((KerasTensor)new Lambda(t => torch_cat(t)).Call(sequences)).Shape);
            Assert.Equal(new int?[] { null, 4 }, ((KerasTensor)new Lambda(t => t.mean(new long[] { 1 })).Call(sequences)).Shape);
            Assert.Equal(new int?[] { null, 4 }, ((KerasTensor)new Lambda(t => t.sum(1)).Call(sequences)).Shape);
        }

        private static Tensor torch_cat(Tensor t) => cat(new[] { t, t }, 2);

        [Fact]
        public void TakesAGivenOrComputedOutputShape()
        {
            var given = new Lambda(t => t.reshape(t.shape[0], -1), outputShape: new int?[] { 12 });
            Assert.Equal(new int?[] { 5, 12 }, given.ComputeOutputShape(new int?[] { 5, 3, 4 }));
            var computed = new Lambda(t => t, computeOutputShape: s => new[] { s[0], s[2], s[1] });
            Assert.Equal(new int?[] { null, 4, 3 }, computed.ComputeOutputShape(new int?[] { null, 3, 4 }));
            // A function that fails on the placeholders asks for the shape.
            var failing = new Lambda(t => throw new InvalidOperationException("boom"), name: "bad");
            var error = Assert.Throws<InvalidOperationException>(() => failing.ComputeOutputShape(new int?[] { null, 3 }));
            Assert.StartsWith("Layer \"bad\" (Lambda): We could not automatically infer the shape of the Lambda's output.", error.Message);
        }

        [Fact]
        public void MasksAsKeras()
        {
            var mask = tensor(new[] { true, false }, new long[] { 1, 2 });
            var plain = new Lambda(t => t);
            Assert.False(plain.SupportsMasking);
            Assert.Null(plain.ComputeMask(zeros(1, 2, 3), mask));
            var masking = new Lambda(t => t, mask: (t, m) => t.ne(0).any(-1));
            Assert.True(masking.SupportsMasking);
            var x = tensor(new float[] { 0, 0, 1, 0 }, new long[] { 1, 2, 2 });
            Assert.Equal(new[] { false, true }, masking.ComputeMask(x, mask)!.data<bool>().ToArray());
        }

        [Fact]
        public void ADelegateCannotBeSavedAndNothingIsWritten()
        {
            Backend.ClearSession();
            var model = new Sequential(new Layer[] { new Dense(3, inputShape: new int?[] { 2 }), new Lambda(t => t * 2, name: "double_it"), new Dense(1) });
            var error = Assert.Throws<NotSupportedException>(() => model.ToJson());
            Assert.StartsWith("Layer \"double_it\" (Lambda) cannot be serialized: its function is a C# delegate", error.Message);
            using var dir = new TempDir();
            foreach (var file in new[] { "m.h5", "m.rnnsharp", "m.keras" })
            {
                var save = Assert.Throws<NotSupportedException>(() => model.Save(dir.File(file)));
                Assert.Contains("double_it", save.Message);
                Assert.False(File.Exists(dir.File(file)));
            }
            Assert.Throws<NotSupportedException>(() => LayerRegistry.Serialize(model.Layers[1]));
            // The weights alone save and load.
            model.SaveWeights(dir.File("w.h5"));
            var twin = new Sequential(new Layer[] { new Dense(3, inputShape: new int?[] { 2 }), new Lambda(t => t * 2), new Dense(1) });
            twin.LoadWeights(dir.File("w.h5"));
            var x = randn(4, 2);
            Assert.True(TestTensors.Same(model.Predict(x), twin.Predict(x)));
        }

        [Fact]
        public void AKerasLambdaIsRefusedUntilAReplacementIsRegistered()
        {
            // A Keras 2 config of a Python lambda: its bytecode, base64.
            var config = (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(
                "{\"name\": \"scale\", \"trainable\": true, \"dtype\": \"float32\", \"function\": [\"4wEAAAAAAAAA\", null, null], " +
                "\"function_type\": \"lambda\", \"module\": \"__main__\", \"output_shape\": null, \"output_shape_type\": \"raw\", " +
                "\"output_shape_module\": null, \"arguments\": {}}")!;
            var error = Assert.Throws<ArgumentException>(() => LayerRegistry.Deserialize("Lambda", config));
            Assert.StartsWith("Layer \"scale\" (Lambda) cannot be loaded: its function is Python code, which RnnSharp cannot run.", error.Message);
            Assert.Contains("LayerRegistry.Register(\"Lambda\"", error.Message);
            try
            {
                LayerRegistry.Register("Lambda", c => new Lambda(t => t * 0.5, name: c.Name));
                var replaced = Assert.IsType<Lambda>(LayerRegistry.Deserialize("Lambda", config));
                Assert.Equal("scale", replaced.Name);
                Assert.Equal(new float[] { 1 }, TestTensors.Values(replaced.Call(tensor(new float[] { 2 }).reshape(1, 1)).Output));
            }
            finally
            {
                LayerRegistry.Register("Lambda", Lambda.FromConfig);
            }
        }
    }
}
