using System.Collections.Generic;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>Layers that are the identity at inference (<c>Dropout</c>, <c>SpatialDropout1D</c>,
    /// <c>GaussianNoise</c>): no node; the value and its mask pass through.</summary>
    internal sealed class IdentityConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call) => new[] { call.Input };
    }
}
