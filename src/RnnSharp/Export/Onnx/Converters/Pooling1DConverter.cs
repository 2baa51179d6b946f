using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="MaxPooling1D"/> and <see cref="AveragePooling1D"/> as <c>MaxPool</c>/<c>AveragePool</c> on
    /// <c>(batch, channels, steps)</c>; TensorFlow's <c>same</c> padding is <c>auto_pad = SAME_UPPER</c> (padding
    /// left out of averages, as TensorFlow does).</summary>
    internal sealed class Pooling1DConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Pooling1D)call.Layer;
            var g = call.Graph;
            bool last = layer.DataFormat == "channels_last";
            string x = last ? g.Transpose(call.Input.Name, call.Hint + "_channels_first", 0, 2, 1) : call.Input.Name;
            var attributes = new List<global::Onnx.AttributeProto>
            {
                OnnxGraphBuilder.Attr("kernel_shape", new long[] { layer.PoolSize }),
                OnnxGraphBuilder.Attr("strides", new long[] { layer.Strides }),
            };
            if (layer.Padding == "same") attributes.Add(OnnxGraphBuilder.Attr("auto_pad", "SAME_UPPER"));
            string y = g.Add(layer is MaxPooling1D ? "MaxPool" : "AveragePool", new[] { x }, call.Hint + "_pool", attributes.ToArray());
            if (last) y = g.Transpose(y, call.Hint, 0, 2, 1);
            return new[] { call.Output(y, call.PassedMask) };
        }
    }
}
