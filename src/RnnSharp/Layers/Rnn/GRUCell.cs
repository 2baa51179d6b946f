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
    /// Keras's <c>GRUCell</c> (Cho 2014): one GRU step. Weights (Keras layout, gates z, r, h):
    /// <c>kernel (input_dim, 3*units)</c>, <c>recurrent_kernel (units, 3*units)</c>, and <c>bias (2, 3*units)</c> (input
    /// and recurrent bias) with <c>resetAfter</c> (the default), <c>bias (3*units)</c> without. Wrapped in
    /// <see cref="RNN"/> (as <see cref="GRU"/> does) it runs on TorchSharp's fused <c>nn.GRU</c> (gates r, z, n) with
    /// <c>resetAfter</c> and <c>tanh</c>/<c>sigmoid</c>.
    /// </summary>
    public class GRUCell : FusedRNNCell
    {
        /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Candidate activation; null is <c>tanh</c> (pass <c>"linear"</c> for none).</param>
        /// <param name="recurrentActivation">Gate activation; null is <c>sigmoid</c>.</param>
        /// <param name="useBias">Whether the cell has bias vectors.</param>
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
        /// <param name="resetAfter">Apply the reset gate after the recurrent product (Keras default, cuDNN-compatible).</param>
        /// <param name="name">Cell name; null gives <c>gru_cell</c>, <c>gru_cell_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public GRUCell(
            int units, Activations.Activation? activation = null, Activations.Activation? recurrentActivation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
            double dropout = 0.0, double recurrentDropout = 0.0, bool resetAfter = true, string? name = null, bool trainable = true)
            : base(name, units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout, trainable,
                   kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
        {
            RecurrentActivation = recurrentActivation ?? "sigmoid";
            ResetAfter = resetAfter;
        }

        /// <summary>Gate activation.</summary>
        public Activations.Activation RecurrentActivation { get; }
        /// <summary>Whether the reset gate is applied after the recurrent product.</summary>
        public bool ResetAfter { get; }

        /// <inheritdoc />
        protected internal override FusedKernel Kernel => FusedKernel.Gru;

        /// <inheritdoc />
        protected internal override bool HasRecurrentBias => ResetAfter;

        /// <inheritdoc />
        protected internal override string? FusedIncompatibility
            => !ResetAfter ? "resetAfter: false (the fused kernel applies the reset gate after the recurrent product)"
             : Activation.Name != "tanh" ? $"activation \"{Activation.Name}\" (the fused kernel computes tanh)"
             : RecurrentActivation.Name != "sigmoid" ? $"recurrentActivation \"{RecurrentActivation.Name}\" (the fused kernel computes sigmoid)"
             : null;

        /// <summary>Swaps the first two gate blocks along the last axis: Keras z, r, h ↔ PyTorch r, z, n (its own inverse).</summary>
        protected internal override Tensor SwapGateOrder(Tensor t)
        {
            var blocks = t.split(Units, -1);
            return cat(new[] { blocks[1], blocks[0], blocks[2] }, -1);
        }

        /// <inheritdoc />
        protected internal override Tensor[] StepProjected(Tensor projectedInput, IReadOnlyList<Tensor> states, Tensor? recurrentMask)
        {
            // Engine layout: gates r, z, n.
            var hPrev = states[0];
            var h = recurrentMask is null ? hPrev : hPrev * recurrentMask;
            var x = projectedInput.chunk(3, -1);
            var weightHh = ComputeParameter("weight_hh_l0");
            Tensor r, z, n;
            if (ResetAfter)
            {
                var hh = nn.functional.linear(h, weightHh, UseBias ? ComputeParameter("bias_hh_l0") : null).chunk(3, -1);
                r = RecurrentActivation.Apply(x[0] + hh[0]);
                z = RecurrentActivation.Apply(x[1] + hh[1]);
                n = Activation.Apply(x[2] + r * hh[2]);
            }
            else
            {
                var rz = nn.functional.linear(h, weightHh.narrow(0, 0, 2L * Units)).chunk(2, -1);
                r = RecurrentActivation.Apply(x[0] + rz[0]);
                z = RecurrentActivation.Apply(x[1] + rz[1]);
                n = Activation.Apply(x[2] + nn.functional.linear(r * h, weightHh.narrow(0, 2L * Units, Units)));
            }
            return new[] { z * hPrev + (1 - z) * n };
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["recurrent_activation"] = RecurrentActivation.Name;
            config["reset_after"] = ResetAfter;
            config["implementation"] = 2;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static GRUCell FromConfig(Saving.LayerConfig config) => FromConfig<GRUCell>(config);
    }
}
