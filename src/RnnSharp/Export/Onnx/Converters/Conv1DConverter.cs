using System.Collections.Generic;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Conv1D"/> as ONNX <c>Conv</c> on <c>(batch, channels, steps)</c> (transposed in and out for
    /// channels_last): kernel <c>(filters, channels/groups, size)</c>, strides, dilation, groups; TensorFlow's
    /// <c>same</c> padding is <c>auto_pad = SAME_UPPER</c>, <c>causal</c> pads <c>(size-1)·dilation</c> on the left.
    /// Then the activation.</summary>
    internal sealed class Conv1DConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer) => OnnxActivations.Check(layer, ((Conv1D)layer).Activation);

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Conv1D)call.Layer;
            var g = call.Graph;
            bool last = layer.DataFormat == "channels_last";
            string x = last ? g.Transpose(call.Input.Name, call.Hint + "_channels_first", 0, 2, 1) : call.Input.Name;
            var weights = layer.GetWeights();
            string kernel;
            using (var scope = NewDisposeScope())
                kernel = g.Initializer(call.Hint + "_kernel", weights[0].permute(2, 1, 0));
            var inputs = new List<string> { x, kernel };
            if (layer.UseBias) inputs.Add(g.Initializer(call.Hint + "_bias", weights[1]));
            var attributes = new List<global::Onnx.AttributeProto>
            {
                OnnxGraphBuilder.Attr("kernel_shape", new long[] { layer.KernelSize }),
                OnnxGraphBuilder.Attr("strides", new long[] { layer.Strides }),
                OnnxGraphBuilder.Attr("dilations", new long[] { layer.DilationRate }),
                OnnxGraphBuilder.Attr("group", (long)layer.Groups),
            };
            if (layer.Padding == "same") attributes.Add(OnnxGraphBuilder.Attr("auto_pad", "SAME_UPPER"));
            else if (layer.Padding == "causal") attributes.Add(OnnxGraphBuilder.Attr("pads", new long[] { (long)(layer.KernelSize - 1) * layer.DilationRate, 0 }));
            string y = g.Add("Conv", inputs, call.Hint + "_conv", attributes.ToArray());
            if (last) y = g.Transpose(y, call.Hint + "_channels_last", 0, 2, 1);
            y = OnnxActivations.Apply(g, layer.Activation, y, call.Hint + "_" + layer.Activation.Name);
            return new[] { call.Output(y, call.PassedMask) };
        }
    }
}
