using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Concatenate"/> as <c>Concat</c>. The mask as Keras computes it: along the feature axis the AND
    /// of the masks; along another axis the masks concatenated (every input must then have one).</summary>
    internal sealed class ConcatenateConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Concatenate)call.Layer;
            var g = call.Graph;
            int rank = call.Inputs[0].Rank;
            int axis = layer.Axis < 0 ? layer.Axis + rank : layer.Axis;
            string y = g.Add("Concat", call.Inputs.Select(i => i.Name), call.Hint, OnnxGraphBuilder.Attr("axis", (long)axis));
            string? mask = null;
            if (call.Inputs.Any(i => i.Mask is not null))
            {
                if (axis == rank - 1) mask = MergeConverter.AndMasks(g, call);
                else if (call.Inputs.All(i => i.Mask is not null))
                    mask = g.Add("Concat", call.Inputs.Select(i => i.Mask!), call.Hint + "_mask", OnnxGraphBuilder.Attr("axis", (long)axis));
                else throw call.Unsupported($"concatenating along axis {layer.Axis} inputs of which only some are masked");
            }
            return new[] { call.Output(y, mask) };
        }
    }
}
