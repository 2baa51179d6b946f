using System;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A cell with Keras's recurrent dropout (Keras's <c>DropoutRNNCell</c>): a fraction <see cref="Dropout"/> of the
    /// inputs and <see cref="RecurrentDropout"/> of the recurrent state dropped in training, with one mask per sequence
    /// shared by all its timesteps (Gal and Ghahramani, 2016). Derive a custom cell from it to get both arguments: call
    /// <see cref="GetDropoutMask"/> and <see cref="GetRecurrentDropoutMask"/> in <see cref="AbstractRNNCell.Step"/>.
    /// </summary>
    public abstract class DropoutRNNCell : AbstractRNNCell
    {
        private Tensor? dropoutMask;
        private Tensor? recurrentDropoutMask;

        /// <summary>Creates the cell.</summary>
        /// <param name="name">The cell's name; null gives Keras's automatic name.</param>
        /// <param name="dropout">Fraction of the input units to drop in training, in [0, 1).</param>
        /// <param name="recurrentDropout">Fraction of the recurrent units to drop in training, in [0, 1).</param>
        /// <param name="trainable">Whether the cell's weights are trained.</param>
        protected DropoutRNNCell(string? name, double dropout, double recurrentDropout, bool trainable = true)
            : base(name, trainable)
        {
            if (dropout < 0 || dropout >= 1)
                throw new ArgumentException($"`dropout` must be in [0, 1). Received: dropout={dropout}", nameof(dropout));
            if (recurrentDropout < 0 || recurrentDropout >= 1)
                throw new ArgumentException($"`recurrentDropout` must be in [0, 1). Received: recurrentDropout={recurrentDropout}", nameof(recurrentDropout));
            Dropout = dropout;
            RecurrentDropout = recurrentDropout;
        }

        /// <summary>Fraction of the input units dropped in training (one mask per sequence, as Keras).</summary>
        public double Dropout { get; }

        /// <summary>Fraction of the recurrent units dropped in training (one mask per sequence).</summary>
        public double RecurrentDropout { get; }

        /// <summary>
        /// The input dropout mask of the current sequence, <c>(batch, features)</c> for inputs of <paramref name="like"/>'s
        /// batch and last axis, drawn on first use and scaled by <c>1 / (1 - dropout)</c>; null outside training or
        /// without dropout (Keras's <c>get_dropout_mask</c>).
        /// </summary>
        public Tensor? GetDropoutMask(Tensor like, bool training)
        {
            if (!training || Dropout == 0) return null;
            return dropoutMask ??= DropoutMask(like, Dropout).DetachFromDisposeScope();
        }

        /// <summary>
        /// The recurrent dropout mask of the current sequence, <c>(batch, units)</c> for states of <paramref name="like"/>'s
        /// shape, drawn on first use; null outside training or without recurrent dropout (Keras's
        /// <c>get_recurrent_dropout_mask</c>).
        /// </summary>
        public Tensor? GetRecurrentDropoutMask(Tensor like, bool training)
        {
            if (!training || RecurrentDropout == 0) return null;
            return recurrentDropoutMask ??= DropoutMask(like, RecurrentDropout).DetachFromDisposeScope();
        }

        /// <summary>A whole sequence <c>(batch, steps, features)</c> with the input dropout mask of the current sequence
        /// applied to every step (one mask per sequence, as Keras); the sequence itself outside training.</summary>
        internal Tensor DropInputs(Tensor sequence, bool training)
            => GetDropoutMask(sequence, training) is Tensor keep ? sequence * keep.unsqueeze(1) : sequence;

        /// <inheritdoc />
        public override void ResetDropoutMasks()
        {
            dropoutMask?.Dispose();
            recurrentDropoutMask?.Dispose();
            dropoutMask = null;
            recurrentDropoutMask = null;
        }

        private static Tensor DropoutMask(Tensor like, double rate)
        {
            using var keep = full(new[] { like.shape[0], like.shape[^1] }, 1.0 - rate, dtype: like.dtype, device: like.device);
            using var draw = bernoulli(keep);
            return draw / (1.0 - rate);
        }
    }
}
