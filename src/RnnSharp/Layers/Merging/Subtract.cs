using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Subtract</c>: <c>inputs[0] - inputs[1]</c> for exactly two inputs of one shape (or shapes that
    /// broadcast, see <see cref="Merge"/>).
    /// </summary>
    public class Subtract : Merge
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Layer name; null gives <c>subtract</c>, <c>subtract_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Subtract(string? name = null, bool trainable = true)
            : base(name, trainable)
        {
        }

        /// <summary>Keras's checks of the element-wise merges, then exactly two inputs.</summary>
        /// <exception cref="ArgumentException">Not two inputs.</exception>
        /// <exception cref="ShapeMismatchException">Shapes that do not broadcast, or different batch sizes.</exception>
        protected override void ValidateInputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            base.ValidateInputShapes(inputShapes);
            if (inputShapes.Count != 2)
                throw new ArgumentException(
                    $"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape={FormatShapes(inputShapes)}");
        }

        /// <inheritdoc />
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs)
        {
            if (inputs.Count != 2)
                throw new ArgumentException($"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={Describe(inputs)}");
            return inputs[0].sub(inputs[1]);
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Subtract FromConfig(Saving.LayerConfig config) => FromConfig<Subtract>(config);
    }
}
