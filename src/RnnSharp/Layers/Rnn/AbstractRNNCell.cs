using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>AbstractRNNCell</c>: one step of a recurrence, the unit that <see cref="RNN"/> runs over a sequence.
    /// Derive from it to write a custom cell: give the size of each state (<see cref="StateSize"/>), the size of the
    /// output (<see cref="OutputSize"/>), create the weights in <see cref="Layer.Build(int?[])"/> (the cell is built for
    /// <c>(batch, features)</c>, one timestep) and compute one step in <see cref="Step"/>.
    /// </summary>
    /// <example>
    /// A minimal cell, <c>h_t = softsign(x_t · W + h_{t-1} · U)</c>:
    /// <code>
    /// sealed class MinimalCell : AbstractRNNCell
    /// {
    ///     private Parameter? w, u;
    ///     public MinimalCell(int units) : base(null) => Units = units;
    ///     public int Units { get; }
    ///     public override IReadOnlyList&lt;int&gt; StateSize => new[] { Units };
    ///     public override int OutputSize => Units;
    ///     protected override void BuildCore(int?[] inputShape)
    ///     {
    ///         w = new Parameter(randn(inputShape[^1]!.Value, Units) * 0.1); register_parameter("w", w);
    ///         u = new Parameter(randn(Units, Units) * 0.1); register_parameter("u", u);
    ///     }
    ///     public override (Tensor Output, Tensor[] States) Step(Tensor input, IReadOnlyList&lt;Tensor&gt; states, bool training)
    ///     {
    ///         var h = nn.functional.softsign(input.matmul(w!) + states[0].matmul(u!));
    ///         return (h, new[] { h });
    ///     }
    /// }
    /// var rnn = new RNN(new MinimalCell(3), returnSequences: true);   // runs step by step
    /// </code>
    /// </example>
    public abstract class AbstractRNNCell : Layer
    {
        /// <summary>Creates a cell.</summary>
        /// <param name="name">The cell's name; null gives Keras's automatic name from the class (<c>lstm_cell</c>, ...).</param>
        /// <param name="trainable">Whether the cell's weights are trained.</param>
        protected AbstractRNNCell(string? name, bool trainable = true) : base(name, trainable: trainable)
        {
        }

        /// <summary>The size of each state tensor, in order (Keras's <c>state_size</c>): <c>[units]</c> for SimpleRNN and
        /// GRU cells, <c>[units, units]</c> (h, c) for an LSTM cell.</summary>
        public abstract IReadOnlyList<int> StateSize { get; }

        /// <summary>The size of the output of one step (Keras's <c>output_size</c>).</summary>
        public abstract int OutputSize { get; }

        /// <summary>
        /// One step: the output and the new states for the input of one timestep, <c>(batch, features)</c>, and the
        /// previous states, each <c>(batch, StateSize[i])</c> (Keras's <c>cell.call(inputs, states, training)</c>).
        /// </summary>
        public abstract (Tensor Output, Tensor[] States) Step(Tensor input, IReadOnlyList<Tensor> states, bool training);

        /// <summary>The initial states for a batch: zeros of <c>(batch, StateSize[i])</c> (Keras's <c>get_initial_state</c>).</summary>
        public virtual Tensor[] GetInitialState(long batchSize, ScalarType dtype, Device device)
            => StateSize.Select(size => zeros(batchSize, size, dtype: dtype, device: device)).ToArray();

        /// <summary>
        /// Forgets the dropout masks of the previous sequence; <see cref="RNN"/> calls it before each sequence so a cell
        /// that drops units uses one mask per sequence, as Keras's <c>DropoutRNNCellMixin</c>.
        /// </summary>
        public virtual void ResetDropoutMasks()
        {
        }

        /// <inheritdoc />
        protected internal override bool AcceptsInitialState => true;

        /// <summary>Runs one step, as Keras's <c>cell(inputs, states)</c>: <paramref name="initialState"/> holds the
        /// previous states (zeros when omitted); the result is the output followed by the new states.</summary>
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            if (inputs.dim() != 2)
                throw new ShapeMismatchException(
                    $"Cell \"{Name}\" ({GetType().Name}) takes one timestep, (batch, features); received {ShapeUtils.Format(inputs.shape)}. Wrap it in RNN to run a sequence.");
            var states = initialState is { Count: > 0 } ? initialState.ToArray() : GetInitialState(inputs.shape[0], inputs.dtype, inputs.device);
            if (states.Length != StateSize.Count)
                throw new ArgumentException($"Cell \"{Name}\" ({GetType().Name}) expects {StateSize.Count} state tensor(s), but it received {states.Length}.");
            var (output, next) = Step(inputs, states, training);
            return new LayerOutput(output, next);
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => new[] { inputShape[0], (int?)OutputSize };
    }
}
