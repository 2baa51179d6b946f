using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Merging.MergeTestData;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary>
    /// The element-wise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) and what they share through
    /// <see cref="Merge"/> (Keras's <c>_Merge</c>): values against loops over plain arrays, Keras's broadcasting of inputs
    /// of different ranks (batch axis first, lower ranks expanded at axis 1), output shapes, masks and Keras's errors.
    /// </summary>
    public class MergeTests
    {
        private const double Tolerance = 1e-6;

        public static TheoryData<string> ElementwiseLayers => new() { "Add", "Multiply", "Average", "Maximum", "Minimum" };

        private static Merge Make(string kind) => kind switch
        {
            "Add" => new Add(),
            "Subtract" => new Subtract(),
            "Multiply" => new Multiply(),
            "Average" => new Average(),
            "Maximum" => new Maximum(),
            "Minimum" => new Minimum(),
            _ => throw new ArgumentException(kind),
        };

        // The merge of the values at one position, in plain doubles.
        private static double Combine(string kind, double[] values) => kind switch
        {
            "Add" => values.Sum(),
            "Subtract" => values[0] - values[1],
            "Multiply" => values.Aggregate(1.0, (p, v) => p * v),
            "Average" => values.Sum() / values.Length,
            "Maximum" => values.Max(),
            "Minimum" => values.Min(),
            _ => throw new ArgumentException(kind),
        };

        [Theory]
        [MemberData(nameof(ElementwiseLayers))]
        public void ThreeInputsMergeElementwise(string kind)
        {
            var rng = new Random(11);
            var xs = Enumerable.Range(0, 3).Select(_ => Random3(rng, 2, 3, 4)).ToArray();
            var expected = Map3(2, 3, 4, (b, t, f) => Combine(kind, xs.Select(x => x[b][t][f]).ToArray()));
            var y = Make(kind).Call(xs.Select(TestTensors.From).ToArray()).Output;
            Assert.Equal(new long[] { 2, 3, 4 }, y.shape);
            TestTensors.AssertClose(Flat(expected), y, Tolerance, kind);
        }

        [Fact]
        public void SubtractTakesTheSecondInputFromTheFirst()
        {
            var rng = new Random(12);
            var a = Random2(rng, 3, 4);
            var b = Random2(rng, 3, 4);
            var y = new Subtract().Call(new[] { TestTensors.From(a), TestTensors.From(b) }).Output;
            TestTensors.AssertClose(Flat(Map2(3, 4, (i, j) => a[i][j] - b[i][j])), y, Tolerance, "subtract");
            // Not symmetric: the order of the inputs matters.
            var z = new Subtract().Call(new[] { TestTensors.From(b), TestTensors.From(a) }).Output;
            TestTensors.AssertClose(Flat(Map2(3, 4, (i, j) => b[i][j] - a[i][j])), z, Tolerance, "subtract reversed");
        }

        [Theory]
        [MemberData(nameof(ElementwiseLayers))]
        [InlineData("Subtract")]
        public void AnInputOfLowerRankIsExpandedAtAxisOneAsKerasDoes(string kind)
        {
            // Batch 4 and 4 timesteps: TorchSharp's own broadcasting of (4, 3) against (4, 4, 3) would align the batch
            // axis of the first input with the time axis of the second; Keras expands (4, 3) to (4, 1, 3).
            var rng = new Random(13);
            var low = Random2(rng, 4, 3);
            var high = Random3(rng, 4, 4, 3);
            var y = Make(kind).Call(new[] { TestTensors.From(low), TestTensors.From(high) }).Output;
            Assert.Equal(new long[] { 4, 4, 3 }, y.shape);
            var expected = Map3(4, 4, 3, (b, t, f) => Combine(kind, new[] { low[b][f], high[b][t][f] }));
            TestTensors.AssertClose(Flat(expected), y, Tolerance, kind);
        }

        [Fact]
        public void AVectorPerSampleIsBroadcastOverTheFeatures()
        {
            // (3,) is one value per sample: Keras expands it to (3, 1), so it adds to every feature of its own sample.
            var perSample = new[] { 1.0, 2.0, 3.0 };
            var rng = new Random(14);
            var x = Random2(rng, 3, 3);
            var y = new Add().Call(new[] { TestTensors.From(perSample), TestTensors.From(x) }).Output;
            TestTensors.AssertClose(Flat(Map2(3, 3, (b, f) => perSample[b] + x[b][f])), y, Tolerance, "add");
        }

        [Fact]
        public void SizeOneAxesBroadcastWithinOneRank()
        {
            var rng = new Random(15);
            var a = Random3(rng, 2, 1, 3);
            var b = Random3(rng, 2, 4, 1);
            var layer = new Multiply();
            var y = layer.Call(new[] { TestTensors.From(a), TestTensors.From(b) }).Output;
            Assert.Equal(new long[] { 2, 4, 3 }, y.shape);
            TestTensors.AssertClose(Flat(Map3(2, 4, 3, (i, t, f) => a[i][0][f] * b[i][t][0])), y, Tolerance, "multiply");
            Assert.Equal(new int?[] { null, 4, 3 }, layer.ComputeOutputShapes(Shapes(new int?[] { null, 1, 3 }, new int?[] { null, 4, 1 }))[0]);
        }

        [Fact]
        public void OutputShapesFollowKerasElementwiseRules()
        {
            var add = new Add();
            Assert.Equal(new int?[] { null, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { null, 3 }, new int?[] { null, 3 }))[0]);
            Assert.Equal(new int?[] { null, 4, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { null, 3 }, new int?[] { null, 4, 3 }))[0]);
            // An unknown size gives an unknown size, even against a known one.
            Assert.Equal(new int?[] { null, null, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { null, null, 3 }, new int?[] { null, 5, 3 }))[0]);
            Assert.Equal(new int?[] { null, null, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { null, 1, 3 }, new int?[] { null, null, 3 }))[0]);
            // The batch size is kept when the inputs agree on one, and unknown when they do not (compute_output_shape
            // does not check it; build does).
            Assert.Equal(new int?[] { 8, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { 8, 3 }, new int?[] { null, 3 }))[0]);
            Assert.Equal(new int?[] { null, 3 }, add.ComputeOutputShapes(Shapes(new int?[] { 8, 3 }, new int?[] { 4, 3 }))[0]);
            Assert.Equal(new int?[] { null, 2, 3 }, new Maximum().ComputeOutputShapes(Shapes(new int?[] { null, 3 }, new int?[] { null, 1 }, new int?[] { null, 2, 1 }))[0]);
        }

        [Fact]
        public void SymbolicCallsInferTheOutputShape()
        {
            var a = Keras.Input(new int?[] { 3 });
            var b = Keras.Input(new int?[] { 4, 3 });
            var c = Keras.Input(new int?[] { null, 1 });
            var sum = new Add().Call(new[] { a, b });
            Assert.Equal(new int?[] { null, 4, 3 }, sum.Shape.ToArray());
            // An unknown size against a known one is unknown, even where the known one is not 1 (Keras's rule).
            var avg = new Average().Call(new[] { b, c });
            Assert.Equal(new int?[] { null, null, 3 }, avg.Shape.ToArray());
            var fixedBatch = Keras.Input(new int?[] { 3 }, batchSize: 5);
            Assert.Equal(new int?[] { 5, 3 }, new Subtract().Call(new[] { fixedBatch, a }).Shape.ToArray());
        }

        [Fact]
        public void TheMaskIsTheAndOfTheGivenMasks()
        {
            var rng = new Random(16);
            var x = Enumerable.Range(0, 3).Select(_ => TestTensors.From(Random3(rng, 2, 3, 2))).ToArray();
            var m1 = new[] { true, true, false, true, false, true };
            var m3 = new[] { true, false, false, true, true, true };
            var add = new Add();
            var mask = add.ComputeMask(x, new Tensor?[] { Mask(m1, 2, 3), null, Mask(m3, 2, 3) });
            Assert.NotNull(mask);
            Assert.Equal(new long[] { 2, 3 }, mask!.shape);
            Assert.Equal(m1.Zip(m3, (p, q) => p && q).ToArray(), Values(mask));
            // One mask alone passes through; none gives none.
            Assert.Equal(m1, Values(add.ComputeMask(x, new Tensor?[] { null, Mask(m1, 2, 3), null })!));
            Assert.Null(add.ComputeMask(x, new Tensor?[] { null, null, null }));
            Assert.Null(add.ComputeMask(x, null));
            Assert.Null(add.ComputeMask(x[0], null));
        }

        [Fact]
        public void MaskErrorsAreKeras()
        {
            var x = new[] { ones(2, 3), ones(2, 3) };
            var ex = Assert.Throws<ArgumentException>(() => new Add().ComputeMask(x, new Tensor?[] { null }));
            Assert.Equal(
                "The lists `inputs` and `mask` should have the same length. Received: inputs=[Tensor(shape=(2, 3), dtype=float32), " +
                "Tensor(shape=(2, 3), dtype=float32)] of length 2, and mask=[None] of length 1", ex.Message);
            var single = Assert.Throws<ArgumentException>(() => new Add().ComputeMask(x[0], ones(2, 3, dtype: ScalarType.Bool)));
            Assert.Equal("`mask` should be a list. Received: mask=Tensor(shape=(2, 3), dtype=bool)", single.Message);
        }

        [Fact]
        public void SymbolicOutputsCarryAMaskWhenAnInputDoes()
        {
            var ids = Keras.Input(new int?[] { 4 }, dtype: "int64");
            var masked = new Embedding(10, 3, maskZero: true).Call(ids);
            var plain = Keras.Input(new int?[] { 4, 3 });
            Assert.True(new Add().Call(new[] { masked, plain }).HasMask);
            Assert.False(new Add().Call(new[] { plain, plain }).HasMask);
            Assert.True(new Concatenate().Call(new[] { masked, plain }).HasMask);
            Assert.False(new Dot(2).Call(new[] { masked, plain }).HasMask);
        }

        [Fact]
        public void IncompatibleShapesRaiseKerasErrorEagerlySymbolicallyAndFromComputeOutputShapes()
        {
            const string Message = "Inputs have incompatible shapes. Received shapes (3,) and (4,)";
            var fromShapes = Assert.Throws<ShapeMismatchException>(() => new Add().ComputeOutputShapes(Shapes(new int?[] { null, 3 }, new int?[] { null, 4 })));
            Assert.Equal(Message, fromShapes.Message);
            var symbolic = Assert.Throws<ShapeMismatchException>(() => new Add().Call(new[] { Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 4 }) }));
            Assert.Equal(Message, symbolic.Message);
            var eager = Assert.Throws<ShapeMismatchException>(() => new Multiply().Call(new[] { ones(2, 3), ones(2, 4) }));
            Assert.Equal(Message, eager.Message);
            // A built layer checks every call, so a second call with other shapes gets Keras's error too.
            var built = new Minimum();
            built.Call(new[] { ones(2, 3), ones(2, 3) });
            Assert.Equal(Message, Assert.Throws<ShapeMismatchException>(() => built.Call(new[] { ones(2, 3), ones(2, 4) })).Message);
            // The longer shape comes first in the message, as Keras swaps them.
            var swapped = Assert.Throws<ShapeMismatchException>(() => new Add().ComputeOutputShapes(Shapes(new int?[] { null, 3 }, new int?[] { null, 2, 4 })));
            Assert.Equal("Inputs have incompatible shapes. Received shapes (2, 4) and (3,)", swapped.Message);
        }

        [Fact]
        public void DifferentBatchSizesRaiseKerasError()
        {
            var ex = Assert.Throws<ShapeMismatchException>(() => new Add().Call(new[] { ones(2, 3), ones(4, 3) }));
            Assert.Equal("Cannot merge tensors with different batch sizes. Got tensors with shapes [(2, 3), (4, 3)]", ex.Message);
            var symbolic = Assert.Throws<ShapeMismatchException>(() => new Add().Call(new[] { Keras.Input(new int?[] { 3 }, batchSize: 2), Keras.Input(new int?[] { 3 }, batchSize: 4) }));
            Assert.Equal("Cannot merge tensors with different batch sizes. Got tensors with shapes [(2, 3), (4, 3)]", symbolic.Message);
        }

        [Fact]
        public void AListOfOneInputIsMergedAsTfKerasDoes()
        {
            // tf-keras 2.11+ merges a list of one input into itself (its build asks for "at least 1 input").
            var x = Keras.Input(new int?[] { 3 });
            var added = new Add().Call(new[] { x });
            Assert.Equal(new int?[] { null, 3 }, added.Shape.ToArray());
            var concatenated = new Concatenate().Call(new[] { x });
            Assert.Equal(new int?[] { null, 3 }, concatenated.Shape.ToArray());
            var data = tensor(new float[] { 1, -2, 3, 4, 5, -6 }, new long[] { 2, 3 });
            var model = new Model(x, new Maximum().Call(new[] { x }));
            TestTensors.AssertClose(new double[] { 1, -2, 3, 4, 5, -6 }, model.Predict(data), 0, "Maximum of one input");
            TestTensors.AssertClose(new double[] { 1, -2, 3, 4, 5, -6 }, new Average().Call(new[] { data }).Output, 0, "Average of one input, eager");
        }

        [Fact]
        public void OneInputInsteadOfAListRaisesKerasError()
        {
            var eager = Assert.Throws<ArgumentException>(() => new Add().Call(ones(2, 3)));
            Assert.Equal("A merge layer should be called on a list of inputs. Received: input_shape=(2, 3) (not a list of shapes)", eager.Message);
            var symbolic = Assert.Throws<ArgumentException>(() => new Maximum().Call(Keras.Input(new int?[] { 3 })));
            Assert.Equal("A merge layer should be called on a list of inputs. Received: input_shape=(None, 3) (not a list of shapes)", symbolic.Message);
            var shape = Assert.Throws<ArgumentException>(() => new Average().ComputeOutputShape(new int?[] { null, 3 }));
            Assert.Equal("A merge layer should be called on a list of inputs. Received: input_shape=(None, 3) (not a list of shapes)", shape.Message);
            // A layer already built for a list, then called on one tensor: the call's error.
            var built = new Add();
            built.Call(new[] { ones(2, 3), ones(2, 3) });
            var call = Assert.Throws<ArgumentException>(() => built.Call(ones(2, 3)));
            Assert.Equal("A merge layer should be called on a list of inputs. Received: inputs=Tensor(shape=(2, 3), dtype=float32) (not a list of tensors)", call.Message);
            var empty = Assert.Throws<ArgumentException>(() => new Add().Call(Array.Empty<Tensor>()));
            Assert.Equal("A merge layer should be called on a list of at least 1 input. Got 0 inputs. Full input_shape received: []", empty.Message);
        }

        [Fact]
        public void SubtractTakesExactlyTwoInputs()
        {
            var ex = Assert.Throws<ArgumentException>(() => new Subtract().Call(new[] { Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 3 }), Keras.Input(new int?[] { 3 }) }));
            Assert.Equal("A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape=[(None, 3), (None, 3), (None, 3)]", ex.Message);
            var eager = Assert.Throws<ArgumentException>(() => new Subtract().Call(new[] { ones(2, 3), ones(2, 3), ones(2, 3) }));
            Assert.Equal("A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape=[(2, 3), (2, 3), (2, 3)]", eager.Message);
            // Keras checks the shapes first.
            var shapes = Assert.Throws<ShapeMismatchException>(() => new Subtract().Call(new[] { ones(2, 3), ones(2, 4), ones(2, 3) }));
            Assert.Equal("Inputs have incompatible shapes. Received shapes (3,) and (4,)", shapes.Message);
        }

        [Fact]
        public void MergeLayersHaveNoWeightsAndKerasAutoNames()
        {
            var layer = new Average();
            layer.Call(new[] { ones(2, 3), ones(2, 3) });
            Assert.True(layer.Built);
            Assert.Empty(layer.Weights);
            Assert.Equal(0, layer.CountParams());
            Assert.True(layer.SupportsMasking);
            Assert.Equal(new[] { new int?[] { 2, 3 }, new int?[] { 2, 3 } }, layer.BuiltInputShapes);
            Assert.Equal("mine", new Multiply(name: "mine").Name);
            Backend.ClearSession();
            Assert.Equal(
                new[] { "add", "add_1", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "concatenate_1", "dot" },
                new Layer[] { new Add(), new Add(), new Subtract(), new Multiply(), new Average(), new Maximum(), new Minimum(), new Concatenate(), new Concatenate(1), new Dot(1) }
                    .Select(l => l.Name).ToArray());
        }
    }
}
