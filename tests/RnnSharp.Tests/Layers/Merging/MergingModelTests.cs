using System;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Merging.MergeTestData;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary>Merge layers in a functional model with two inputs: the model's output on data against the math, and the
    /// model rebuilt from its JSON config.</summary>
    public class MergingModelTests
    {
        private const double Tolerance = 1e-5;

        [Fact]
        public void AModelWithAddAndConcatenateComputesTheMath()
        {
            Backend.SetRandomSeed(41);
            var a = Keras.Input(new int?[] { 3 });
            var b = Keras.Input(new int?[] { 3 });
            KerasTensor sum = new Add().Call(new[] { a, b });
            // Typed as KerasTensor: a SymbolicOutput is also a list of KerasTensors, so Call(joined) would be ambiguous.
            KerasTensor joined = new Concatenate().Call(new[] { a, sum });
            Assert.Equal(new int?[] { null, 6 }, joined.Shape.ToArray());
            var dense = new Dense(2);
            var output = dense.Call(joined);
            var model = new Model(new[] { a, b }, new[] { output });

            var rng = new Random(42);
            var x1 = Random2(rng, 4, 3);
            var x2 = Random2(rng, 4, 3);
            var y = model.Call(new[] { TestTensors.From(x1), TestTensors.From(x2) })[0];
            Assert.Equal(new long[] { 4, 2 }, y.shape);

            // The Dense weights are read, not computed; the rest is the math: [x1, x1 + x2] · kernel + bias.
            var kernel = TestTensors.Values(dense.GetWeights()[0]);
            var bias = TestTensors.Values(dense.GetWeights()[1]);
            var expected = Map2(4, 2, (i, u) =>
            {
                var features = x1[i].Concat(x1[i].Zip(x2[i], (p, q) => p + q)).ToArray();
                return bias[u] + Enumerable.Range(0, 6).Sum(k => features[k] * kernel[k * 2 + u]);
            });
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "model");

            // Rebuilt from its JSON config with the same weights, it computes the same.
            using var copy = Model.FromJson(model.ToJson());
            copy.SetWeights(model.GetWeights());
            Assert.Contains(copy.Layers, l => l is Add);
            Assert.Contains(copy.Layers, l => l is Concatenate);
            TestTensors.AssertClose(Flat(expected), copy.Call(new[] { TestTensors.From(x1), TestTensors.From(x2) })[0], Tolerance, "rebuilt model");
        }

        [Fact]
        public void AModelWithDotAndSubtract()
        {
            var a = Keras.Input(new int?[] { 2, 3 });
            var b = Keras.Input(new int?[] { 2, 3 });
            KerasTensor diff = new Subtract().Call(new[] { a, b });
            var gram = new Dot(new[] { 2, 2 }).Call(new[] { diff, a });
            Assert.Equal(new int?[] { null, 2, 2 }, gram.Shape.ToArray());
            var model = new Model(new[] { a, b }, new[] { gram });
            var rng = new Random(43);
            var x1 = Random3(rng, 3, 2, 3);
            var x2 = Random3(rng, 3, 2, 3);
            var y = model.Call(new[] { TestTensors.From(x1), TestTensors.From(x2) })[0];
            var expected = Map3(3, 2, 2, (s, i, j) => Enumerable.Range(0, 3).Sum(k => (x1[s][i][k] - x2[s][i][k]) * x1[s][j][k]));
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "dot of difference");
        }
    }
}
