using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary>
    /// <see cref="Bidirectional"/>: both directions as one ONNX operator with <c>direction = "bidirectional"</c> when
    /// they are of one kind and the wrapped layer runs forwards (the usual case, every merge mode: the merge follows the
    /// operator), else one operator per layer, each in its own direction; then the merge (<c>Concat</c>, <c>Add</c>, <c>Mul</c>, the average as <c>Add</c> then <c>Div</c>, or
    /// both outputs for mergeMode null).
    /// </summary>
    internal sealed class BidirectionalConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer)
        {
            var bidirectional = (Bidirectional)layer;
            OnnxRecurrence.Check(bidirectional.ForwardLayer);
            OnnxRecurrence.Check(bidirectional.BackwardLayer);
        }

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (Bidirectional)call.Layer;
            var g = call.Graph;
            var input = call.Input;
            string hint = call.Hint;
            bool sequences = layer.ReturnSequences;
            string[]? forwardStates = null, backwardStates = null;
            if (call.InitialStates.Count > 0)
            {
                int half = call.InitialStates.Count / 2;
                forwardStates = call.InitialStates.Take(half).Select(s => s.Name).ToArray();
                backwardStates = call.InitialStates.Skip(half).Select(s => s.Name).ToArray();
            }
            var forward = new OnnxRecurrence.Direction(layer.ForwardLayer, forwardStates);
            var backward = new OnnxRecurrence.Direction(layer.BackwardLayer, backwardStates);

            string f, b;
            string[] fStates, bStates;
            if (!layer.ForwardLayer.GoBackwards && OnnxRecurrence.CanShareOperator(layer.ForwardLayer, layer.BackwardLayer))
            {
                var result = OnnxRecurrence.Emit(g, hint, input.Name, input.Mask, new[] { forward, backward }, sequences);
                f = sequences ? result.Sequences[0]! : result.Lasts[0];
                b = sequences ? result.Sequences[1]! : result.Lasts[1];
                (fStates, bStates) = (result.States[0], result.States[1]);
            }
            else
            {
                // Each layer over the input in its own direction (goBackwards reverses it), as Keras runs the two.
                OnnxRecurrence.Result Run(RNN rnn, OnnxRecurrence.Direction direction)
                {
                    string x = input.Name;
                    string? m = input.Mask;
                    if (rnn.GoBackwards)
                    {
                        x = g.Reverse(x, 1, rnn.Name + "_reversed");
                        if (m is not null) m = g.Reverse(m, 1, rnn.Name + "_mask_reversed");
                    }
                    return OnnxRecurrence.Emit(g, rnn.Name, x, m, new[] { direction }, sequences);
                }
                var fr = Run(layer.ForwardLayer, forward);
                var br = Run(layer.BackwardLayer, backward);
                f = sequences ? fr.Sequences[0]! : fr.Lasts[0];
                // The backward layer's sequence is in its processing order: reversed, as Keras does, before the merge.
                b = sequences ? g.Reverse(br.Sequences[0]!, 1, hint + "_backward_reversed") : br.Lasts[0];
                (fStates, bStates) = (fr.States[0], br.States[0]);
            }

            var shapes = call.OutputShapes;
            string? mask = sequences ? input.Mask : null;
            var outputs = new List<OnnxValue>();
            if (layer.MergeMode is null)
            {
                outputs.Add(new OnnxValue(f, shapes[0], mask));
                outputs.Add(new OnnxValue(b, shapes[1], mask));
            }
            else
            {
                string merged = layer.MergeMode switch
                {
                    "concat" => g.Add("Concat", new[] { f, b }, hint, OnnxGraphBuilder.Attr("axis", -1L)),
                    "sum" => g.Add("Add", new[] { f, b }, hint),
                    "mul" => g.Add("Mul", new[] { f, b }, hint),
                    "ave" => g.Add("Div", new[] { g.Add("Add", new[] { f, b }, hint + "_sum"), g.Float(2f) }, hint),
                    var other => throw call.Unsupported($"mergeMode \"{other}\"", "concat, sum, mul, ave, null"),
                };
                outputs.Add(new OnnxValue(merged, shapes[0], mask));
            }
            int first = outputs.Count;
            if (layer.ReturnState) outputs.AddRange(fStates.Concat(bStates).Select((s, i) => new OnnxValue(s, shapes[first + i])));
            return outputs;
        }
    }
}
