using System.Collections.Generic;

namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// Converts one kind of layer into ONNX nodes. One converter a file under <c>Converters/</c>; each is listed once in
    /// <see cref="OnnxConverters"/>.
    /// </summary>
    internal abstract class OnnxLayerConverter
    {
        /// <summary>Throws <see cref="System.NotSupportedException"/> (naming the layer and the option) when the layer's
        /// options cannot be exported; called for every layer before anything is written.</summary>
        public virtual void Check(RnnSharp.Layers.Layer layer)
        {
        }

        /// <summary>The Keras call arguments (e.g. <c>use_causal_mask</c>) the converter reads from
        /// <see cref="OnnxLayerCall.CallArguments"/>; a call with any other is refused.</summary>
        public virtual IReadOnlyCollection<string> CallArgumentNames => System.Array.Empty<string>();

        /// <summary>Adds the nodes of <paramref name="call"/>; returns the call's outputs (in the layer's output order), each
        /// with the mask Keras's <c>compute_mask</c> gives it.</summary>
        public abstract IReadOnlyList<OnnxValue> Convert(OnnxLayerCall call);
    }
}
