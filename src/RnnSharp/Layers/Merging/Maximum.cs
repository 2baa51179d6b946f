using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Maximum</c>: the element-wise maximum of a list of inputs of one shape (or shapes that
    /// broadcast, see <see cref="Merge"/>).
    /// </summary>
    public class Maximum : Merge
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Layer name; null gives <c>maximum</c>, <c>maximum_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Maximum(string? name = null, bool trainable = true)
            : base(name, trainable)
        {
        }

        /// <inheritdoc />
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs)
        {
            var output = inputs[0];
            for (int i = 1; i < inputs.Count; i++) output = maximum(output, inputs[i]);
            return output;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Maximum FromConfig(Saving.LayerConfig config) => FromConfig<Maximum>(config);
    }
}
