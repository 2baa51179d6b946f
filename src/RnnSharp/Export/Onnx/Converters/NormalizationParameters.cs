using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>The normalization layers' parameters by Keras weight name, reshaped to broadcast over the input (size 1
    /// on every axis not normalized, the batch axis included).</summary>
    internal static class NormalizationParameters
    {
        /// <summary>The normalized axes of an input of <paramref name="rank"/>, non-negative and sorted.</summary>
        public static long[] Axes(IReadOnlyList<int> axes, int rank) => axes.Select(a => (long)(a < 0 ? a + rank : a)).OrderBy(a => a).ToArray();

        /// <summary>Each weight of <paramref name="layer"/> by name, as a float tensor shaped to broadcast.</summary>
        public static Dictionary<string, Tensor> Broadcastable(Layer layer, long[] axes, int?[] inputShape)
        {
            var shape = Enumerable.Range(0, inputShape.Length).Select(i => axes.Contains(i) ? (long)inputShape[i]!.Value : 1L).ToArray();
            var values = layer.GetWeights();
            return layer.Weights.Select((w, i) => (w.Name, Value: values[i].detach().cpu().to(ScalarType.Float64).reshape(shape)))
                .ToDictionary(p => p.Name, p => p.Value);
        }
    }
}
