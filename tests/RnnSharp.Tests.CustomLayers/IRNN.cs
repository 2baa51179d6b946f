using System.Collections.Generic;
using RnnSharp.Initializers;
using RnnSharp.Layers;
using RnnSharp.Saving;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Tests.CustomLayers
{
    /// <summary>
    /// The IRNN cell (Le, Jaitly and Hinton 2015): <c>h_t = relu(x_t · kernel + h_{t-1} · recurrent_kernel + bias)</c>
    /// with the recurrent kernel starting as a scaled identity. Its equations are <c>nn.RNN</c>'s with relu, so it names
    /// that kernel and an RNN over it runs fused (and a Bidirectional over it on one bidirectional engine). Weights (Keras
    /// layout): <c>kernel (input_dim, units)</c>, <c>recurrent_kernel (units, units)</c>, <c>bias (units)</c>.
    /// </summary>
    public sealed class IRNNCell : FusedRNNCell
    {
        /// <summary>Creates the cell.</summary>
        /// <param name="units">Units (and state size).</param>
        /// <param name="recurrentScale">The identity's scale in the initial recurrent kernel.</param>
        /// <param name="useBias">Whether the cell has a bias.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="dropout">Fraction of the inputs dropped in training.</param>
        /// <param name="recurrentDropout">Fraction of the state dropped in training.</param>
        /// <param name="name">Cell name; null gives <c>irnn_cell</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public IRNNCell(int units, double recurrentScale = 1.0, bool useBias = true, Initializer? kernelInitializer = null,
            double dropout = 0.0, double recurrentDropout = 0.0, string? name = null, bool trainable = true)
            : base(name, units, "relu", useBias, kernelInitializer, new Identity(recurrentScale), "zeros", dropout, recurrentDropout, trainable)
        {
            RecurrentScale = recurrentScale;
        }

        /// <summary>The identity's scale in the initial recurrent kernel.</summary>
        public double RecurrentScale { get; }

        /// <inheritdoc />
        protected override FusedKernel Kernel => FusedKernel.RnnRelu;

        /// <inheritdoc />
        protected override Tensor[] StepProjected(Tensor projectedInput, IReadOnlyList<Tensor> states, Tensor? recurrentMask)
        {
            var h = recurrentMask is null ? states[0] : states[0] * recurrentMask;
            return new[] { nn.functional.relu(projectedInput + nn.functional.linear(h, EngineParameter("weight_hh_l0"))) };
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["recurrent_scale"] = RecurrentScale;
            return config;
        }

        /// <summary>Creates the cell from its config.</summary>
        public static IRNNCell FromConfig(LayerConfig config) => FromConfig<IRNNCell>(config);
    }

    /// <summary>The IRNN layer: an <see cref="RNN"/> over an <see cref="IRNNCell"/>, on the fused relu kernel.</summary>
    public sealed class IRNN : RNN
    {
        /// <summary>Creates the layer with the cell's arguments and RNN's.</summary>
        /// <param name="units">Units.</param>
        /// <param name="recurrentScale">The identity's scale in the initial recurrent kernel.</param>
        /// <param name="useBias">Whether the layer has a bias.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>.</param>
        /// <param name="dropout">Fraction of the inputs dropped in training.</param>
        /// <param name="recurrentDropout">Fraction of the state dropped in training.</param>
        /// <param name="returnSequences">Return the whole sequence.</param>
        /// <param name="returnState">Also return the final state.</param>
        /// <param name="goBackwards">Process the sequence backwards.</param>
        /// <param name="stateful">Carry states across batches.</param>
        /// <param name="unroll">Keras's unroll flag.</param>
        /// <param name="zeroOutputForMask">Masked steps output zeros.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>irnn</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public IRNN(int units, double recurrentScale = 1.0, bool useBias = true, Initializer? kernelInitializer = null,
            double dropout = 0.0, double recurrentDropout = 0.0, bool returnSequences = false, bool returnState = false,
            bool goBackwards = false, bool stateful = false, bool unroll = false, bool zeroOutputForMask = false,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : base(new IRNNCell(units, recurrentScale, useBias, kernelInitializer, dropout, recurrentDropout, trainable: trainable),
                   returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, inputShape, batchInputShape, batchSize, name, trainable)
        {
        }

        /// <summary>Creates the layer from its config.</summary>
        public static new IRNN FromConfig(LayerConfig config) => FromConfig<IRNN>(config);
    }
}
