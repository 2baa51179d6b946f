using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx
{
    /// <summary>One call of a layer to convert: the layer, its inputs (with their masks) and the initial states given to
    /// the call (recurrent layers), and the graph to add nodes to.</summary>
    internal sealed class OnnxLayerCall
    {
        public OnnxLayerCall(OnnxGraphBuilder graph, Layer layer, IReadOnlyList<OnnxValue> inputs, IReadOnlyList<OnnxValue>? initialStates = null,
            IReadOnlyDictionary<string, object?>? callArguments = null)
        {
            CallArguments = callArguments ?? new Dictionary<string, object?>();
            Graph = graph;
            Layer = layer;
            Inputs = inputs;
            InitialStates = initialStates ?? Array.Empty<OnnxValue>();
        }

        /// <summary>The graph being built.</summary>
        public OnnxGraphBuilder Graph { get; }

        /// <summary>The layer called.</summary>
        public Layer Layer { get; }

        /// <summary>The call's inputs, each with its mask.</summary>
        public IReadOnlyList<OnnxValue> Inputs { get; }

        /// <summary>The single input of a one-input call.</summary>
        public OnnxValue Input => Inputs.Count == 1 ? Inputs[0]
            : throw Unsupported($"{Inputs.Count} inputs", "one input");

        /// <summary>Initial states given to the call (empty: the layer's own, zeros).</summary>
        public IReadOnlyList<OnnxValue> InitialStates { get; }

        /// <summary>The call's Keras call arguments (constants; only those the converter names).</summary>
        public IReadOnlyDictionary<string, object?> CallArguments { get; }

        /// <summary>The prefix for the names of the values this call adds.</summary>
        public string Hint => Layer.Name;

        /// <summary>The Keras output shapes of the call.</summary>
        public IReadOnlyList<int?[]> OutputShapes
            => Inputs.Count == 1 && Layer is not Merge ? Layer.ComputeOutputShapes(Inputs[0].Shape) : Layer.ComputeOutputShapes(Inputs.Select(i => i.Shape).ToArray());

        /// <summary>The call's single output value with its Keras shape (the layer's first output shape) and mask.</summary>
        public OnnxValue Output(string name, string? mask) => new(name, OutputShapes[0], mask);

        /// <summary>The input's mask passed on, as Keras's default <c>compute_mask</c>: by a layer that supports masking,
        /// dropped by any other (which ignores it, as RnnSharp's layers do).</summary>
        public string? PassedMask => Layer.SupportsMasking ? Input.Mask : null;

        /// <summary>An error for an option or layer the export does not support, naming the layer.</summary>
        public NotSupportedException Unsupported(string what, string? supported = null)
            => OnnxExporter.Unsupported(Layer, what, supported);
    }
}
