using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Ops;
using RnnSharp.Utils;

namespace RnnSharp
{
    /// <summary>
    /// Keras's symbolic tensor (<c>KerasTensor</c>): what <see cref="Keras.Input"/> returns and what calling a layer on
    /// symbolic tensors returns. It holds no data: its shape (<c>null</c> where unknown, the batch axis first), its
    /// dtype, whether a mask travels with it, and where it came from (the layer, the node of that layer's call and the
    /// index among that call's outputs, Keras's <c>_keras_history</c>). A <see cref="Model"/> is made from the graph
    /// these tensors record.
    /// </summary>
    public class KerasTensor
    {
        private readonly int?[] shape;

        private protected KerasTensor(int?[] shape, string dtype, Layer layer, int nodeIndex, int tensorIndex, int? maskRank)
        {
            this.shape = (int?[])shape.Clone();
            DType = dtype;
            Layer = layer;
            NodeIndex = nodeIndex;
            TensorIndex = tensorIndex;
            MaskRank = maskRank;
        }

        /// <summary>Makes one output of a node.</summary>
        internal static KerasTensor Create(int?[] shape, string dtype, Layer layer, int nodeIndex, int tensorIndex, int? maskRank)
            => new(shape, dtype, layer, nodeIndex, tensorIndex, maskRank);

        /// <summary>The shape, batch axis first, <c>null</c> where unknown.</summary>
        public IReadOnlyList<int?> Shape => shape;

        /// <summary>The dtype (<c>float32</c>, <c>int64</c>, <c>bool</c>, ...).</summary>
        public string DType { get; }

        /// <summary>The layer whose call produced the tensor (an <see cref="InputLayer"/> for an input).</summary>
        public Layer Layer { get; }

        /// <summary>Which of <see cref="Layer"/>'s calls (<see cref="Layer.InboundNodes"/>) produced the tensor.</summary>
        public int NodeIndex { get; }

        /// <summary>Which of that call's outputs the tensor is (0 the output, then the states).</summary>
        public int TensorIndex { get; }

        /// <summary>The call that produced the tensor.</summary>
        public Node Node => Layer.InboundNodes[NodeIndex];

        /// <summary>Whether a mask travels with the tensor (Keras's <c>_keras_mask</c>), e.g. after an
        /// <see cref="Embedding"/> with <c>maskZero</c>; it flows into the layers called on the tensor.</summary>
        public bool HasMask => MaskRank is not null;

        /// <summary>The rank of the mask (its shape is the tensor's leading axes), or null without one.</summary>
        internal int? MaskRank { get; }

        /// <summary>The mask's shape (the tensor's leading <see cref="MaskRank"/> axes), or null without one.</summary>
        internal int?[]? MaskShape => MaskRank is int rank ? shape.Take(rank).ToArray() : null;

        /// <summary>The shape as an array (a copy).</summary>
        internal int?[] ShapeArray => (int?[])shape.Clone();

        /// <summary>As Keras prints it: <c>&lt;KerasTensor: shape=(None, 10) dtype=float32 (created by layer 'input_1')&gt;</c>.</summary>
        public override string ToString()
            => $"<KerasTensor: shape={ShapeUtils.Format(shape)} dtype={DType} (created by layer '{Layer.Name}')>";
    }
}
