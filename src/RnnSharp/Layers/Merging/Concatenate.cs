using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Concatenate</c>: concatenates a list of inputs along <see cref="Axis"/>; all other axes must match
    /// (an unknown size matches any). E.g. <c>(batch, 2, 5)</c> and <c>(batch, 1, 5)</c> with <c>axis: 1</c> give
    /// <c>(batch, 3, 5)</c>. The output mask concatenates the inputs' masks (all true for an input without one) along
    /// the axis, reduced over the last axis, as Keras's.
    /// </summary>
    public class Concatenate : Merge
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="axis">The concatenation axis, counted with the batch axis (negative: from the end).</param>
        /// <param name="name">Layer name; null gives <c>concatenate</c>, <c>concatenate_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Concatenate(int axis = -1, string? name = null, bool trainable = true)
            : base(name, trainable)
        {
            Axis = axis;
        }

        /// <summary>The concatenation axis.</summary>
        public int Axis { get; }

        /// <inheritdoc />
        protected override bool ReshapesInputs => false;

        /// <summary>
        /// Keras's <c>Concatenate.build</c> checks: with the concatenation axis removed, the shapes must have one rank
        /// and agree on every axis where their sizes are known.
        /// </summary>
        /// <exception cref="ArgumentException">No inputs, or an axis out of an input's range.</exception>
        /// <exception cref="ShapeMismatchException">Shapes that do not match outside the axis.</exception>
        protected override void ValidateInputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            if (inputShapes.Count < 1)
                throw new ArgumentException(
                    $"A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape={FormatShapes(inputShapes)}");
            var reduced = inputShapes.Select(shape =>
            {
                var list = shape.ToList();
                list.RemoveAt(AxisIndex(shape, inputShapes));
                return list.ToArray();
            }).ToArray();
            if (reduced.All(s => s.SequenceEqual(reduced[0]))) return;
            var error = new ShapeMismatchException(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. " +
                $"Received: input_shape={FormatShapes(inputShapes)}");
            if (reduced.Select(s => s.Length).Distinct().Count() != 1) throw error;
            for (int axis = 0; axis < reduced[0].Length; axis++)
            {
                // Unknown sizes are dynamic: they match any size.
                if (reduced.Select(s => s[axis]).OfType<int>().Distinct().Count() > 1) throw error;
            }
        }

        /// <inheritdoc />
        private protected override ArgumentException NotAListOfShapes(int?[] inputShape)
            => new($"A `Concatenate` layer should be called on a list of at least 1 input. Received: input_shape={ShapeUtils.Format(inputShape)}");

        /// <inheritdoc />
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs) => cat(inputs.ToArray(), Axis);

        /// <summary>One shape instead of a list of shapes raises Keras's error.</summary>
        public override int?[] ComputeOutputShape(int?[] inputShape)
            => throw new ArgumentException($"A `Concatenate` layer should be called on a list of inputs. Received: input_shape={ShapeUtils.Format(inputShape)}");

        /// <summary>
        /// The output shape, as Keras's <c>Concatenate.compute_output_shape</c>: the first input's shape with the sizes
        /// along the axis summed (unknown when any is unknown).
        /// </summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            if (inputShapes.Count < 1)
                throw new ArgumentException($"A `Concatenate` layer should be called on a list of inputs. Received: input_shape={FormatShapes(inputShapes)}");
            var output = inputShapes[0].ToArray();
            int axis = AxisIndex(output, inputShapes);
            foreach (var shape in inputShapes.Skip(1))
            {
                int? size = shape[AxisIndex(shape, inputShapes)];
                if (output[axis] is null || size is null)
                {
                    output[axis] = null;
                    break;
                }
                output[axis] += size;
            }
            return new[] { output };
        }

        /// <summary>
        /// The output mask, as Keras's <c>Concatenate.compute_mask</c>: null when no input has a mask; else each input's
        /// mask (all true where an input has none, expanded on a last axis when of lower rank than its input) is
        /// concatenated along <see cref="Axis"/> and reduced with AND over the last axis. An expanded mask is broadcast
        /// to its input's shape (as Keras 3 does), which gives tf-keras's result wherever tf-keras can concatenate the
        /// masks, and also concatenates a masked sequence with an unmasked one along the time axis.
        /// </summary>
        /// <exception cref="ArgumentException">Not one mask per input.</exception>
        public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
        {
            if (!CheckMasks(inputs, masks)) return null;
            var expanded = inputs.Select((input, i) => masks![i] switch
            {
                null => ones_like(input, dtype: ScalarType.Bool),
                Tensor m when m.dim() == input.dim() - 1 => m.to_type(ScalarType.Bool).unsqueeze(-1).expand(input.shape),
                Tensor m when m.dim() < input.dim() => m.to_type(ScalarType.Bool).unsqueeze(-1),
                Tensor m => m.to_type(ScalarType.Bool),
            }).ToArray();
            return cat(expanded, Axis).all(-1);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["axis"] = Axis;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Concatenate FromConfig(Saving.LayerConfig config) => FromConfig<Concatenate>(config);

        // The axis as an index into a shape, as Python indexes a list (negative from the end).
        private int AxisIndex(int?[] shape, IReadOnlyList<int?[]> inputShapes)
        {
            int index = Axis < 0 ? Axis + shape.Length : Axis;
            if (index < 0 || index >= shape.Length)
                throw new ArgumentException(
                    $"Invalid axis for a `Concatenate` layer: axis={Axis} is out of range for inputs of rank {shape.Length}. " +
                    $"Received: input_shape={FormatShapes(inputShapes)}");
            return index;
        }
    }
}
