using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="Dot"/> on two inputs of rank 2 or 3 (Keras's <c>batch_dot</c>): the first input's axis moved
    /// last, the second's to 1, then <c>MatMul</c>; with <c>normalize</c> each input first divided by
    /// <c>sqrt(max(Σx², 1e-12))</c> along its axis. No mask leaves the layer.</summary>
    internal sealed class DotConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Dot)call.Layer;
            var g = call.Graph;
            if (call.Inputs.Count != 2 || call.Inputs.Any(i => i.Rank is not (2 or 3)) || call.Inputs[0].Rank != call.Inputs[1].Rank)
                throw call.Unsupported($"inputs of ranks {string.Join(", ", call.Inputs.Select(i => i.Rank))}", "two inputs, both of rank 2 or both of rank 3");
            int rank = call.Inputs[0].Rank;
            long Axis(int a) => a < 0 ? ((a % rank) + rank) % rank : a;
            long a0 = Axis(layer.Axes[0]), a1 = Axis(layer.Axes[1]);
            string x = call.Inputs[0].Name, y = call.Inputs[1].Name;
            if (layer.Normalize)
            {
                x = L2Normalize(g, x, a0, call.Hint + "_x");
                y = L2Normalize(g, y, a1, call.Hint + "_y");
            }
            string result;
            if (rank == 2)
            {
                // (batch, d) · (batch, d) → (batch, 1)
                result = g.Add("ReduceSum", new[] { g.Add("Mul", new[] { x, y }, call.Hint + "_products"), g.Int64s(1) }, call.Hint, OnnxGraphBuilder.Attr("keepdims", 1L));
            }
            else
            {
                if (a0 != 2) x = g.Transpose(x, call.Hint + "_x_t", 0, 2, 1);
                if (a1 != 1) y = g.Transpose(y, call.Hint + "_y_t", 0, 2, 1);
                result = g.Add("MatMul", new[] { x, y }, call.Hint);
            }
            return new[] { call.Output(result, null) };
        }

        private static string L2Normalize(OnnxGraphBuilder g, string x, long axis, string hint)
        {
            string sum = g.Add("ReduceSum", new[] { g.Add("Mul", new[] { x, x }, hint + "_square"), g.Int64s(axis) }, hint + "_sum", OnnxGraphBuilder.Attr("keepdims", 1L));
            return g.Add("Div", new[] { x, g.Add("Sqrt", new[] { g.Add("Max", new[] { sum, g.Float(1e-12f) }, hint + "_clamped") }, hint + "_norm") }, hint + "_normalized");
        }
    }
}
