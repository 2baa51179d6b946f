using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Permute"/> as ONNX <c>Transpose</c> with the batch axis kept first.</summary>
    internal sealed class PermuteConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Permute)call.Layer;
            var perm = new long[] { 0 }.Concat(layer.Dims.Select(d => (long)d)).ToArray();
            return new[] { call.Output(call.Graph.Transpose(call.Input.Name, call.Hint, perm), null) };
        }
    }
}
