using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Merging.MergeTestData;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary><see cref="Dot"/>: Keras's <c>batch_dot</c> on 2-D and 3-D inputs along various axes, normalization
    /// (cosine similarity), output shapes, errors and configs.</summary>
    public class DotTests
    {
        private const double Tolerance = 1e-5;

        private static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(x => x * x));

        [Fact]
        public void VectorsGiveOneDotProductPerSample()
        {
            var rng = new Random(31);
            var a = Random2(rng, 3, 4);
            var b = Random2(rng, 3, 4);
            var y = new Dot(1).Call(new[] { TestTensors.From(a), TestTensors.From(b) }).Output;
            Assert.Equal(new long[] { 3, 1 }, y.shape);
            TestTensors.AssertClose(Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 4).Sum(k => a[i][k] * b[i][k])).ToArray(), y, Tolerance, "dot");
            var negative = new Dot(-1).Call(new[] { TestTensors.From(a), TestTensors.From(b) }).Output;
            TestTensors.AssertClose(TestTensors.Values(y).Select(v => (double)v).ToArray(), negative, 0, "axes -1");
        }

        [Fact]
        public void SequencesDotAlongTheTimeAxis()
        {
            // axes (1, 1) on (2, 3, 4) and (2, 3, 5): out[b, i, j] = Σ_t x[b, t, i] y[b, t, j], shape (2, 4, 5).
            var rng = new Random(32);
            var x = Random3(rng, 2, 3, 4);
            var z = Random3(rng, 2, 3, 5);
            var y = new Dot(new[] { 1, 1 }).Call(new[] { TestTensors.From(x), TestTensors.From(z) }).Output;
            Assert.Equal(new long[] { 2, 4, 5 }, y.shape);
            var expected = Map3(2, 4, 5, (b, i, j) => Enumerable.Range(0, 3).Sum(t => x[b][t][i] * z[b][t][j]));
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "axes (1, 1)");
            Assert.Equal(new int?[] { null, 4, 5 }, new Dot(1).ComputeOutputShapes(Shapes(new int?[] { null, 3, 4 }, new int?[] { null, 3, 5 }))[0]);
        }

        [Fact]
        public void SequencesDotAlongTheFeatureAxis()
        {
            // axes (2, 2) on (2, 3, 4) and (2, 5, 4): out[b, i, j] = Σ_k x[b, i, k] y[b, j, k], shape (2, 3, 5).
            var rng = new Random(33);
            var x = Random3(rng, 2, 3, 4);
            var z = Random3(rng, 2, 5, 4);
            var layer = new Dot(new[] { 2, 2 });
            var y = layer.Call(new[] { TestTensors.From(x), TestTensors.From(z) }).Output;
            Assert.Equal(new long[] { 2, 3, 5 }, y.shape);
            var expected = Map3(2, 3, 5, (b, i, j) => Enumerable.Range(0, 4).Sum(k => x[b][i][k] * z[b][j][k]));
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "axes (2, 2)");
            Assert.Equal(new int?[] { null, 3, 5 }, layer.ComputeOutputShapes(Shapes(new int?[] { null, 3, 4 }, new int?[] { null, 5, 4 }))[0]);
        }

        [Fact]
        public void DifferentAxesAndRanksFollowBatchDot()
        {
            // Keras's docstring: arange(10).reshape(1, 5, 2) and arange(10, 20).reshape(1, 2, 5) with axes (1, 2).
            var x = arange(10, dtype: ScalarType.Float32).reshape(1, 5, 2);
            var z = arange(10, 20, dtype: ScalarType.Float32).reshape(1, 2, 5);
            var doc = new Dot(new[] { 1, 2 }).Call(new[] { x, z }).Output;
            Assert.Equal(new long[] { 1, 2, 2 }, doc.shape);
            Assert.Equal(new float[] { 260, 360, 320, 445 }, TestTensors.Values(doc));

            // (2, 4) with (2, 4, 3) on axes (1, 1): out[b, j] = Σ_k v[b, k] m[b, k, j]; and the other way round.
            var rng = new Random(34);
            var v = Random2(rng, 2, 4);
            var m = Random3(rng, 2, 4, 3);
            var vm = new Dot(1).Call(new[] { TestTensors.From(v), TestTensors.From(m) }).Output;
            Assert.Equal(new long[] { 2, 3 }, vm.shape);
            TestTensors.AssertClose(Flat(Map2(2, 3, (b, j) => Enumerable.Range(0, 4).Sum(k => v[b][k] * m[b][k][j]))), vm, Tolerance, "vector · matrix");
            var mv = new Dot(new[] { 1, -1 }).Call(new[] { TestTensors.From(m), TestTensors.From(v) }).Output;
            Assert.Equal(new long[] { 2, 3 }, mv.shape);
            TestTensors.AssertClose(Flat(Map2(2, 3, (b, j) => Enumerable.Range(0, 4).Sum(k => m[b][k][j] * v[b][k]))), mv, Tolerance, "matrix · vector");
        }

        [Fact]
        public void NormalizeGivesCosineSimilarities()
        {
            var rng = new Random(35);
            var x = Random3(rng, 2, 3, 4);
            var z = Random3(rng, 2, 5, 4);
            var y = new Dot(2, normalize: true).Call(new[] { TestTensors.From(x), TestTensors.From(z) }).Output;
            var expected = Map3(2, 3, 5, (b, i, j) => Enumerable.Range(0, 4).Sum(k => x[b][i][k] * z[b][j][k]) / (Norm(x[b][i]) * Norm(z[b][j])));
            TestTensors.AssertClose(Flat(expected), y, Tolerance, "cosine");

            // Normalizing along the time axis: each column of a sample is scaled to unit length.
            var t = new Dot(new[] { 1, 1 }, normalize: true).Call(new[] { TestTensors.From(x), TestTensors.From(x) }).Output;
            var byTime = Map3(2, 4, 4, (b, i, j) =>
            {
                var ci = Enumerable.Range(0, 3).Select(s => x[b][s][i]).ToArray();
                var cj = Enumerable.Range(0, 3).Select(s => x[b][s][j]).ToArray();
                return ci.Zip(cj, (p, q) => p * q).Sum() / (Norm(ci) * Norm(cj));
            });
            TestTensors.AssertClose(Flat(byTime), t, Tolerance, "cosine over time");

            // A zero vector stays zero (TensorFlow's l2_normalize divides by max(norm, 1e-6)): no NaN.
            var zero = new Dot(1, normalize: true).Call(new[] { zeros(2, 3), ones(2, 3) }).Output;
            Assert.Equal(new float[] { 0, 0 }, TestTensors.Values(zero));
            // A vector of norm 1e-7 is divided by 1e-6, not by its norm: (1e-7, 0, 0) · (1, 0, 0) is 0.1, as in Keras.
            var tiny = new Dot(1, normalize: true).Call(new[] { tensor(new float[] { 1e-7f, 0, 0 }, new long[] { 1, 3 }), tensor(new float[] { 1, 0, 0 }, new long[] { 1, 3 }) }).Output;
            TestTensors.AssertClose(new[] { 0.1 }, tiny, 1e-6, "tiny vector");
        }

        [Fact]
        public void OutputShapesAndSymbolicCalls()
        {
            Assert.Equal(new int?[] { null, 1 }, new Dot(1).ComputeOutputShapes(Shapes(new int?[] { null, 4 }, new int?[] { null, 4 }))[0]);
            Assert.Equal(new int?[] { null, null, 5 }, new Dot(-1).ComputeOutputShapes(Shapes(new int?[] { null, null, 4 }, new int?[] { null, 5, 4 }))[0]);
            Assert.Equal(new int?[] { 6, 3 }, new Dot(new[] { 2, 1 }).ComputeOutputShapes(Shapes(new int?[] { 6, 3, 4 }, new int?[] { 6, 4 }))[0]);
            var a = Keras.Input(new int?[] { null, 8 });
            var b = Keras.Input(new int?[] { 7, 8 });
            Assert.Equal(new int?[] { null, null, 7 }, new Dot(2).Call(new[] { a, b }).Shape.ToArray());
            Assert.Equal(new int?[] { null, 1 }, new Dot(1).Call(new[] { Keras.Input(new int?[] { 8 }), Keras.Input(new int?[] { 8 }) }).Shape.ToArray());
        }

        [Fact]
        public void TheOutputHasNoMask()
        {
            var mask = ones(2, 3, dtype: ScalarType.Bool);
            Assert.Null(new Dot(2).ComputeMask(new[] { ones(2, 3, 4), ones(2, 3, 4) }, new Tensor?[] { mask, mask }));
        }

        [Fact]
        public void MismatchedAxisSizesRaiseKerasError()
        {
            var ex = Assert.Throws<ShapeMismatchException>(() => new Dot(1).Call(new[] { Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 4 }) }));
            Assert.Equal("Incompatible input shapes: axis values 3 (at axis 1) != 4 (at axis 1). Full input shapes: (None, 3), (None, 4)", ex.Message);
            // One negative axis is taken modulo each input's rank.
            var negative = Assert.Throws<ShapeMismatchException>(() => new Dot(-1).Call(new[] { ones(2, 3), ones(2, 4, 5) }));
            Assert.Equal("Incompatible input shapes: axis values 3 (at axis 1) != 5 (at axis 2). Full input shapes: (2, 3), (2, 4, 5)", negative.Message);
            // A pair is printed as given.
            var pair = Assert.Throws<ShapeMismatchException>(() => new Dot(new[] { -1, 1 }).Call(new[] { Keras.Input(new int?[] { 3, 4 }), Keras.Input(new int?[] { 5, 6 }) }));
            Assert.Equal("Incompatible input shapes: axis values 4 (at axis -1) != 5 (at axis 1). Full input shapes: (None, 3, 4), (None, 5, 6)", pair.Message);
            // As in Keras, an unknown size does not match a known one.
            var unknown = Assert.Throws<ShapeMismatchException>(() => new Dot(1).Call(new[] { Keras.Input(new int?[] { null }), Keras.Input(new int?[] { 4 }) }));
            Assert.Equal("Incompatible input shapes: axis values None (at axis 1) != 4 (at axis 1). Full input shapes: (None, None), (None, 4)", unknown.Message);
        }

        [Fact]
        public void InputCountRankBatchAndAxisErrorsAreKeras()
        {
            var three = Assert.Throws<ArgumentException>(() => new Dot(1).Call(new[] { Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 3 }) }));
            Assert.Equal("A `Dot` layer should be called on a list of 2 inputs. Received: input_shape=[(None, 3), (None, 3), (None, 3)]", three.Message);
            var one = Assert.Throws<ArgumentException>(() => new Dot(1).Call(ones(2, 3)));
            Assert.Equal("A `Dot` layer should be called on a list of 2 inputs. Received: input_shape=(2, 3)", one.Message);
            var rank = Assert.Throws<ShapeMismatchException>(() => new Dot(-1).Call(new[] { ones(2), ones(2) }));
            Assert.Equal("Cannot do batch_dot on inputs with rank < 2. Received inputs with tf.shapes (2,) and (2,).", rank.Message);
            var batch = Assert.Throws<ShapeMismatchException>(() => new Dot(1).Call(new[] { ones(2, 3), ones(4, 3) }));
            Assert.Equal("Cannot do batch_dot on inputs with different batch sizes. Received inputs with tf.shapes (2, 3) and (4, 3).", batch.Message);
            var axisZero = Assert.Throws<ArgumentException>(() => new Dot(0).Call(new[] { Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 3 }) }));
            Assert.Equal(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension to your inputs using K.expand_dims(x, 0)",
                axisZero.Message);
            var twoAxes = Assert.Throws<ArgumentException>(() => new Dot(new[] { 1, 2, 3 }));
            Assert.Equal("Invalid format for argument `axes`: it should contain two elements. Received: axes=[1, 2, 3] (Parameter 'axes')", twoAxes.Message);
            var none = Assert.Throws<ArgumentException>(() => new Dot(null!));
            Assert.Equal("Invalid type for argument `axes`: it should be a list or an int. Received: axes=None (Parameter 'axes')", none.Message);
        }

        [Fact]
        public void ConfigKeepsAxesAsAnIntegerOrAPair()
        {
            var single = new Dot(-1, normalize: true, name: "cos").GetConfig();
            Assert.Equal(-1, single["axes"]);
            Assert.Equal(true, single["normalize"]);
            var pair = new Dot(new[] { 1, 2 }).GetConfig();
            Assert.Equal(new[] { 1, 2 }, Assert.IsType<int[]>(pair["axes"]));
            Assert.Equal(false, pair["normalize"]);

            // Read back as JSON gives them (longs, a list): a Keras file's config.
            var fromJson = Assert.IsType<Dot>(RnnSharp.Saving.LayerRegistry.Deserialize("Dot", new Dictionary<string, object?>
            {
                ["name"] = "dot_7", ["trainable"] = true, ["dtype"] = "float32", ["axes"] = new List<object?> { 1L, 2L }, ["normalize"] = true,
            }));
            Assert.Equal(new[] { 1, 2 }, fromJson.Axes);
            Assert.True(fromJson.Normalize);
            Assert.Equal("dot_7", fromJson.Name);
            var fromInt = Assert.IsType<Dot>(RnnSharp.Saving.LayerRegistry.Deserialize("Dot", new Dictionary<string, object?> { ["axes"] = 2L }));
            Assert.Equal(new[] { 2, 2 }, fromInt.Axes);
            Assert.False(fromInt.Normalize);
            Assert.Equal(2, fromInt.GetConfig()["axes"]);

            var wrongType = Assert.Throws<ArgumentException>(() => RnnSharp.Saving.LayerRegistry.Deserialize("Dot", new Dictionary<string, object?> { ["axes"] = "x" }));
            Assert.Equal("Invalid type for argument `axes`: it should be a list or an int. Received: axes='x' (Parameter 'config')", wrongType.Message);
            var notInts = Assert.Throws<ArgumentException>(() => RnnSharp.Saving.LayerRegistry.Deserialize("Dot", new Dictionary<string, object?> { ["axes"] = new List<object?> { 1L, 0.5 } }));
            Assert.Equal("Invalid format for argument `axes`: list elements should be integers. Received: axes=[1, 0.5] (Parameter 'config')", notInts.Message);
            var missing = Assert.Throws<ArgumentException>(() => RnnSharp.Saving.LayerRegistry.Deserialize("Dot", new Dictionary<string, object?> { ["name"] = "d" }));
            Assert.Equal("Layer config of Dot \"d\" has no \"axes\". (Parameter 'config')", missing.Message);
        }
    }
}
