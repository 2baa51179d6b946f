using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>The <c>Activation</c> layer: its function as ONNX nodes (see <see cref="OnnxActivations"/>); the mask
    /// passes through.</summary>
    internal sealed class ActivationConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer) => OnnxActivations.Check(layer, ((Activation)layer).Function);

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Activation)call.Layer;
            return new[] { call.Output(OnnxActivations.Apply(call.Graph, layer.Function, call.Input.Name, call.Hint), call.Input.Mask) };
        }
    }
}
