using System.Collections.Generic;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="LayerNormalization"/> over any of its axes, as RnnSharp computes it: <c>ReduceMean</c>,
    /// the centered input over <c>Sqrt(variance + epsilon)</c>, then <c>gamma</c> and <c>beta</c> (ONNX's
    /// LayerNormalization operator normalizes trailing axes only). The mask passes through.</summary>
    internal sealed class LayerNormalizationConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (LayerNormalization)call.Layer;
            var g = call.Graph;
            string h = call.Hint;
            var axes = NormalizationParameters.Axes(layer.Axis, call.Input.Rank);
            var axesAttr = OnnxGraphBuilder.Attr("axes", axes);
            string x = call.Input.Name;
            string centered = g.Add("Sub", new[] { x, g.Add("ReduceMean", new[] { x }, h + "_mean", axesAttr, OnnxGraphBuilder.Attr("keepdims", 1L)) }, h + "_centered");
            string variance = g.Add("ReduceMean", new[] { g.Add("Mul", new[] { centered, centered }, h + "_square") }, h + "_variance", axesAttr, OnnxGraphBuilder.Attr("keepdims", 1L));
            string y = g.Add("Div", new[] { centered, g.Add("Sqrt", new[] { g.Add("Add", new[] { variance, g.Float((float)layer.Epsilon) }, h + "_var_eps") }, h + "_std") }, h + "_normalized");
            using (var scope = NewDisposeScope())
            {
                var parameters = NormalizationParameters.Broadcastable(layer, axes, call.Input.Shape);
                if (parameters.TryGetValue("gamma", out var gamma)) y = g.Add("Mul", new[] { y, g.Initializer(h + "_gamma", gamma) }, h + "_scaled");
                if (parameters.TryGetValue("beta", out var beta)) y = g.Add("Add", new[] { y, g.Initializer(h + "_beta", beta) }, h);
            }
            return new[] { call.Output(y, call.PassedMask) };
        }
    }
}
