using System.Collections.Generic;
using Onnx;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="GlobalAveragePooling1D"/> (<c>ReduceMean</c>, or with a mask the sum of the masked inputs over
    /// the number of unmasked steps, as RnnSharp and tf-keras compute it) and <see cref="GlobalMaxPooling1D"/>
    /// (<c>ReduceMax</c>, the mask ignored as in Keras). No mask leaves the layer.</summary>
    internal sealed class GlobalPooling1DConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (GlobalPooling1D)call.Layer;
            var g = call.Graph;
            long axis = layer.DataFormat == "channels_last" ? 1 : 2;
            long keep = layer.Keepdims ? 1 : 0;
            string x = call.Input.Name;
            string y;
            if (layer is GlobalMaxPooling1D)
                y = g.Add("ReduceMax", new[] { x }, call.Hint, OnnxGraphBuilder.Attr("axes", new[] { axis }), OnnxGraphBuilder.Attr("keepdims", keep));
            else if (call.Input.Mask is null)
                y = g.Add("ReduceMean", new[] { x }, call.Hint, OnnxGraphBuilder.Attr("axes", new[] { axis }), OnnxGraphBuilder.Attr("keepdims", keep));
            else
            {
                string weights = g.Unsqueeze(g.Cast(call.Input.Mask, TensorProto.Types.DataType.Float, call.Hint + "_mask_f"), call.Hint + "_weights", axis == 1 ? 2 : 1);
                string sum = g.Add("ReduceSum", new[] { g.Add("Mul", new[] { x, weights }, call.Hint + "_masked"), g.Int64s(axis) }, call.Hint + "_sum", OnnxGraphBuilder.Attr("keepdims", keep));
                string count = g.Add("ReduceSum", new[] { weights, g.Int64s(axis) }, call.Hint + "_count", OnnxGraphBuilder.Attr("keepdims", keep));
                y = g.Add("Div", new[] { sum, count }, call.Hint);
            }
            return new[] { call.Output(y, null) };
        }
    }
}
