using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>The element-wise merges (<see cref="Add"/>, <see cref="Subtract"/>, <see cref="Multiply"/>,
    /// <see cref="Average"/>, <see cref="Maximum"/>, <see cref="Minimum"/>) with ONNX's broadcasting; the output mask is
    /// the AND of the inputs' masks, as Keras's <c>_Merge.compute_mask</c>.</summary>
    internal sealed class MergeConverter : OnnxLayerConverter
    {
        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var g = call.Graph;
            var names = call.Inputs.Select(i => i.Name).ToArray();
            string hint = call.Hint;
            string Fold(string op) => names.Skip(1).Aggregate(names[0], (acc, x) => g.Add(op, new[] { acc, x }, hint + "_" + op.ToLowerInvariant()));
            string y = call.Layer switch
            {
                Add => Fold("Add"),
                Subtract => g.Add("Sub", names, hint),
                Multiply => Fold("Mul"),
                Average => g.Add("Div", new[] { Fold("Add"), g.Float(names.Length) }, hint),
                Maximum => g.Add("Max", names, hint),
                Minimum => g.Add("Min", names, hint),
                var other => throw call.Unsupported($"the merge layer {other.GetType().Name}"),
            };
            return new[] { call.Output(y, AndMasks(g, call)) };
        }

        /// <summary>The AND of the inputs' masks (null when none has one).</summary>
        public static string? AndMasks(OnnxGraphBuilder g, OnnxLayerCall call)
        {
            var masks = call.Inputs.Select(i => i.Mask).OfType<string>().ToArray();
            if (masks.Length == 0) return null;
            return masks.Skip(1).Aggregate(masks[0], (acc, m) => g.Add("And", new[] { acc, m }, call.Hint + "_mask"));
        }
    }
}
