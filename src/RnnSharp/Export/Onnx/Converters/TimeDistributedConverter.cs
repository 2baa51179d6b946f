using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="TimeDistributed"/>: the inner layer's converter on the input with batch and time folded into
    /// one axis (<c>Reshape</c>), then unfolded; a <see cref="Dense"/> inside is applied to the sequence directly
    /// (<c>MatMul</c> acts on the last axis). The mask passes through.</summary>
    internal sealed class TimeDistributedConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer)
        {
            var inner = ((TimeDistributed)layer).Layer;
            if (inner is Model) throw OnnxExporter.Unsupported(layer, "a model inside TimeDistributed", "a layer");
            OnnxConverters.For(inner).Check(inner);
        }

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (TimeDistributed)call.Layer;
            var g = call.Graph;
            var input = call.Input;
            var inner = layer.Layer;
            var converter = OnnxConverters.For(inner);
            if (inner is Dense)
            {
                var direct = converter.Convert(new OnnxLayerCall(g, inner, new[] { input with { Mask = null } }));
                return new[] { call.Output(direct[0].Name, input.Mask) };
            }
            var rest = input.Shape.Skip(2).ToArray();
            if (rest.Any(d => d is null))
                throw call.Unsupported($"an input with unknown feature axes {Utils.ShapeUtils.Format(input.Shape)}", "known sizes past the time axis");
            string folded = g.Add("Reshape", new[] { input.Name, g.Int64s(new long[] { -1 }.Concat(rest.Select(d => (long)d!.Value)).ToArray()) }, call.Hint + "_folded");
            var innerShape = new int?[] { null }.Concat(rest).ToArray();
            var result = converter.Convert(new OnnxLayerCall(g, inner, new[] { new OnnxValue(folded, innerShape) }))[0];
            var outRest = result.Shape.Skip(1).ToArray();
            if (outRest.Any(d => d is null))
                throw call.Unsupported($"an inner output with unknown axes {Utils.ShapeUtils.Format(result.Shape)}", "known sizes");
            string batchAndTime = g.Add("Slice", new[] { g.Add("Shape", new[] { input.Name }, call.Hint + "_shape"), g.Int64s(0), g.Int64s(2) }, call.Hint + "_batch_time");
            string shape = g.Add("Concat", new[] { batchAndTime, g.Int64s(outRest.Select(d => (long)d!.Value).ToArray()) }, call.Hint + "_out_shape", OnnxGraphBuilder.Attr("axis", 0L));
            return new[] { call.Output(g.Add("Reshape", new[] { result.Name, shape }, call.Hint), input.Mask) };
        }
    }
}
