using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Flatten"/> as ONNX <c>Flatten</c> (axis 1), channels_first inputs first transposed to
    /// channels_last as Keras does. No mask leaves the layer.</summary>
    internal sealed class FlattenConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Flatten)call.Layer;
            var g = call.Graph;
            string x = call.Input.Name;
            int rank = call.Input.Rank;
            if (layer.DataFormat == "channels_first" && rank > 2)
                x = g.Transpose(x, call.Hint + "_channels_last", new long[] { 0 }.Concat(Enumerable.Range(2, rank - 2).Select(i => (long)i)).Append(1).ToArray());
            return new[] { call.Output(g.Add("Flatten", new[] { x }, call.Hint, OnnxGraphBuilder.Attr("axis", 1L)), null) };
        }
    }
}
