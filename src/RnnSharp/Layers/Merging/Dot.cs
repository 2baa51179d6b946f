using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Dot</c>: the dot product of the samples of two inputs along one axis of each (Keras's
    /// <c>batch_dot</c>). The output has the batch axis, then the first input's other axes, then the second input's other
    /// axes: <c>(batch, n)</c> and <c>(batch, n)</c> give <c>(batch, 1)</c>; <c>(batch, 5, 2)</c> and
    /// <c>(batch, 2, 5)</c> with <c>axes: new[] { 1, 2 }</c> give <c>(batch, 2, 2)</c>. With <c>normalize</c>, the
    /// samples are L2-normalized along the axes first, so the output is the cosine similarity. The output has no mask.
    /// </summary>
    public class Dot : Merge
    {
        // The axes as given: one axis for both inputs (null when given as a pair), and the pair.
        private readonly int? axis;
        private readonly int[] axes;

        /// <summary>Creates the layer with the same axis for both inputs.</summary>
        /// <param name="axes">The axis of both inputs along which the dot product is taken, counted with the batch axis
        /// (negative: from the end of each input's shape).</param>
        /// <param name="normalize">Whether to L2-normalize the samples along the axes first (cosine similarity).</param>
        /// <param name="name">Layer name; null gives <c>dot</c>, <c>dot_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Dot(int axes, bool normalize = false, string? name = null, bool trainable = true)
            : base(name, trainable)
        {
            axis = axes;
            this.axes = new[] { axes, axes };
            Normalize = normalize;
        }

        /// <summary>Creates the layer with an axis for each input.</summary>
        /// <param name="axes">Two axes: the first input's and the second input's (their sizes must match).</param>
        /// <param name="normalize">Whether to L2-normalize the samples along the axes first (cosine similarity).</param>
        /// <param name="name">Layer name; null gives <c>dot</c>, <c>dot_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        /// <exception cref="ArgumentException"><paramref name="axes"/> is null or does not hold two axes.</exception>
        public Dot(int[] axes, bool normalize = false, string? name = null, bool trainable = true)
            : base(name, trainable)
        {
            if (axes is null)
                throw new ArgumentException("Invalid type for argument `axes`: it should be a list or an int. Received: axes=None", nameof(axes));
            if (axes.Length != 2)
                throw new ArgumentException(
                    $"Invalid format for argument `axes`: it should contain two elements. Received: axes={FormatList(axes)}", nameof(axes));
            this.axes = (int[])axes.Clone();
            Normalize = normalize;
        }

        /// <summary>The axes of the first and of the second input (the same twice when one axis was given).</summary>
        public IReadOnlyList<int> Axes => axes;

        /// <summary>Whether the samples are L2-normalized along the axes before the dot product.</summary>
        public bool Normalize { get; }

        /// <inheritdoc />
        protected override bool ReshapesInputs => false;

        /// <summary>
        /// Keras's <c>Dot.build</c> check: two inputs whose sizes along the axes are equal (an unknown size equals only
        /// an unknown one, as in Keras); then <c>batch_dot</c>'s checks, which Keras makes when the layer is called:
        /// inputs of rank 2 or more, one batch size, and no product over the batch axis.
        /// </summary>
        /// <exception cref="ArgumentException">Not two inputs, an axis out of range, or an axis on the batch axis.</exception>
        /// <exception cref="ShapeMismatchException">Sizes along the axes that differ, a rank under 2, or different batch sizes.</exception>
        protected override void ValidateInputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            if (inputShapes.Count != 2)
                throw new ArgumentException($"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={FormatShapes(inputShapes)}");
            int?[] shape1 = inputShapes[0], shape2 = inputShapes[1];
            var (a0, a1) = ShapeAxes(shape1.Length, shape2.Length);
            int? d1 = shape1[PythonIndex(a0, shape1, inputShapes)], d2 = shape2[PythonIndex(a1, shape2, inputShapes)];
            if (d1 != d2)
                throw new ShapeMismatchException(
                    $"Incompatible input shapes: axis values {Size(d1)} (at axis {a0}) != {Size(d2)} (at axis {a1}). " +
                    $"Full input shapes: {ShapeUtils.Format(shape1)}, {ShapeUtils.Format(shape2)}");
            if (shape1.Length < 2 || shape2.Length < 2)
                throw new ShapeMismatchException(
                    $"Cannot do batch_dot on inputs with rank < 2. Received inputs with tf.shapes {ShapeUtils.Format(shape1)} and {ShapeUtils.Format(shape2)}.");
            if (shape1[0] is int b1 && shape2[0] is int b2 && b1 != b2)
                throw new ShapeMismatchException(
                    $"Cannot do batch_dot on inputs with different batch sizes. Received inputs with tf.shapes {ShapeUtils.Format(shape1)} and {ShapeUtils.Format(shape2)}.");
            var (c0, c1) = CallAxes(shape1.Length, shape2.Length);
            if (c0 == 0 || c1 == 0)
                throw new ArgumentException(
                    "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension to your inputs using K.expand_dims(x, 0)");
        }

        /// <inheritdoc />
        private protected override ArgumentException NotAListOfShapes(int?[] inputShape)
            => new($"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={ShapeUtils.Format(inputShape)}");

        /// <summary>One shape instead of a list of two raises Keras's error.</summary>
        public override int?[] ComputeOutputShape(int?[] inputShape) => throw NotAListOfShapes(inputShape);

        /// <summary>
        /// The output shape, as Keras's <c>Dot.compute_output_shape</c>: the first shape without its axis, then the
        /// second without its axis and its batch axis; <c>(batch, 1)</c> when that leaves only the batch axis.
        /// </summary>
        /// <exception cref="ArgumentException">Not two shapes.</exception>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            if (inputShapes.Count != 2)
                throw new ArgumentException($"A `Dot` layer should be called on a list of 2 inputs. Received: input_shape={FormatShapes(inputShapes)}");
            var shape1 = inputShapes[0].ToList();
            var shape2 = inputShapes[1].ToList();
            var (a0, a1) = ShapeAxes(shape1.Count, shape2.Count);
            shape1.RemoveAt(PythonIndex(a0, inputShapes[0], inputShapes));
            shape2.RemoveAt(PythonIndex(a1, inputShapes[1], inputShapes));
            shape2.RemoveAt(0);
            var output = shape1.Concat(shape2).ToList();
            if (output.Count == 1) output.Add(1);
            return new[] { output.ToArray() };
        }

        /// <summary>
        /// Keras's <c>Dot._merge_function</c>: the axes made non-negative, the optional L2 normalization (as TensorFlow's
        /// <c>l2_normalize</c>: <c>x / sqrt(max(sum(x²), 1e-12))</c>), then <c>batch_dot</c>: the first input's axis moved
        /// last, the second's moved to 1, a batched matrix product, and the other axes restored.
        /// </summary>
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs)
        {
            if (inputs.Count != 2)
                throw new ArgumentException($"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={Describe(inputs)}");
            Tensor x1 = inputs[0], x2 = inputs[1];
            var (a0, a1) = CallAxes((int)x1.dim(), (int)x2.dim());
            if (Normalize)
            {
                // max(‖x‖, 1e-6) is sqrt(max(Σx², 1e-12)), TensorFlow's epsilon.
                x1 = nn.functional.normalize(x1, p: 2, dim: a0, eps: 1e-6);
                x2 = nn.functional.normalize(x2, p: 2, dim: a1, eps: 1e-6);
            }
            long batch = x1.shape[0], size = x1.shape[a0];
            var xRest = x1.shape.Where((_, i) => i != 0 && i != a0).ToArray();
            var yRest = x2.shape.Where((_, i) => i != 0 && i != a1).ToArray();
            var x = x1.movedim(new long[] { a0 }, new long[] { -1 }).reshape(batch, xRest.Aggregate(1L, (p, d) => p * d), size);
            var y = x2.movedim(new long[] { a1 }, new long[] { 1 }).reshape(batch, size, yRest.Aggregate(1L, (p, d) => p * d));
            var shape = new[] { batch }.Concat(xRest).Concat(yRest).ToList();
            if (shape.Count == 1) shape.Add(1);
            return bmm(x, y).reshape(shape.ToArray());
        }

        /// <summary>A <c>Dot</c> layer's output has no mask (Keras's <c>Dot.compute_mask</c>).</summary>
        public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks) => null;

        /// <summary>The config: Keras's keys, <c>axes</c> an integer or a list of two as the layer was created.</summary>
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["axes"] = axis is int single ? single : axes.ToArray();
            config["normalize"] = Normalize;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>: <c>axes</c> an integer or a list of
        /// two integers.</summary>
        /// <exception cref="ArgumentException"><c>axes</c> is missing or not an integer or a list of two integers.</exception>
        public static Dot FromConfig(Saving.LayerConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (!config.Values.TryGetValue("axes", out var value))
                throw new ArgumentException($"Layer config of Dot{(config.Name is string n ? $" \"{n}\"" : "")} has no \"axes\".", nameof(config));
            bool normalize = config.GetBool("normalize", false);
            if (AsInt(value) is int single) return new Dot(single, normalize, config.Name, config.Trainable);
            if (value is not IEnumerable items || value is string)
                throw new ArgumentException(
                    $"Invalid type for argument `axes`: it should be a list or an int. Received: axes={FormatValue(value)}", nameof(config));
            var list = items.Cast<object?>().ToList();
            if (list.Count != 2)
                throw new ArgumentException(
                    $"Invalid format for argument `axes`: it should contain two elements. Received: axes={FormatValue(value)}", nameof(config));
            var pair = list.Select(AsInt).ToArray();
            if (pair[0] is not int first || pair[1] is not int second)
                throw new ArgumentException(
                    $"Invalid format for argument `axes`: list elements should be integers. Received: axes={FormatValue(value)}", nameof(config));
            return new Dot(new[] { first, second }, normalize, config.Name, config.Trainable);
        }

        // The axes Keras's build and compute_output_shape index shapes with: one negative axis taken modulo each rank,
        // a pair as given (Python's negative indexing).
        private (int, int) ShapeAxes(int rank1, int rank2)
            => axis is int a && a < 0 ? (PythonMod(a, rank1), PythonMod(a, rank2)) : (axes[0], axes[1]);

        // The axes _merge_function hands to batch_dot: each negative axis taken modulo its input's rank.
        private (int, int) CallAxes(int rank1, int rank2)
            => (axes[0] < 0 ? PythonMod(axes[0], rank1) : axes[0], axes[1] < 0 ? PythonMod(axes[1], rank2) : axes[1]);

        private static int PythonMod(int a, int n) => n == 0 ? a : ((a % n) + n) % n;

        // An axis as an index into a shape, as Python indexes a list; out of range is an error.
        private static int PythonIndex(int axis, int?[] shape, IReadOnlyList<int?[]> inputShapes)
        {
            int index = axis < 0 ? axis + shape.Length : axis;
            if (index < 0 || index >= shape.Length)
                throw new ArgumentException(
                    $"Invalid axis for a `Dot` layer: axis {axis} is out of range for an input of rank {shape.Length}. " +
                    $"Received: input_shape={FormatShapes(inputShapes)}");
            return index;
        }

        private static string Size(int? size) => size?.ToString(CultureInfo.InvariantCulture) ?? "None";

        private static string FormatList(IEnumerable<int> values) => "[" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + "]";

        private static string FormatValue(object? value) => value switch
        {
            null => "None",
            string s => $"'{s}'",
            IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(FormatValue)) + "]",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "None",
        };

        private static int? AsInt(object? value) => value switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            _ => null,
        };
    }
}
