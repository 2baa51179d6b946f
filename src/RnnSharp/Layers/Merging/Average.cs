using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Average</c>: the element-wise mean of a list of inputs of one shape (or shapes that
    /// broadcast, see <see cref="Merge"/>): their sum divided by their number.
    /// </summary>
    public class Average : Merge
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Layer name; null gives <c>average</c>, <c>average_1</c>, ...</param>
        /// <param name="trainable">Keras's <c>trainable</c> flag (the layer has no weights).</param>
        public Average(string? name = null, bool trainable = true)
            : base(name, trainable)
        {
        }

        /// <inheritdoc />
        protected override Tensor MergeFunction(IReadOnlyList<Tensor> inputs)
        {
            var output = inputs[0];
            for (int i = 1; i < inputs.Count; i++) output = output.add(inputs[i]);
            return output.div(inputs.Count);
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Average FromConfig(Saving.LayerConfig config) => FromConfig<Average>(config);
    }
}
