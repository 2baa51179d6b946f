using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>SimpleRNN</c>: an <see cref="RNN"/> over a <see cref="SimpleRNNCell"/>, the fully-connected recurrence
    /// <c>h_t = activation(x_t·kernel + h_{t-1}·recurrent_kernel + bias)</c>. Weights (Keras layout):
    /// <c>kernel (input_dim, units)</c>, <c>recurrent_kernel (units, units)</c>, <c>bias (units)</c>.
    /// Runs on TorchSharp's fused <c>nn.RNN</c> for <c>tanh</c> and <c>relu</c>.
    /// </summary>
    public class SimpleRNN : RNN
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Activation; null is Keras's default <c>tanh</c> (pass <c>"linear"</c> for none).</param>
        /// <param name="useBias">Whether the layer has a bias vector.</param>
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
        /// <param name="zeroOutputForMask">Masked steps output zeros.</param>
        /// <param name="inputShape">Input shape without batch, e.g. <c>[2, 10]</c>.</param>
        /// <param name="batchInputShape">Input shape with batch, e.g. <c>[8, 2, 10]</c>.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>simple_rnn</c>, <c>simple_rnn_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public SimpleRNN(
            int units, Activations.Activation? activation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? recurrentInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Regularizer? activityRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null,
            double dropout = 0.0, double recurrentDropout = 0.0, bool returnSequences = false, bool returnState = false,
            bool goBackwards = false, bool stateful = false, bool unroll = false, bool zeroOutputForMask = false,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : base(new SimpleRNNCell(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                                     kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout, recurrentDropout, trainable: trainable),
                   returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
            ActivityRegularizer = activityRegularizer;
        }

        /// <summary>The layer's cell.</summary>
        public new SimpleRNNCell Cell => (SimpleRNNCell)base.Cell;

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static new SimpleRNN FromConfig(Saving.LayerConfig config) => FromConfig<SimpleRNN>(config);
    }
}
