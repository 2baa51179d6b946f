using System.Collections.Generic;
using RnnSharp.Activations;
using RnnSharp.Initializers;
using RnnSharp.Layers;
using RnnSharp.Saving;
using TorchSharp;
using Activation = RnnSharp.Activations.Activation;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace RnnSharp.Tests.CustomLayers
{
    /// <summary>
    /// The IndRNN cell (Li et al. 2018): <c>h_t = activation(x_t · kernel + recurrent_kernel ⊙ h_{t-1} + bias)</c>, each
    /// unit its own recurrence through one weight. No fused kernel computes it, so an RNN over it runs step by step.
    /// Weights (Keras layout): <c>kernel (input_dim, units)</c>, <c>recurrent_kernel (units)</c>, <c>bias (units)</c>.
    /// </summary>
    public sealed class IndRNNCell : DropoutRNNCell
    {
        private Parameter? kernel;
        private Parameter? recurrentKernel;
        private Parameter? bias;

        /// <summary>Creates the cell.</summary>
        /// <param name="units">Units (and state size).</param>
        /// <param name="activation">The activation; null is <c>relu</c>, the paper's.</param>
        /// <param name="useBias">Whether the cell has a bias.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>; null is uniform on [0, 1).</param>
        /// <param name="dropout">Fraction of the inputs dropped in training.</param>
        /// <param name="recurrentDropout">Fraction of the state dropped in training.</param>
        /// <param name="name">Cell name; null gives <c>ind_rnn_cell</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public IndRNNCell(int units, Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
            Initializer? recurrentInitializer = null, double dropout = 0.0, double recurrentDropout = 0.0, string? name = null, bool trainable = true)
            : base(name, dropout, recurrentDropout, trainable)
        {
            Units = units;
            Activation = activation ?? "relu";
            UseBias = useBias;
            KernelInitializer = kernelInitializer ?? "glorot_uniform";
            RecurrentInitializer = recurrentInitializer ?? new RandomUniform(0.0, 1.0);
        }

        /// <summary>Units.</summary>
        public int Units { get; }
        /// <summary>The activation.</summary>
        public Activation Activation { get; }
        /// <summary>Whether the cell has a bias.</summary>
        public bool UseBias { get; }
        /// <summary>Initializer of <c>kernel</c>.</summary>
        public Initializer KernelInitializer { get; }
        /// <summary>Initializer of <c>recurrent_kernel</c>.</summary>
        public Initializer RecurrentInitializer { get; }

        /// <inheritdoc />
        public override IReadOnlyList<int> StateSize => new[] { Units };

        /// <inheritdoc />
        public override int OutputSize => Units;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            long inputDim = inputShape[^1]!.Value;
            kernel = new Parameter(KernelInitializer.Generate(inputDim, Units));
            recurrentKernel = new Parameter(RecurrentInitializer.Generate(Units));
            register_parameter("kernel", kernel);
            register_parameter("recurrent_kernel", recurrentKernel);
            if (UseBias)
            {
                bias = new Parameter(zeros(Units));
                register_parameter("bias", bias);
            }
        }

        /// <inheritdoc />
        public override (Tensor Output, Tensor[] States) Step(Tensor input, IReadOnlyList<Tensor> states, bool training)
        {
            var x = GetDropoutMask(input, training) is Tensor keep ? input * keep : input;
            var h = GetRecurrentDropoutMask(states[0], training) is Tensor keepH ? states[0] * keepH : states[0];
            var z = x.matmul(kernel!) + recurrentKernel! * h;
            var next = Activation.Apply(bias is null ? z : z + bias);
            return (next, new[] { next });
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            var list = new List<WeightInfo>
            {
                new("kernel", kernel!.shape, true),
                new("recurrent_kernel", new long[] { Units }, true),
            };
            if (UseBias) list.Add(new WeightInfo("bias", new long[] { Units }, true));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
            => UseBias ? new Tensor[] { kernel!, recurrentKernel!, bias! } : new Tensor[] { kernel!, recurrentKernel! };

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            kernel!.copy_(weights[0]);
            recurrentKernel!.copy_(weights[1]);
            if (UseBias) bias!.copy_(weights[2]);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["units"] = Units;
            config["activation"] = Activation.Name;
            config["use_bias"] = UseBias;
            config["kernel_initializer"] = KernelInitializer.Serialize();
            config["recurrent_initializer"] = RecurrentInitializer.Serialize();
            config["dropout"] = Dropout;
            config["recurrent_dropout"] = RecurrentDropout;
            return config;
        }

        /// <summary>Creates the cell from its config.</summary>
        public static IndRNNCell FromConfig(LayerConfig config) => FromConfig<IndRNNCell>(config);
    }

    /// <summary>The IndRNN layer: an <see cref="RNN"/> over an <see cref="IndRNNCell"/>.</summary>
    public sealed class IndRNN : RNN
    {
        /// <summary>Creates the layer with the cell's arguments and RNN's.</summary>
        /// <param name="units">Units.</param>
        /// <param name="activation">The activation; null is <c>relu</c>.</param>
        /// <param name="useBias">Whether the layer has a bias.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>.</param>
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
        /// <param name="name">Layer name; null gives <c>ind_rnn</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public IndRNN(int units, Activation? activation = null, bool useBias = true, Initializer? kernelInitializer = null,
            Initializer? recurrentInitializer = null, double dropout = 0.0, double recurrentDropout = 0.0,
            bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool stateful = false, bool unroll = false,
            bool zeroOutputForMask = false, int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null,
            string? name = null, bool trainable = true)
            : base(new IndRNNCell(units, activation, useBias, kernelInitializer, recurrentInitializer, dropout, recurrentDropout, trainable: trainable),
                   returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, inputShape, batchInputShape, batchSize, name, trainable)
        {
        }

        /// <summary>Creates the layer from its config.</summary>
        public static new IndRNN FromConfig(LayerConfig config) => FromConfig<IndRNN>(config);
    }
}
