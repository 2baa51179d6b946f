using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>
    /// <see cref="Attention"/> (Luong: <c>dot</c> or <c>concat</c> scores, optional scale) and
    /// <see cref="AdditiveAttention"/> (Bahdanau) on inputs <c>[query, value(, key)]</c> of rank 3, as RnnSharp
    /// computes them: scores, masked by the value mask (and the causal mask with <c>use_causal_mask</c>) as
    /// <c>Where(mask, scores, scores - 1e9)</c>, <c>Softmax</c> over the values, <c>MatMul</c> with the values, zeros at
    /// query steps the query mask drops; the attention weights as a second output with <c>return_attention_scores</c>.
    /// The output's mask is the query's.
    /// </summary>
    internal sealed class DenseAttentionConverter : OnnxLayerConverter
    {
        private static readonly string[] Arguments = { "use_causal_mask", "return_attention_scores" };

        public override IReadOnlyCollection<string> CallArgumentNames => Arguments;

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (BaseDenseAttention)call.Layer;
            var g = call.Graph;
            string h = call.Hint;
            if (call.Inputs.Count is < 2 or > 3 || call.Inputs.Any(i => i.Rank != 3))
                throw call.Unsupported($"inputs of ranks {string.Join(", ", call.Inputs.Select(i => i.Rank))}", "[query, value(, key)] of rank 3");
            var query = call.Inputs[0];
            var value = call.Inputs[1];
            var key = call.Inputs.Count > 2 ? call.Inputs[2] : value;
            var weights = layer.GetWeights();
            string scores;
            if (layer is Attention { ScoreMode: "dot" } dot)
            {
                scores = g.Add("MatMul", new[] { query.Name, g.Transpose(key.Name, h + "_key_t", 0, 2, 1) }, h + "_scores");
                if (dot.UseScale) scores = g.Add("Mul", new[] { scores, g.Initializer(h + "_scale", weights[0]) }, h + "_scaled_scores");
            }
            else
            {
                // (batch, Tq, 1, dim) + (batch, 1, Tv, dim)
                string sum = g.Add("Add", new[] { g.Unsqueeze(query.Name, h + "_query4", 2), g.Unsqueeze(key.Name, h + "_key4", 1) }, h + "_sum");
                if (layer is Attention concat)
                {
                    if (concat.UseScale) sum = g.Add("Mul", new[] { sum, g.Initializer(h + "_scale", weights[0]) }, h + "_scaled_sum");
                    scores = g.Add("ReduceSum", new[] { g.Add("Tanh", new[] { sum }, h + "_tanh"), g.Int64s(-1) }, h + "_terms", OnnxGraphBuilder.Attr("keepdims", 0L));
                    scores = g.Add("Mul", new[] { scores, g.Initializer(h + "_concat_score_weight", weights[concat.UseScale ? 1 : 0]) }, h + "_scores");
                }
                else
                {
                    string terms = g.Add("Tanh", new[] { sum }, h + "_tanh");
                    if (((AdditiveAttention)layer).UseScale) terms = g.Add("Mul", new[] { terms, g.Initializer(h + "_scale", weights[0]) }, h + "_scaled_terms");
                    scores = g.Add("ReduceSum", new[] { terms, g.Int64s(-1) }, h + "_scores", OnnxGraphBuilder.Attr("keepdims", 0L));
                }
            }
            string? scoresMask = value.Mask is null ? null : g.Unsqueeze(value.Mask, h + "_value_mask3", 1);
            if (call.CallArguments.GetValueOrDefault("use_causal_mask") is true)
            {
                // Query step i sees value steps j <= i: (Tq, 1) >= (1, Tv).
                string shape = g.Add("Shape", new[] { scores }, h + "_scores_shape");
                string Range(int axis, string name) => g.Add("Range", new[] { g.Int64(0), g.Squeeze(g.Add("Slice", new[] { shape, g.Int64s(axis), g.Int64s(axis + 1) }, name + "_size1"), name + "_size", 0), g.Int64(1) }, name);
                string causal = g.Add("GreaterOrEqual", new[] { g.Unsqueeze(Range(1, h + "_query_steps"), h + "_query_col", 1), g.Unsqueeze(Range(2, h + "_value_steps"), h + "_value_row", 0) }, h + "_causal");
                scoresMask = scoresMask is null ? causal : g.Add("And", new[] { scoresMask, causal }, h + "_scores_mask");
            }
            if (scoresMask is not null)
                scores = g.Add("Where", new[] { scoresMask, scores, g.Add("Sub", new[] { scores, g.Float(1e9f) }, h + "_lowered") }, h + "_masked_scores");
            string attention = g.Add("Softmax", new[] { scores }, h + "_weights", OnnxGraphBuilder.Attr("axis", -1L));
            string output = g.Add("MatMul", new[] { attention, value.Name }, h + "_output");
            if (query.Mask is not null)
                output = g.Add("Where", new[] { g.Unsqueeze(query.Mask, h + "_query_mask3", 2), output, g.Float(0f) }, h);
            var shapes = call.Layer.ComputeOutputShapes(call.Inputs.Select(i => i.Shape).ToArray());
            var result = new List<OnnxValue> { new(output, shapes[0], query.Mask) };
            if (call.CallArguments.GetValueOrDefault("return_attention_scores") is true)
                result.Add(new OnnxValue(attention, new[] { query.Shape[0], query.Shape[1], value.Shape[1] }));
            return result;
        }
    }
}
