using System;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Merging.MergeTestData;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary><see cref="Concatenate"/>: values along the last and a middle axis, output shapes, Keras's shape checks
    /// and errors, and Keras's mask rule (all true for an input without a mask, concatenated, AND over the last axis).</summary>
    public class ConcatenateTests
    {
        [Fact]
        public void ThreeInputsConcatenateOnTheLastAxis()
        {
            var rng = new Random(21);
            var a = Random3(rng, 2, 3, 2);
            var b = Random3(rng, 2, 3, 1);
            var c = Random3(rng, 2, 3, 4);
            var y = new Concatenate().Call(new[] { TestTensors.From(a), TestTensors.From(b), TestTensors.From(c) }).Output;
            Assert.Equal(new long[] { 2, 3, 7 }, y.shape);
            var expected = Map3(2, 3, 7, (i, t, f) => f < 2 ? a[i][t][f] : f < 3 ? b[i][t][f - 2] : c[i][t][f - 3]);
            // Concatenation copies values: exactly the inputs' float values.
            Assert.Equal(Flat(expected).Select(v => (float)v).ToArray(), TestTensors.Values(y));
        }

        [Fact]
        public void InputsConcatenateOnAMiddleAxis()
        {
            var rng = new Random(22);
            var a = Random3(rng, 3, 2, 4);
            var b = Random3(rng, 3, 1, 4);
            var y = new Concatenate(axis: 1).Call(new[] { TestTensors.From(a), TestTensors.From(b) }).Output;
            Assert.Equal(new long[] { 3, 3, 4 }, y.shape);
            Assert.Equal(Flat(Map3(3, 3, 4, (i, t, f) => t < 2 ? a[i][t][f] : b[i][t - 2][f])).Select(v => (float)v).ToArray(), TestTensors.Values(y));
            // Keras's docstring example: arange(20).reshape(2, 2, 5) and arange(20, 30).reshape(2, 1, 5) on axis 1.
            var x1 = arange(20, dtype: ScalarType.Float32).reshape(2, 2, 5);
            var x2 = arange(20, 30, dtype: ScalarType.Float32).reshape(2, 1, 5);
            var doc = new Concatenate(axis: 1).Call(new[] { x1, x2 }).Output;
            Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 23, 24, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 25, 26, 27, 28, 29 }, TestTensors.Values(doc));
        }

        [Fact]
        public void OutputShapesSumTheAxisAndKeepTheFirstInputsOtherSizes()
        {
            var last = new Concatenate();
            Assert.Equal(new int?[] { null, 2, 7 }, last.ComputeOutputShapes(Shapes(new int?[] { null, 2, 3 }, new int?[] { null, 2, 4 }))[0]);
            Assert.Equal(new int?[] { null, 9 }, last.ComputeOutputShapes(Shapes(new int?[] { null, 2 }, new int?[] { null, 3 }, new int?[] { null, 4 }))[0]);
            // An unknown size along the axis makes the output's unknown.
            Assert.Equal(new int?[] { null, null, 3 }, new Concatenate(1).ComputeOutputShapes(Shapes(new int?[] { null, null, 3 }, new int?[] { null, 2, 3 }))[0]);
            Assert.Equal(new int?[] { null, null, 3 }, new Concatenate(1).ComputeOutputShapes(Shapes(new int?[] { null, 2, 3 }, new int?[] { null, null, 3 }))[0]);
            // The other sizes are the first input's, as in Keras, even where another input knows the size.
            Assert.Equal(new int?[] { null, null, 6 }, last.ComputeOutputShapes(Shapes(new int?[] { null, null, 3 }, new int?[] { null, 4, 3 }))[0]);
            // Axis 0 (the batch axis) is allowed.
            Assert.Equal(new int?[] { 5, 3 }, new Concatenate(0).ComputeOutputShapes(Shapes(new int?[] { 2, 3 }, new int?[] { 3, 3 }))[0]);
        }

        [Fact]
        public void SymbolicCallsInferTheOutputShapeWithUnknownSizes()
        {
            var a = Keras.Input(new int?[] { null, 3 });
            var b = Keras.Input(new int?[] { 4, 5 });
            Assert.Equal(new int?[] { null, null, 8 }, new Concatenate().Call(new[] { a, b }).Shape.ToArray());
            var c = Keras.Input(new int?[] { 2, 3 });
            Assert.Equal(new int?[] { null, null, 3 }, new Concatenate(axis: 1).Call(new[] { a, c }).Shape.ToArray());
            Assert.Equal(new int?[] { null, 4, 3 }, new Concatenate(axis: -2).Call(new[] { c, Keras.Input(new int?[] { 2, 3 }) }).Shape.ToArray());
        }

        [Fact]
        public void MaskOnTheLastAxisIsTheAndOfTheMasksWithTrueForAMissingMask()
        {
            var x1 = ones(2, 3, 2);
            var x2 = ones(2, 3, 4);
            var x3 = ones(2, 3, 1);
            var m1 = new[] { true, false, true, true, true, false };
            var m3 = new[] { false, true, true, true, false, true };
            var layer = new Concatenate();
            var only = layer.ComputeMask(new[] { x1, x2, x3 }, new Tensor?[] { Mask(m1, 2, 3), null, null })!;
            Assert.Equal(new long[] { 2, 3 }, only.shape);
            Assert.Equal(m1, Values(only));
            var both = layer.ComputeMask(new[] { x1, x2, x3 }, new Tensor?[] { Mask(m1, 2, 3), null, Mask(m3, 2, 3) })!;
            Assert.Equal(m1.Zip(m3, (p, q) => p && q).ToArray(), Values(both));
            Assert.Null(layer.ComputeMask(new[] { x1, x2 }, new Tensor?[] { null, null }));
            Assert.Null(layer.ComputeMask(new[] { x1, x2 }, null));
        }

        [Fact]
        public void MaskOnTheTimeAxisConcatenatesTheMasks()
        {
            var x1 = ones(2, 3, 2);
            var x2 = ones(2, 2, 2);
            var m1 = new[] { true, true, false, true, false, false };
            var m2 = new[] { false, true, true, true };
            var layer = new Concatenate(axis: 1);
            // (2, 3) and (2, 2) masks give (2, 5): each sample's steps, first input's then second's.
            var both = layer.ComputeMask(new[] { x1, x2 }, new Tensor?[] { Mask(m1, 2, 3), Mask(m2, 2, 2) })!;
            Assert.Equal(new long[] { 2, 5 }, both.shape);
            Assert.Equal(new[] { true, true, false, false, true, true, false, false, true, true }, Values(both));
            // An input without a mask contributes all-true steps. (tf-keras cannot concatenate a (2, 3, 1) expanded mask
            // with the (2, 2, 2) all-true one and fails; the expanded mask is broadcast to its input, as Keras 3 does.)
            var first = layer.ComputeMask(new[] { x1, x2 }, new Tensor?[] { Mask(m1, 2, 3), null })!;
            Assert.Equal(new[] { true, true, false, true, true, true, false, false, true, true }, Values(first));
            var second = layer.ComputeMask(new[] { x1, x2 }, new Tensor?[] { null, Mask(m2, 2, 2) })!;
            Assert.Equal(new[] { true, true, true, false, true, true, true, true, true, true }, Values(second));
        }

        [Fact]
        public void MaskOfTheInputsRankIsReducedOverTheLastAxisAsKerasDoes()
        {
            // Keras's rule for 2-D inputs with 2-D masks on axis 1: the concatenated (2, 5) mask is reduced over its
            // last axis, so each sample gets one flag (the AND of its steps).
            var m1 = new[] { true, true, true, true, false, true };
            var mask = new Concatenate(axis: 1).ComputeMask(new[] { ones(2, 3), ones(2, 2) }, new Tensor?[] { Mask(m1, 2, 3), null })!;
            Assert.Equal(new long[] { 2 }, mask.shape);
            Assert.Equal(new[] { true, false }, Values(mask));
        }

        [Fact]
        public void ShapesThatDoNotMatchOutsideTheAxisRaiseKerasError()
        {
            var ex = Assert.Throws<ShapeMismatchException>(() => new Concatenate().Call(new[] { Keras.Input(new int?[] { 2, 3 }), Keras.Input(new int?[] { 4, 5 }) }));
            Assert.Equal(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(None, 2, 3), (None, 4, 5)]",
                ex.Message);
            var ranks = Assert.Throws<ShapeMismatchException>(() => new Concatenate().Call(new[] { ones(2, 2, 3), ones(2, 3) }));
            Assert.Equal(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(2, 2, 3), (2, 3)]",
                ranks.Message);
            var batch = Assert.Throws<ShapeMismatchException>(() => new Concatenate().Call(new[] { ones(2, 3), ones(3, 3) }));
            Assert.Equal(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape=[(2, 3), (3, 3)]",
                batch.Message);
            // Unknown sizes match any size.
            var ok = new Concatenate().Call(new[] { Keras.Input(new int?[] { null, 3 }), Keras.Input(new int?[] { 4, 5 }), Keras.Input(new int?[] { 4, 1 }) });
            Assert.Equal(new int?[] { null, null, 9 }, ok.Shape.ToArray());
        }

        [Fact]
        public void OneInputAndABadAxisRaiseErrors()
        {
            var build = Assert.Throws<ArgumentException>(() => new Concatenate().Call(Keras.Input(new int?[] { 3 })));
            Assert.Equal("A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape=(None, 3)", build.Message);
            var shape = Assert.Throws<ArgumentException>(() => new Concatenate().ComputeOutputShape(new int?[] { null, 3 }));
            Assert.Equal("A `Concatenate` layer should be called on a list of inputs. Received: input_shape=(None, 3)", shape.Message);
            var axis = Assert.Throws<ArgumentException>(() => new Concatenate(axis: 3).Call(new[] { ones(2, 3), ones(2, 3) }));
            Assert.Equal("Invalid axis for a `Concatenate` layer: axis=3 is out of range for inputs of rank 2. Received: input_shape=[(2, 3), (2, 3)]", axis.Message);
        }
    }
}
