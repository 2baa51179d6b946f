using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Base class of the layers that merge a list of inputs into one tensor (Keras's <c>_Merge</c>, base of
    /// <see cref="Add"/>, <see cref="Subtract"/>, <see cref="Multiply"/>, <see cref="Average"/>, <see cref="Maximum"/>,
    /// <see cref="Minimum"/>, <see cref="Concatenate"/> and <see cref="Dot"/>). The element-wise merges broadcast as
    /// Keras does: the batch axis stays first, and inputs of lower rank are expanded at axis 1 until all inputs have the
    /// same rank, so <c>(batch, 3)</c> and <c>(batch, 2, 3)</c> merge into <c>(batch, 2, 3)</c>. A merge layer has no
    /// weights; it passes on the AND of its inputs' masks. It is called on a list of inputs
    /// (<see cref="Layer.Call(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, IReadOnlyList{Tensor}?, bool)"/>, or symbolically on a list of
    /// <see cref="KerasTensor"/>s); called on one tensor it raises Keras's error. A subclass implements
    /// <see cref="MergeFunction"/> (Keras's <c>_merge_function</c>).
    /// </summary>
    public abstract class Merge : Layer
    {
        /// <summary>Creates the layer with the common Keras arguments.</summary>
        /// <param name="name">Layer name; null gives Keras's automatic name from the class (<c>add</c>, <c>add_1</c>, ...).</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (a merge layer has no weights).</param>
        protected Merge(string? name = null, bool trainable = true)
            : base(name, trainable: trainable)
        {
        }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        internal override bool TakesInputList => true;

        /// <summary>
        /// Whether inputs of different ranks are expanded at axis 1 before <see cref="MergeFunction"/> (Keras's
        /// <c>_reshape_required</c> when ranks differ); true for the element-wise merges, false for
        /// <see cref="Concatenate"/> and <see cref="Dot"/>.
        /// </summary>
        protected virtual bool ReshapesInputs => true;

        /// <summary>Merges the inputs, already expanded to a common rank when <see cref="ReshapesInputs"/> (Keras's
        /// <c>_merge_function</c>).</summary>
        protected abstract Tensor MergeFunction(IReadOnlyList<Tensor> inputs);

        /// <summary>
        /// Checks the input shapes (batch axis included), as Keras's <c>build</c>; runs when the layer is built and on
        /// every call, so an eager call on shapes that do not fit raises Keras's error rather than TorchSharp's. The
        /// element-wise check: one batch size, and the shapes without the batch axis broadcast
        /// (<see cref="ComputeElemwiseOpOutputShape"/>).
        /// </summary>
        /// <exception cref="ArgumentException">No inputs.</exception>
        /// <exception cref="ShapeMismatchException">Different batch sizes, or shapes that do not broadcast.</exception>
        protected virtual void ValidateInputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            if (inputShapes.Count < 1)
                throw new ArgumentException(
                    "A merge layer should be called on a list of at least 1 input. " +
                    $"Got {inputShapes.Count} inputs. Full input_shape received: {FormatShapes(inputShapes)}");
            var batchSizes = inputShapes.Where(s => s.Length > 0 && s[0] is not null).Select(s => s[0]).Distinct().ToArray();
            if (batchSizes.Length > 1)
                throw new ShapeMismatchException(
                    $"Cannot merge tensors with different batch sizes. Got tensors with shapes {FormatShapes(inputShapes)}");
            ElementwiseShapeWithoutBatch(inputShapes);
        }

        /// <inheritdoc />
        protected sealed override void BuildCore(IReadOnlyList<int?[]> inputShapes) => ValidateInputShapes(inputShapes);

        /// <summary>A merge layer built for one input raises Keras's error: it takes a list of inputs.</summary>
        protected sealed override void BuildCore(int?[] inputShape) => throw NotAListOfShapes(inputShape);

        /// <summary>Keras's error of <c>build</c> for one shape instead of a list of shapes.</summary>
        private protected virtual ArgumentException NotAListOfShapes(int?[] inputShape)
            => new($"A merge layer should be called on a list of inputs. Received: input_shape={ShapeUtils.Format(inputShape)} (not a list of shapes)");

        /// <summary>
        /// Runs the merge, as Keras's <c>_Merge.call</c>: when <see cref="ReshapesInputs"/> and the inputs' ranks
        /// differ, each input is expanded at axis 1 until all have the highest rank (the rest is TorchSharp's
        /// broadcasting, which then aligns the axes as Keras does); then <see cref="MergeFunction"/>.
        /// </summary>
        protected sealed override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
        {
            ValidateInputShapes(inputs.Select(ShapeUtils.Of).ToArray());
            if (!ReshapesInputs || inputs.Select(x => x.dim()).Distinct().Count() == 1)
                return new LayerOutput(MergeFunction(inputs));
            long maxRank = inputs.Max(x => x.dim());
            var reshaped = inputs.Select(x =>
            {
                // A scalar has no batch axis to keep; broadcasting takes it as it is.
                if (x.dim() == 0 || x.dim() == maxRank) return x;
                var shape = new List<long> { x.shape[0] };
                shape.AddRange(Enumerable.Repeat(1L, (int)(maxRank - x.dim())));
                shape.AddRange(x.shape.Skip(1));
                return x.reshape(shape.ToArray());
            }).ToArray();
            return new LayerOutput(MergeFunction(reshaped));
        }

        /// <summary>A merge layer called on one tensor raises Keras's error: it takes a list of inputs.</summary>
        protected sealed override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => throw new ArgumentException(
                $"A merge layer should be called on a list of inputs. Received: inputs={Describe(inputs)} (not a list of tensors)");

        /// <summary>A merge layer takes a list of input shapes (see <see cref="ComputeOutputShapes(IReadOnlyList{int?[]})"/>);
        /// one shape raises Keras's error.</summary>
        public override int?[] ComputeOutputShape(int?[] inputShape) => throw NotAListOfShapes(inputShape);

        /// <summary>
        /// The output shape for inputs of <paramref name="inputShapes"/> (batch axis included), as Keras's
        /// <c>compute_output_shape</c>. Element-wise merges: the broadcast of the shapes without their batch axis, after
        /// the batch size when the inputs agree on one (else <c>None</c>).
        /// </summary>
        /// <exception cref="ShapeMismatchException">Shapes that do not broadcast.</exception>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            if (inputShapes.Count < 1)
                throw new ArgumentException(
                    "A merge layer should be called on a list of at least 1 input. " +
                    $"Got {inputShapes.Count} inputs. Full input_shape received: {FormatShapes(inputShapes)}");
            var output = ElementwiseShapeWithoutBatch(inputShapes);
            var batchSizes = inputShapes.Where(s => s.Length > 0 && s[0] is not null).Select(s => s[0]).Distinct().ToArray();
            int? batch = batchSizes.Length == 1 ? batchSizes[0] : null;
            return new[] { new[] { batch }.Concat(output).ToArray() };
        }

        /// <summary>A merge layer takes a list of masks; with one input, Keras's error unless the mask is null.</summary>
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null)
            => mask is null ? null : throw new ArgumentException($"`mask` should be a list. Received: mask={Describe(mask)}");

        /// <summary>
        /// The output mask, as Keras's <c>_Merge.compute_mask</c>: null when no input has a mask, else the AND of the
        /// given masks (all of one rank; TorchSharp broadcasting, the same as Keras's where the masks have one shape).
        /// </summary>
        /// <exception cref="ArgumentException">Not one mask per input.</exception>
        /// <exception cref="ShapeMismatchException">Masks of different ranks.</exception>
        public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
        {
            if (!CheckMasks(inputs, masks)) return null;
            var given = masks!.OfType<Tensor>().ToArray();
            if (given.Select(m => m.dim()).Distinct().Count() > 1)
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\" cannot combine masks of different ranks: received mask shapes {FormatShapes(given.Select(ShapeUtils.Of).ToArray())}.");
            var result = given[0].to_type(ScalarType.Bool);
            for (int i = 1; i < given.Length; i++) result = result.logical_and(given[i].to_type(ScalarType.Bool));
            return result;
        }

        /// <summary>Keras's checks of <c>compute_mask</c>'s arguments; false when there is no mask to compute (no list,
        /// or only null masks).</summary>
        private protected static bool CheckMasks(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            if (masks is null) return false;
            if (masks.Count != inputs.Count)
                throw new ArgumentException(
                    "The lists `inputs` and `mask` should have the same length. " +
                    $"Received: inputs={Describe(inputs)} of length {inputs.Count}, and mask={Describe(masks)} of length {masks.Count}");
            return masks.Any(m => m is not null);
        }

        /// <summary>
        /// The shape of the result of an element-wise operation on tensors of <paramref name="shape1"/> and
        /// <paramref name="shape2"/>, as Keras's <c>_compute_elemwise_op_output_shape</c>: the shapes are aligned on
        /// their last axes, an axis of size 1 takes the other's size, an unknown one gives unknown, and the longer
        /// shape's leading axes are kept.
        /// </summary>
        /// <exception cref="ShapeMismatchException">Two known sizes, neither 1, that differ.</exception>
        protected static int?[] ComputeElemwiseOpOutputShape(int?[] shape1, int?[] shape2)
        {
            ArgumentNullException.ThrowIfNull(shape1);
            ArgumentNullException.ThrowIfNull(shape2);
            if (shape1.Length < shape2.Length) return ComputeElemwiseOpOutputShape(shape2, shape1);
            if (shape2.Length == 0) return (int?[])shape1.Clone();
            int lead = shape1.Length - shape2.Length;
            var output = shape1.Take(lead).ToList();
            for (int k = 0; k < shape2.Length; k++)
            {
                int? i = shape1[lead + k], j = shape2[k];
                if (i is null || j is null) output.Add(null);
                else if (i == 1) output.Add(j);
                else if (j == 1) output.Add(i);
                else if (i != j)
                    throw new ShapeMismatchException(
                        $"Inputs have incompatible shapes. Received shapes {ShapeUtils.Format(shape1)} and {ShapeUtils.Format(shape2)}");
                else output.Add(i);
            }
            return output.ToArray();
        }

        // Keras's fold of _compute_elemwise_op_output_shape over the shapes without their batch axis.
        private static int?[] ElementwiseShapeWithoutBatch(IReadOnlyList<int?[]> inputShapes)
        {
            var output = inputShapes[0].Skip(1).ToArray();
            for (int i = 1; i < inputShapes.Count; i++)
                output = ComputeElemwiseOpOutputShape(output, inputShapes[i].Skip(1).ToArray());
            return output;
        }

        /// <summary>A list of shapes as Python prints it: <c>[(None, 2, 3), (None, 4, 5)]</c>.</summary>
        private protected static string FormatShapes(IEnumerable<int?[]> shapes)
            => "[" + string.Join(", ", shapes.Select(s => ShapeUtils.Format(s))) + "]";

        /// <summary>A tensor in a message: <c>Tensor(shape=(2, 3), dtype=float32)</c>.</summary>
        private protected static string Describe(Tensor? tensor)
            => tensor is null ? "None" : $"Tensor(shape={ShapeUtils.Format(tensor.shape)}, dtype={DTypeName(tensor.dtype)})";

        /// <summary>A list of tensors in a message: <c>[Tensor(shape=(2, 3), dtype=float32), None]</c>.</summary>
        private protected static string Describe(IEnumerable<Tensor?> tensors) => "[" + string.Join(", ", tensors.Select(Describe)) + "]";

        private static string DTypeName(ScalarType type) => type switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.Float64 => "float64",
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Int64 => "int64",
            ScalarType.Int32 => "int32",
            ScalarType.Int16 => "int16",
            ScalarType.Int8 => "int8",
            ScalarType.Byte => "uint8",
            ScalarType.Bool => "bool",
            _ => type.ToString().ToLowerInvariant(),
        };
    }
}
