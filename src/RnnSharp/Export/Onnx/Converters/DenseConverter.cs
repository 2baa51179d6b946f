using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Dense"/> as <c>MatMul</c> (any rank: the last axis) and <c>Add</c>, then its activation.
    /// The mask passes through, as in Keras.</summary>
    internal sealed class DenseConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer) => OnnxActivations.Check(layer, ((Dense)layer).Activation);

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Dense)call.Layer;
            var g = call.Graph;
            var weights = layer.GetWeights();
            string y = g.Add("MatMul", new[] { call.Input.Name, g.Initializer(call.Hint + "_kernel", weights[0]) }, call.Hint + "_matmul");
            if (layer.UseBias) y = g.Add("Add", new[] { y, g.Initializer(call.Hint + "_bias", weights[1]) }, call.Hint + "_biased");
            y = OnnxActivations.Apply(g, layer.Activation, y, call.Hint + "_" + layer.Activation.Name);
            return new[] { call.Output(y, call.PassedMask) };
        }
    }
}
