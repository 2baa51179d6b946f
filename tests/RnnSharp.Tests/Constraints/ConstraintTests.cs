using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Constraints;
using Xunit;

namespace RnnSharp.Tests.Constraints
{
    /// <summary>Keras's constraints against their formulas in doubles (axes in Keras's layout), names, configs and
    /// errors.</summary>
    public class ConstraintTests
    {
        private const double Epsilon = 1e-7;

        private static readonly double[][] W =
        {
            new[] { 0.5, -1.25, 0.75, 0.0 },
            new[] { -0.25, 2.0, 0.0, 0.1 },
            new[] { 1.5, 0.125, -0.5, -0.2 },
        };

        private static double[][] W32 => W.Select(r => r.Select(v => (double)(float)v).ToArray()).ToArray();

        // The L2 norm of each column (axis 0) or each row (axis 1).
        private static double[] Norms(double[][] w, int axis)
            => axis == 0
                ? Enumerable.Range(0, w[0].Length).Select(j => Math.Sqrt(w.Sum(r => r[j] * r[j]))).ToArray()
                : w.Select(r => Math.Sqrt(r.Sum(v => v * v))).ToArray();

        // w scaled by factor(norm) per column (axis 0) or row (axis 1).
        private static double[] Scaled(double[][] w, int axis, Func<double, double> factor)
        {
            var norms = Norms(w, axis);
            return w.SelectMany((r, i) => r.Select((v, j) => v * factor(norms[axis == 0 ? j : i]))).ToArray();
        }

        private static void AssertProjects(Constraint constraint, double[] expected)
            => TestTensors.AssertClose(expected, constraint.Call(TestTensors.From(W)).reshape(-1), 1e-6, constraint.ClassName);

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        public void MaxNormScalesOnlyVectorsAboveTheBound(int axis)
            => AssertProjects(new MaxNorm(1.2, axis), Scaled(W32, axis, n => Math.Clamp(n, 0, 1.2) / (Epsilon + n)));

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        public void UnitNormDividesEachVectorByItsNorm(int axis)
            => AssertProjects(new UnitNorm(axis), Scaled(W32, axis, n => 1 / (Epsilon + n)));

        [Theory]
        [InlineData(0, 1.0)]
        [InlineData(1, 0.5)]
        public void MinMaxNormMovesNormsTowardsTheInterval(int axis, double rate)
            => AssertProjects(new MinMaxNorm(0.6, 1.1, rate, axis),
                Scaled(W32, axis, n => (rate * Math.Clamp(n, 0.6, 1.1) + (1 - rate) * n) / (Epsilon + n)));

        [Fact]
        public void NonNegZeroesNegativeWeights()
            => AssertProjects(new NonNeg(), W32.SelectMany(r => r).Select(v => Math.Max(v, 0)).ToArray());

        [Fact]
        public void SeveralAxesNormTheWholeSubtensor()
        {
            // axis [0, 1] of a rank-2 weight: one norm over everything.
            double norm = Math.Sqrt(W32.Sum(r => r.Sum(v => v * v)));
            AssertProjects(new MaxNorm(2, new[] { 0, 1 }), W32.SelectMany(r => r).Select(v => v * Math.Min(norm, 2) / (Epsilon + norm)).ToArray());
        }

        [Fact]
        public void AnAxisOutsideTheWeightIsAnErrorNamingTheConstraint()
        {
            var e = Assert.Throws<ArgumentException>(() => new MaxNorm(2, axis: 2).Call(TestTensors.From(W)));
            Assert.Contains("MaxNorm: axis 2 is out of range for a weight of shape (3, 4)", e.Message);
        }

        [Fact]
        public void NamesGiveKerassDefaults()
        {
            var maxNorm = Assert.IsType<MaxNorm>(Constraint.Get("max_norm"));
            Assert.Equal((2.0, 0), (maxNorm.MaxValue, maxNorm.Axis.Single()));
            Assert.IsType<NonNeg>((Constraint)"non_neg");
            Assert.IsType<UnitNorm>(Constraint.Get("UnitNorm"));
            var minMax = Assert.IsType<MinMaxNorm>(Constraint.Get("min_max_norm"));
            Assert.Equal((0.0, 1.0, 1.0), (minMax.MinValue, minMax.MaxValue, minMax.Rate));
            // tf.keras's older aliases.
            Assert.IsType<MaxNorm>(Constraint.Get("maxnorm"));
            Assert.Throws<ArgumentException>(() => Constraint.Get("radial_constraint"));
        }

        [Fact]
        public void ConfigsAreKerassAndReadBack()
        {
            // Keras writes max_value as given: its default 2 and max_norm(3) as integers.
            var config = (IReadOnlyDictionary<string, object?>)new MaxNorm(3).Serialize()["config"]!;
            Assert.Equal(3L, config["max_value"]);
            Assert.Equal(0L, config["axis"]);
            var listed = (IReadOnlyDictionary<string, object?>)new UnitNorm(new[] { 0, 1 }).Serialize()["config"]!;
            Assert.Equal(new object[] { 0L, 1L }, (IEnumerable<object>)listed["axis"]!);
            Assert.Empty((IReadOnlyDictionary<string, object?>)new NonNeg().Serialize()["config"]!);

            var keras2 = new Dictionary<string, object?>
            {
                ["class_name"] = "MinMaxNorm",
                ["config"] = new Dictionary<string, object?> { ["min_value"] = 0.5, ["max_value"] = 2L, ["rate"] = 0.25, ["axis"] = new List<object?> { 0L, 1L } },
            };
            var minMax = Assert.IsType<MinMaxNorm>(Constraint.Deserialize(keras2));
            Assert.Equal((0.5, 2.0, 0.25), (minMax.MinValue, minMax.MaxValue, minMax.Rate));
            Assert.Equal(new[] { 0, 1 }, minMax.Axis);
            Assert.Equal(minMax.GetConfig(), Constraint.Deserialize(minMax.Serialize()).GetConfig());
        }

        [Fact]
        public void UnknownClassesAndArgumentsAreErrorsNamingThem()
        {
            var custom = new Dictionary<string, object?> { ["class_name"] = "RadialConstraint", ["config"] = new Dictionary<string, object?>() };
            Assert.Contains("Unknown constraint: 'RadialConstraint'", Assert.Throws<ArgumentException>(() => Constraint.Deserialize(custom)).Message);
            var extra = new Dictionary<string, object?> { ["class_name"] = "MaxNorm", ["config"] = new Dictionary<string, object?> { ["max_value"] = 2L, ["min_value"] = 1L } };
            Assert.Contains("Constraint MaxNorm does not take \"min_value\"", Assert.Throws<ArgumentException>(() => Constraint.Deserialize(extra)).Message);
        }
    }
}
