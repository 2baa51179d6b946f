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
    /// Keras's <c>LSTMCell</c> (Hochreiter 1997): one LSTM step. Weights (Keras layout, gates i, f, c, o):
    /// <c>kernel (input_dim, 4*units)</c>, <c>recurrent_kernel (units, 4*units)</c>, <c>bias (4*units)</c>. States:
    /// <c>[h, c]</c>. Wrapped in <see cref="RNN"/> (as <see cref="LSTM"/> does) it runs on TorchSharp's fused
    /// <c>nn.LSTM</c> with <c>tanh</c>/<c>sigmoid</c> activations.
    /// </summary>
    public class LSTMCell : FusedRNNCell
    {
        /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Cell/output activation; null is <c>tanh</c> (pass <c>"linear"</c> for none).</param>
        /// <param name="recurrentActivation">Gate activation; null is <c>sigmoid</c>.</param>
        /// <param name="useBias">Whether the cell has a bias vector.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>; null is <c>orthogonal</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="unitForgetBias">Start the forget-gate bias at 1 (and use <paramref name="biasInitializer"/> for the rest).</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="recurrentRegularizer">Penalty on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c>, or null.</param>
        /// <param name="recurrentConstraint">Constraint on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        /// <param name="dropout">Fraction of input units to drop in training.</param>
        /// <param name="recurrentDropout">Fraction of recurrent units to drop in training.</param>
        /// <param name="name">Cell name; null gives <c>lstm_cell</c>, <c>lstm_cell_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public LSTMCell(
            int units, Activations.Activation? activation = null, Activations.Activation? recurrentActivation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
            bool unitForgetBias = true,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
            double dropout = 0.0, double recurrentDropout = 0.0, string? name = null, bool trainable = true)
            : base(name, units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, dropout, recurrentDropout, trainable,
                   kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint)
        {
            RecurrentActivation = recurrentActivation ?? "sigmoid";
            UnitForgetBias = unitForgetBias;
        }

        /// <summary>Gate activation.</summary>
        public Activations.Activation RecurrentActivation { get; }
        /// <summary>Whether the forget-gate bias starts at 1.</summary>
        public bool UnitForgetBias { get; }

        /// <inheritdoc />
        protected internal override FusedKernel Kernel => FusedKernel.Lstm;

        /// <inheritdoc />
        protected internal override string? FusedIncompatibility
            => Activation.Name != "tanh" ? $"activation \"{Activation.Name}\" (the fused kernel computes tanh)"
             : RecurrentActivation.Name != "sigmoid" ? $"recurrentActivation \"{RecurrentActivation.Name}\" (the fused kernel computes sigmoid)"
             : null;

        /// <inheritdoc />
        protected override Tensor InitialBias()
            => UnitForgetBias
                ? cat(new[] { BiasInitializer.Generate(Units), ones(Units), BiasInitializer.Generate(2 * Units) })
                : base.InitialBias();

        /// <inheritdoc />
        protected internal override Tensor[] StepProjected(Tensor projectedInput, IReadOnlyList<Tensor> states, Tensor? recurrentMask)
        {
            var h = recurrentMask is null ? states[0] : states[0] * recurrentMask;
            var gates = (projectedInput + nn.functional.linear(h, ComputeParameter("weight_hh_l0"))).chunk(4, -1);
            var i = RecurrentActivation.Apply(gates[0]);
            var f = RecurrentActivation.Apply(gates[1]);
            var g = Activation.Apply(gates[2]);
            var o = RecurrentActivation.Apply(gates[3]);
            var c = f * states[1] + i * g;
            return new[] { o * Activation.Apply(c), c };
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["recurrent_activation"] = RecurrentActivation.Name;
            config["unit_forget_bias"] = UnitForgetBias;
            // Keras 2's default implementation (the fused-kernel one); RnnSharp chooses its path by itself.
            config["implementation"] = 2;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static LSTMCell FromConfig(Saving.LayerConfig config) => FromConfig<LSTMCell>(config);
    }
}
