using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx.Converters
{
    /// <summary><see cref="SimpleRNN"/>, <see cref="LSTM"/>, <see cref="GRU"/> (and <see cref="RNN"/> over one of their
    /// cells) as one ONNX <c>RNN</c>/<c>LSTM</c>/<c>GRU</c> operator; <c>goBackwards</c> reverses the input (and mask)
    /// first, as Keras does, and returns the sequence in processing order.</summary>
    internal sealed class RnnConverter : OnnxLayerConverter
    {
        public override void Check(Layer layer) => OnnxRecurrence.Check((RNN)layer);

        public override IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call)
        {
            var layer = (RNN)call.Layer;
            var g = call.Graph;
            var input = call.Input;
            string x = input.Name;
            string? mask = input.Mask;
            if (layer.GoBackwards)
            {
                x = g.Reverse(x, 1, call.Hint + "_reversed");
                if (mask is not null) mask = g.Reverse(mask, 1, call.Hint + "_mask_reversed");
            }
            var states = call.InitialStates.Count > 0 ? call.InitialStates.Select(s => s.Name).ToArray() : null;
            var result = OnnxRecurrence.Emit(g, call.Hint, x, mask, new[] { new OnnxRecurrence.Direction(layer, states) }, layer.ReturnSequences);
            var shapes = call.OutputShapes;
            var outputs = new List<OnnxValue>
            {
                new(layer.ReturnSequences ? result.Sequences[0]! : result.Lasts[0], shapes[0], layer.ReturnSequences ? input.Mask : null),
            };
            if (layer.ReturnState) outputs.AddRange(result.States[0].Select((s, i) => new OnnxValue(s, shapes[1 + i])));
            return outputs;
        }
    }
}
