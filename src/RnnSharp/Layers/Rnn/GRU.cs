using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>GRU</c> (Cho 2014): an <see cref="RNN"/> over a <see cref="GRUCell"/>. Weights (Keras layout, gates
    /// z, r, h): <c>kernel (input_dim, 3*units)</c>, <c>recurrent_kernel (units, 3*units)</c>, and <c>bias (2, 3*units)</c>
    /// (input and recurrent bias) with <c>resetAfter</c> (the default), <c>bias (3*units)</c> without. Runs on
    /// TorchSharp's fused <c>nn.GRU</c> (gates r, z, n) with <c>resetAfter</c> and <c>tanh</c>/<c>sigmoid</c>.
    /// </summary>
    public class GRU : RNN
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Candidate activation; null is <c>tanh</c> (pass <c>"linear"</c> for none).</param>
        /// <param name="recurrentActivation">Gate activation; null is <c>sigmoid</c>.</param>
        /// <param name="useBias">Whether the layer has bias vectors.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>; null is <c>orthogonal</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="recurrentRegularizer">Penalty on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="activityRegularizer">Penalty on the layer's outputs (states included), or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c>, or null.</param>
        /// <param name="recurrentConstraint">Constraint on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        /// <param name="dropout">Fraction of input units to drop in training.</param>
        /// <param name="recurrentDropout">Fraction of recurrent units to drop in training.</param>
        /// <param name="returnSequences">Return the whole sequence.</param>
        /// <param name="returnState">Also return the final state.</param>
        /// <param name="goBackwards">Process the sequence backwards.</param>
        /// <param name="stateful">Carry states across batches.</param>
        /// <param name="unroll">Keras's unroll flag (no effect on the computation).</param>
        /// <param name="resetAfter">Apply the reset gate after the recurrent product (Keras default, cuDNN-compatible).</param>
        /// <param name="zeroOutputForMask">Masked steps output zeros.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>gru</c>, <c>gru_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public GRU(
            int units, Activations.Activation? activation = null, Activations.Activation? recurrentActivation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Regularizer? activityRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
            double dropout = 0.0, double recurrentDropout = 0.0, bool returnSequences = false, bool returnState = false,
            bool goBackwards = false, bool stateful = false, bool unroll = false, bool resetAfter = true, bool zeroOutputForMask = false,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : base(new GRUCell(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                               kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                               dropout, recurrentDropout, resetAfter, trainable: trainable),
                   returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
            ActivityRegularizer = activityRegularizer;
        }

        /// <summary>The layer's cell.</summary>
        public new GRUCell Cell => (GRUCell)base.Cell;

        /// <summary>Gate activation.</summary>
        public Activations.Activation RecurrentActivation => Cell.RecurrentActivation;
        /// <summary>Whether the reset gate is applied after the recurrent product.</summary>
        public bool ResetAfter => Cell.ResetAfter;

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static new GRU FromConfig(Saving.LayerConfig config) => FromConfig<GRU>(config);
    }
}
