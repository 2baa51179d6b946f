using System.Collections.Generic;
using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>SimpleRNNCell</c>: one step of <c>h_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias)</c>.
    /// Weights (Keras layout): <c>kernel (input_dim, units)</c>, <c>recurrent_kernel (units, units)</c>, <c>bias (units)</c>.
    /// Wrapped in <see cref="RNN"/> (as <see cref="SimpleRNN"/> does) it runs on TorchSharp's fused <c>nn.RNN</c> for
    /// <c>tanh</c> and <c>relu</c>.
    /// </summary>
    public class SimpleRNNCell : FusedRNNCell
    {
        /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Activation; null is Keras's default <c>tanh</c> (pass <c>"linear"</c> for none).</param>
        /// <param name="useBias">Whether the cell has a bias vector.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>; null is <c>orthogonal</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="recurrentRegularizer">Penalty on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c>, or null.</param>
        /// <param name="recurrentConstraint">Constraint on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        /// <param name="dropout">Fraction of input units to drop in training.</param>
        /// <param name="recurrentDropout">Fraction of recurrent units to drop in training.</param>
        /// <param name="name">Cell name; null gives <c>simple_rnn_cell</c>, <c>simple_rnn_cell_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public SimpleRNNCell(
            int units, Activations.Activation? activation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
            double dropout = 0.0, double recurrentDropout = 0.0, string? name = null, bool trainable = true)
            : base(name, units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout, trainable,
                   kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
        {
        }

        /// <inheritdoc />
        protected internal override FusedKernel Kernel => Activation.Name == "relu" ? FusedKernel.RnnRelu : FusedKernel.RnnTanh;

        /// <inheritdoc />
        protected internal override string? FusedIncompatibility
            => Activation.Name is "tanh" or "relu" ? null : $"activation \"{Activation.Name}\" (the fused kernel supports tanh and relu)";

        /// <inheritdoc />
        protected internal override Tensor[] StepProjected(Tensor projectedInput, IReadOnlyList<Tensor> states, Tensor? recurrentMask)
        {
            var h = recurrentMask is null ? states[0] : states[0] * recurrentMask;
            return new[] { Activation.Apply(projectedInput + nn.functional.linear(h, ComputeParameter("weight_hh_l0"))) };
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static SimpleRNNCell FromConfig(Saving.LayerConfig config) => FromConfig<SimpleRNNCell>(config);
    }
}
