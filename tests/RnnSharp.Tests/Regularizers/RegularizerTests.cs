using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Regularizers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Regularizers
{
    /// <summary>Keras's regularizers: penalties against the formulas in doubles, names and defaults, errors, and the
    /// configs Keras 2 and Keras 3 write.</summary>
    public class RegularizerTests
    {
        private static readonly double[][] W =
        {
            new[] { 0.5, -1.25, 0.75 },
            new[] { -0.25, 2.0, 0.0 },
            new[] { 1.5, 0.125, -0.5 },
            new[] { 0.0, -0.75, 1.0 },
        };

        // The matrix as the float32 values the tensor holds.
        private static double[][] W32 => W.Select(r => r.Select(v => (double)(float)v).ToArray()).ToArray();

        private static double Value(Regularizer r, double[][] w) => r.Call(TestTensors.From(w)).item<float>();

        [Fact]
        public void L1L2AndL1L2ArePenaltiesOfTheirFormulas()
        {
            double abs = W32.Sum(r => r.Sum(Math.Abs)), squares = W32.Sum(r => r.Sum(v => v * v));
            Assert.Equal(0.03 * abs, Value(new L1(0.03), W), 1e-5);
            Assert.Equal(0.2 * squares, Value(new L2(0.2), W), 1e-5);
            Assert.Equal(0.03 * abs + 0.2 * squares, Value(new L1L2(0.03, 0.2), W), 1e-5);
            Assert.Equal(0.0, Value(new L1L2(), W), 10);
        }

        [Theory]
        [InlineData("rows")]
        [InlineData("columns")]
        public void OrthogonalRegularizerIsTheMeanAbsoluteCosineOfDistinctVectors(string mode)
        {
            // Keras: factor · 0.5 · Σ_{i≠j} |v̂_i·v̂_j| / (n(n−1)/2) over the rows (or columns), each normalized.
            var w = W32;
            var vectors = mode == "rows" ? w : Enumerable.Range(0, w[0].Length).Select(j => w.Select(r => r[j]).ToArray()).ToArray();
            var unit = vectors.Select(v => { double n = Math.Sqrt(Math.Max(v.Sum(x => x * x), 1e-14)); return v.Select(x => x / n).ToArray(); }).ToArray();
            int count = unit.Length;
            double sum = 0;
            for (int i = 0; i < count; i++)
                for (int j = 0; j < count; j++)
                    if (i != j) sum += Math.Abs(unit[i].Zip(unit[j], (a, b) => a * b).Sum());
            double expected = 0.07 * 0.5 * sum / (count * (count - 1) / 2.0);
            Assert.Equal(expected, Value(new OrthogonalRegularizer(0.07, mode), W), 1e-5);
        }

        [Fact]
        public void OrthogonalRegularizerNeedsARank2Weight()
        {
            var e = Assert.Throws<ArgumentException>(() => new OrthogonalRegularizer().Call(ones(3)));
            Assert.StartsWith("Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=(3,)", e.Message);
            Assert.Throws<ArgumentException>(() => new OrthogonalRegularizer(mode: "diagonal"));
        }

        [Fact]
        public void PenaltiesAreDifferentiable()
        {
            // d(l2 Σw²)/dw = 2 l2 w; d(l1 Σ|w|)/dw = l1 sign(w).
            var w = TestTensors.From(W).requires_grad_();
            (new L2(0.5).Call(w) + new L1(0.25).Call(w)).backward();
            var expected = W32.SelectMany(r => r).Select(v => 2 * 0.5 * v + 0.25 * Math.Sign(v)).ToArray();
            TestTensors.AssertClose(expected, w.grad!.reshape(-1), 1e-6, "gradient");
        }

        [Fact]
        public void NamesGiveKeras3sDefaults()
        {
            Assert.Equal(0.01, Assert.IsType<L1>(Regularizer.Get("l1")).Factor);
            Assert.Equal(0.01, Assert.IsType<L2>((Regularizer)"L2").Factor);
            // Keras 3's get("l1_l2") builds the class with its defaults, 0 and 0.
            var l1l2 = Assert.IsType<L1L2>(Regularizer.Get("l1_l2"));
            Assert.Equal((0.0, 0.0), (l1l2.L1, l1l2.L2));
            var orthogonal = Assert.IsType<OrthogonalRegularizer>(Regularizer.Get("orthogonal_regularizer"));
            Assert.Equal((0.01, "rows"), (orthogonal.Factor, orthogonal.Mode));
            var e = Assert.Throws<ArgumentException>(() => Regularizer.Get("l3"));
            Assert.StartsWith("Could not interpret regularizer identifier: l3.", e.Message);
        }

        [Fact]
        public void NegativeOrNonFiniteFactorsAreRefusedWithKerassMessage()
        {
            var e = Assert.Throws<ArgumentException>(() => new L2(-0.1));
            Assert.StartsWith("Invalid value for argument l2: expected a non-negative float.Received: l2=-0.1", e.Message);
            Assert.Throws<ArgumentException>(() => new L1(double.NaN));
            Assert.Throws<ArgumentException>(() => new L1L2(l2: double.PositiveInfinity));
        }

        [Fact]
        public void Keras2ConfigsHoldFloat32FactorsAsTfKerasWritesThem()
        {
            // tf.keras keeps factors with cast_to_floatx: L2(0.01) is written 0.009999999776482582.
            var l2 = new L2(0.01).Serialize();
            Assert.Equal("L2", l2["class_name"]);
            Assert.Equal(0.009999999776482582, ((IReadOnlyDictionary<string, object?>)l2["config"]!)["l2"]);
            var l1l2 = (IReadOnlyDictionary<string, object?>)new L1L2(0.001, 0.0001).Serialize()["config"]!;
            Assert.Equal((double)0.001f, l1l2["l1"]);
            Assert.Equal((double)0.0001f, l1l2["l2"]);
        }

        [Fact]
        public void Keras3ConfigsAreModuleObjectsWithKeras3sValues()
        {
            // Written inside a .keras config: Keras 3's L2 and L1L2 keep Python floats; its L1 and
            // OrthogonalRegularizer keep float32 tensors.
            var model = new RnnSharp.Sequential(new RnnSharp.Layers.Layer[]
            {
                new RnnSharp.Layers.Dense(3, kernelRegularizer: new L2(0.01), biasRegularizer: new L1(0.01), inputShape: new int?[] { 4 }),
                new RnnSharp.Layers.Dense(2, kernelRegularizer: new OrthogonalRegularizer(0.1, "columns"), activityRegularizer: new L1L2(0.001, 0.002)),
            });
            var config = RnnSharp.Saving.Keras3Serialization.Serialize(model);
            var layers = (IReadOnlyList<object?>)((IReadOnlyDictionary<string, object?>)config["config"]!)["layers"]!;
            IReadOnlyDictionary<string, object?> Entry(int layer, string key)
                => (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)layers[layer]!)["config"]!)[key]!;
            IReadOnlyDictionary<string, object?> Args(int layer, string key) => (IReadOnlyDictionary<string, object?>)Entry(layer, key)["config"]!;
            var l2 = Entry(1, "kernel_regularizer");
            Assert.Equal("keras.regularizers", l2["module"]);
            Assert.Equal("L2", l2["class_name"]);
            Assert.True(l2.ContainsKey("registered_name") && l2["registered_name"] is null);
            Assert.Equal(0.01, Args(1, "kernel_regularizer")["l2"]);
            Assert.Equal((double)0.01f, Args(1, "bias_regularizer")["l1"]);
            Assert.Equal((double)0.1f, Args(2, "kernel_regularizer")["factor"]);
            Assert.Equal("columns", Args(2, "kernel_regularizer")["mode"]);
            Assert.Equal(0.001, Args(2, "activity_regularizer")["l1"]);
        }

        [Fact]
        public void DeserializeReadsBothDialectsAndNames()
        {
            var keras2 = new Dictionary<string, object?> { ["class_name"] = "L1L2", ["config"] = new Dictionary<string, object?> { ["l1"] = 0.0, ["l2"] = 0.009999999776482582 } };
            var fromKeras2 = Assert.IsType<L1L2>(Regularizer.Deserialize(keras2));
            Assert.Equal((0.0, 0.009999999776482582), (fromKeras2.L1, fromKeras2.L2));
            var keras3 = new Dictionary<string, object?>
            {
                ["module"] = "keras.regularizers", ["class_name"] = "L2", ["config"] = new Dictionary<string, object?> { ["l2"] = 0.01 }, ["registered_name"] = null,
            };
            Assert.Equal(0.01, Assert.IsType<L2>(Regularizer.Deserialize(keras3)).Factor);
            Assert.IsType<L1>(Regularizer.Deserialize("l1"));
        }

        [Fact]
        public void UnknownClassesAndArgumentsAreErrorsNamingThem()
        {
            var custom = new Dictionary<string, object?> { ["class_name"] = "SparsityRegularizer", ["config"] = new Dictionary<string, object?>() };
            var e = Assert.Throws<ArgumentException>(() => Regularizer.Deserialize(custom));
            Assert.Contains("Unknown regularizer: 'SparsityRegularizer'", e.Message);
            var extra = new Dictionary<string, object?> { ["class_name"] = "L2", ["config"] = new Dictionary<string, object?> { ["l2"] = 0.1, ["l3"] = 1.0 } };
            e = Assert.Throws<ArgumentException>(() => Regularizer.Deserialize(extra));
            Assert.Contains("Regularizer L2 does not take \"l3\"", e.Message);
        }
    }
}
