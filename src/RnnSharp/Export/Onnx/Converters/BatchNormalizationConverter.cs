using System.Collections.Generic;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="BatchNormalization"/> at inference: <c>x · a + b</c> with <c>a = gamma / sqrt(moving_variance
    /// + epsilon)</c> and <c>b = beta - moving_mean · a</c> folded into two initializers (computed in double). The mask
    /// passes through.</summary>
    internal sealed class BatchNormalizationConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (BatchNormalization)call.Layer;
            var g = call.Graph;
            var axes = NormalizationParameters.Axes(layer.Axis, call.Input.Rank);
            string y;
            using (var scope = NewDisposeScope())
            {
                var p = NormalizationParameters.Broadcastable(layer, axes, call.Input.Shape);
                var a = (p["moving_variance"] + layer.Epsilon).rsqrt();
                if (p.TryGetValue("gamma", out var gamma)) a = a * gamma;
                var b = -p["moving_mean"] * a;
                if (p.TryGetValue("beta", out var beta)) b = b + beta;
                y = g.Add("Add", new[] { g.Add("Mul", new[] { call.Input.Name, g.Initializer(call.Hint + "_scale", a) }, call.Hint + "_scaled"), g.Initializer(call.Hint + "_offset", b) }, call.Hint);
            }
            return new[] { call.Output(y, call.PassedMask) };
        }
    }
}
