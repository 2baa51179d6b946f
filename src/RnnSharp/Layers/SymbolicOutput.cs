using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace RnnSharp.Layers
{
    /// <summary>
    /// The result of calling a layer on <see cref="KerasTensor"/>s (<see cref="Layer.Call(KerasTensor, KerasTensor?, IReadOnlyList{KerasTensor}?, bool?)"/>),
    /// the symbolic counterpart of <see cref="LayerOutput"/>. It is the layer's output (a <see cref="KerasTensor"/>, so it
    /// goes wherever one does), and it also enumerates every returned tensor, the output followed by the final states
    /// when the layer was built with <c>returnState</c> (or every output of a model with several), and deconstructs:
    /// <c>var (seq, h, c) = lstm.Call(x);</c>. Passed on, to a layer or as a model output, it is its output; list
    /// <see cref="All"/> for the states too.
    /// </summary>
    public sealed class SymbolicOutput : KerasTensor, IEnumerable<KerasTensor>
    {
        private KerasTensor[] tensors = Array.Empty<KerasTensor>();

        private SymbolicOutput(int?[] shape, string dtype, Layer layer, int nodeIndex, int? maskRank)
            : base(shape, dtype, layer, nodeIndex, 0, maskRank)
        {
        }

        /// <summary>Makes the outputs of a node: the first is the result, which lists them all.</summary>
        internal static SymbolicOutput Create(IReadOnlyList<int?[]> shapes, string dtype, Layer layer, int nodeIndex, IReadOnlyList<int?> maskRanks)
        {
            var result = new SymbolicOutput(shapes[0], dtype, layer, nodeIndex, maskRanks[0]);
            result.tensors = new KerasTensor[] { result }.Concat(shapes.Skip(1).Select((s, i) => KerasTensor.Create(s, dtype, layer, nodeIndex, i + 1, maskRanks[i + 1]))).ToArray();
            return result;
        }

        /// <summary>The layer's output (this tensor).</summary>
        public KerasTensor Output => this;

        /// <summary>The returned states (empty unless <c>returnState</c>).</summary>
        public IReadOnlyList<KerasTensor> States => new ArraySegment<KerasTensor>(tensors, 1, tensors.Length - 1);

        /// <summary>Every returned tensor, in Keras order.</summary>
        public IReadOnlyList<KerasTensor> All => tensors;

        /// <summary>Number of returned tensors.</summary>
        public int Count => tensors.Length;

        /// <summary>The returned tensors in Keras order: output, then states.</summary>
        public KerasTensor this[int index] => tensors[index];

        /// <summary>Deconstructs into the output and one state.</summary>
        public void Deconstruct(out KerasTensor output, out KerasTensor state)
        {
            Expect(2);
            output = tensors[0];
            state = tensors[1];
        }

        /// <summary>Deconstructs into the output and two states (an LSTM's <c>h</c> and <c>c</c>).</summary>
        public void Deconstruct(out KerasTensor output, out KerasTensor state1, out KerasTensor state2)
        {
            Expect(3);
            output = tensors[0];
            state1 = tensors[1];
            state2 = tensors[2];
        }

        /// <inheritdoc />
        public IEnumerator<KerasTensor> GetEnumerator() => ((IEnumerable<KerasTensor>)tensors).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => tensors.GetEnumerator();

        private void Expect(int count)
        {
            if (tensors.Length != count) throw LayerOutput.CannotDeconstruct(tensors.Length, count);
        }
    }
}
