using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Reshape"/> as ONNX <c>Reshape</c> to <c>(batch, targetShape...)</c> (0 keeps the batch
    /// size, -1 is inferred as in Keras).</summary>
    internal sealed class ReshapeConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Reshape)call.Layer;
            var g = call.Graph;
            string shape = g.Int64s(new long[] { 0 }.Concat(layer.TargetShape.Select(d => (long)d)).ToArray());
            return new[] { call.Output(g.Add("Reshape", new[] { call.Input.Name, shape }, call.Hint), null) };
        }
    }
}
