using System.Collections.Generic;
using Onnx;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Embedding"/> as <c>Gather</c> of its matrix by the indices (cast to int64); with
    /// <c>maskZero</c> the mask is computed in the graph as <c>indices != 0</c>.</summary>
    internal sealed class EmbeddingConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Embedding)call.Layer;
            var g = call.Graph;
            string indices = g.Cast(call.Input.Name, TensorProto.Types.DataType.Int64, call.Hint + "_indices");
            string y = g.Add("Gather", new[] { g.Initializer(call.Hint + "_embeddings", layer.GetWeights()[0]), indices }, call.Hint, OnnxGraphBuilder.Attr("axis", 0L));
            string? mask = layer.MaskZero
                ? g.Add("Not", new[] { g.Add("Equal", new[] { indices, g.Int64(0) }, call.Hint + "_is_padding") }, call.Hint + "_mask")
                : null;
            return new[] { call.Output(y, mask) };
        }
    }
}
