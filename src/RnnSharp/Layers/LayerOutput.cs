using System;
using System.Collections;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// The result of <see cref="Layer.Call(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, IReadOnlyList{TorchSharp.torch.Tensor}?, bool)"/>, as Keras's <c>layer(x)</c>: the output tensor, followed by the
    /// final states when the layer was built with <c>returnState</c>. Converts implicitly to the output
    /// <see cref="Tensor"/> and deconstructs: <c>var (seq, h) = rnn.Call(x);</c>, <c>var (y, h, c) = lstm.Call(x);</c>.
    /// </summary>
    public sealed class LayerOutput : IEnumerable<Tensor>
    {
        private readonly Tensor[] tensors;

        /// <summary>Creates a result from the output and the states (if any).</summary>
        public LayerOutput(Tensor output, params Tensor[] states)
        {
            tensors = new Tensor[1 + states.Length];
            tensors[0] = output;
            Array.Copy(states, 0, tensors, 1, states.Length);
        }

        /// <summary>The masks of the outputs when the call computed them (a model's call does, running its graph), so
        /// callers need not ask <see cref="Layer.ComputeMask(Tensor, Tensor?)"/>; null when the call did not.</summary>
        internal KnownMasks? ComputedMask { get; init; }

        /// <summary>The masks a call computed, one per returned tensor (null entries: no mask).</summary>
        internal sealed record KnownMasks(IReadOnlyList<Tensor?> Masks);

        /// <summary>The layer's output.</summary>
        public Tensor Output => tensors[0];

        /// <summary>The returned states (empty unless <c>returnState</c>): <c>[h]</c>, or <c>[h, c]</c> for an LSTM.</summary>
        public IReadOnlyList<Tensor> States => new ArraySegment<Tensor>(tensors, 1, tensors.Length - 1);

        /// <summary>Every returned tensor, in Keras order (output, then states). (The result itself is not a list, so that
        /// passing it on, <c>dense.Call(lstm.Call(x))</c>, passes its output.)</summary>
        public IReadOnlyList<Tensor> All => tensors;

        /// <summary>Number of returned tensors: 1 plus the number of states.</summary>
        public int Count => tensors.Length;

        /// <summary>The returned tensors in Keras order: output, then states.</summary>
        public Tensor this[int index] => tensors[index];

        /// <summary>The same result with <paramref name="output"/> in place of the output (states unchanged).</summary>
        public LayerOutput WithOutput(Tensor output)
        {
            var states = new Tensor[tensors.Length - 1];
            Array.Copy(tensors, 1, states, 0, states.Length);
            return new LayerOutput(output, states);
        }

        /// <summary>The output tensor.</summary>
        public static implicit operator Tensor(LayerOutput result) => result.Output;

        /// <summary>Deconstructs into the output and one state.</summary>
        public void Deconstruct(out Tensor output, out Tensor state)
        {
            Expect(2);
            output = tensors[0];
            state = tensors[1];
        }

        /// <summary>Deconstructs into the output and two states (an LSTM's <c>h</c> and <c>c</c>).</summary>
        public void Deconstruct(out Tensor output, out Tensor state1, out Tensor state2)
        {
            Expect(3);
            output = tensors[0];
            state1 = tensors[1];
            state2 = tensors[2];
        }

        /// <inheritdoc />
        public IEnumerator<Tensor> GetEnumerator() => ((IEnumerable<Tensor>)tensors).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => tensors.GetEnumerator();

        private void Expect(int count)
        {
            if (tensors.Length != count) throw CannotDeconstruct(tensors.Length, count);
        }

        /// <summary>The error of deconstructing a result of <paramref name="have"/> tensors into <paramref name="want"/>.</summary>
        internal static InvalidOperationException CannotDeconstruct(int have, int want)
            => new($"Cannot deconstruct a layer result of {have} tensor(s) into {want}: " +
                   (have == 1 ? "the layer was not built with returnState: true." : $"it holds the output and {have - 1} state(s)."));
    }
}
