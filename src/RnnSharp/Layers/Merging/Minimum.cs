using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Minimum</c>: the element-wise minimum of a list of inputs of one shape (or shapes that
    /// broadcast, see <see cref="Merge"/>).
    /// </summary>
    public class Minimum : Merge
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Layer name; null gives <c>minimum</c>, <c>minimum_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Minimum(string? name = null, bool trainable = true)
            : base(name, trainable)
        {
        }

        /// <inheritdoc />
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs)
        {
            var output = inputs[0];
            for (int i = 1; i < inputs.Count; i++) output = minimum(output, inputs[i]);
            return output;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Minimum FromConfig(Saving.LayerConfig config) => FromConfig<Minimum>(config);
    }
}
