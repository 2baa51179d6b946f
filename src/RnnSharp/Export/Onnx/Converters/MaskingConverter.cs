using System.Collections.Generic;
using Onnx;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Masking"/>: the mask (a step is kept when any feature differs from <c>maskValue</c>) computed
    /// in the graph, and the input with masked steps zeroed.</summary>
    internal sealed class MaskingConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Masking)call.Layer;
            var g = call.Graph;
            string x = call.Input.Name;
            string differs = g.Cast(g.Add("Not", new[] { g.Add("Equal", new[] { x, g.Float((float)layer.MaskValue) }, call.Hint + "_is_pad") }, call.Hint + "_differs"),
                TensorProto.Types.DataType.Float, call.Hint + "_differs_f");
            string keep = g.Add("ReduceMax", new[] { differs }, call.Hint + "_keep", OnnxGraphBuilder.Attr("axes", new long[] { -1 }), OnnxGraphBuilder.Attr("keepdims", 1L));
            string y = g.Add("Mul", new[] { x, keep }, call.Hint);
            string mask = g.Cast(g.Squeeze(keep, call.Hint + "_keep_2d", -1), TensorProto.Types.DataType.Bool, call.Hint + "_mask");
            return new[] { call.Output(y, mask) };
        }
    }
}
