using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="RepeatVector"/>: <c>(batch, features)</c> unsqueezed to <c>(batch, 1, features)</c> and
    /// expanded to <c>(batch, n, features)</c>.</summary>
    internal sealed class RepeatVectorConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (RepeatVector)call.Layer;
            var g = call.Graph;
            string y = g.Add("Expand", new[] { g.Unsqueeze(call.Input.Name, call.Hint + "_unsqueezed", 1), g.Int64s(1, layer.N, 1) }, call.Hint);
            return new[] { call.Output(y, null) };
        }
    }
}
