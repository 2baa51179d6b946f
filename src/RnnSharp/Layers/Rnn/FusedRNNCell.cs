using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using RnnSharp.Utils;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A cell whose equations a fused kernel computes (<see cref="Kernel"/>): the shared part of
    /// <see cref="SimpleRNNCell"/>, <see cref="LSTMCell"/> and <see cref="GRUCell"/>, and the base of any new cell that
    /// maps onto <c>nn.RNN</c>, <c>nn.LSTM</c> or <c>nn.GRU</c>: units, activation, bias, initializers, dropout, Keras's
    /// weight layout, and the cell's equations for the step-by-step path.
    /// </summary>
    /// <remarks>
    /// The weights live in a <see cref="FusedEngine"/>, TorchSharp's module for the kernel, in PyTorch's layout, so an
    /// <see cref="RNN"/> over the cell runs the whole sequence in one fused call; <see cref="Layer.GetWeights"/> and
    /// <see cref="Layer.SetWeights"/> convert to and from Keras's layout. Where Keras has one bias and PyTorch two, the
    /// engine's recurrent bias is held at zero, never trained and not counted. The engine belongs to the layer that runs
    /// it: the cell's <see cref="RNN"/> (as <c>engine</c>), a <see cref="Bidirectional"/> whose two directions share one
    /// bidirectional engine (<c>weight_ih_l0</c> and <c>weight_ih_l0_reverse</c>), or the cell itself when used alone;
    /// the cell reads and writes its direction's weights through a view. A subclass names its <see cref="Kernel"/>,
    /// writes its step in <see cref="StepProjected"/>, and says in <see cref="FusedIncompatibility"/> which of its
    /// options the kernel cannot compute (those run step by step).
    /// </remarks>
    public abstract class FusedRNNCell : DropoutRNNCell
    {
        private FusedEngine.View? view;
        private readonly List<RNN> runners = new();
        private bool registersOwnEngine;

        /// <summary>Creates the cell with Keras's arguments; null activation and initializers take Keras's defaults
        /// (<c>tanh</c>, <c>glorot_uniform</c>, <c>orthogonal</c>, <c>zeros</c>).</summary>
        /// <param name="name">Cell name; null gives Keras's automatic name from the class.</param>
        /// <param name="units">Dimensionality of the output space (and of each state).</param>
        /// <param name="activation">The activation; null is <c>tanh</c>.</param>
        /// <param name="useBias">Whether the cell has bias vectors.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="recurrentInitializer">Initializer of <c>recurrent_kernel</c>; null is <c>orthogonal</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="dropout">Fraction of the input units to drop in training.</param>
        /// <param name="recurrentDropout">Fraction of the recurrent units to drop in training.</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="recurrentRegularizer">Penalty on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c>, or null.</param>
        /// <param name="recurrentConstraint">Constraint on <c>recurrent_kernel</c>, or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        protected FusedRNNCell(
            string? name, int units, Activations.Activation? activation, bool useBias,
            Initializer? kernelInitializer, Initializer? recurrentInitializer, Initializer? biasInitializer,
            double dropout, double recurrentDropout, bool trainable,
            Regularizer? kernelRegularizer = null, Regularizer? recurrentRegularizer = null, Regularizer? biasRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? recurrentConstraint = null, Constraint? biasConstraint = null)
            : base(name, dropout, recurrentDropout, trainable)
        {
            KernelRegularizer = kernelRegularizer;
            RecurrentRegularizer = recurrentRegularizer;
            BiasRegularizer = biasRegularizer;
            KernelConstraint = kernelConstraint;
            RecurrentConstraint = recurrentConstraint;
            BiasConstraint = biasConstraint;
            if (units <= 0)
                throw new ArgumentException($"Received an invalid value for argument `units`, expected a positive integer, got {units}.", nameof(units));
            Units = units;
            Activation = activation ?? "tanh";
            UseBias = useBias;
            KernelInitializer = kernelInitializer ?? "glorot_uniform";
            RecurrentInitializer = recurrentInitializer ?? "orthogonal";
            BiasInitializer = biasInitializer ?? "zeros";
        }

        /// <summary>Dimensionality of the output space (and of each state).</summary>
        public int Units { get; }
        /// <summary>The activation (Keras default <c>tanh</c>).</summary>
        public Activations.Activation Activation { get; }
        /// <summary>Whether the cell has bias vectors.</summary>
        public bool UseBias { get; }
        /// <summary>Initializer of <c>kernel</c> (Keras default <c>glorot_uniform</c>).</summary>
        public Initializer KernelInitializer { get; }
        /// <summary>Initializer of <c>recurrent_kernel</c> (Keras default <c>orthogonal</c>).</summary>
        public Initializer RecurrentInitializer { get; }
        /// <summary>Initializer of <c>bias</c> (Keras default <c>zeros</c>).</summary>
        public Initializer BiasInitializer { get; }
        /// <summary>Penalty on <c>kernel</c>, or null.</summary>
        public Regularizer? KernelRegularizer { get; }
        /// <summary>Penalty on <c>recurrent_kernel</c>, or null.</summary>
        public Regularizer? RecurrentRegularizer { get; }
        /// <summary>Penalty on <c>bias</c>, or null.</summary>
        public Regularizer? BiasRegularizer { get; }
        /// <summary>Constraint on <c>kernel</c>, or null.</summary>
        public Constraint? KernelConstraint { get; }
        /// <summary>Constraint on <c>recurrent_kernel</c>, or null.</summary>
        public Constraint? RecurrentConstraint { get; }
        /// <summary>Constraint on <c>bias</c>, or null.</summary>
        public Constraint? BiasConstraint { get; }

        // Penalties and constraints see the weights in Keras's layout (ReadWeights), whatever the engine keeps.
        /// <inheritdoc />
        protected override Regularizer? GetWeightRegularizer(string weightName)
            => weightName switch { "kernel" => KernelRegularizer, "recurrent_kernel" => RecurrentRegularizer, "bias" => BiasRegularizer, _ => null };

        /// <inheritdoc />
        protected override Constraint? GetWeightConstraint(string weightName)
            => weightName switch { "kernel" => KernelConstraint, "recurrent_kernel" => RecurrentConstraint, "bias" => BiasConstraint, _ => null };

        /// <inheritdoc />
        public override int OutputSize => Units;

        /// <summary>The fused kernel whose equations the cell computes (and whose module holds its weights).</summary>
        protected internal abstract FusedKernel Kernel { get; }

        /// <summary>Why the kernel cannot compute this cell's options (e.g. another activation), or null when it can;
        /// the cell then runs step by step, and the RNN's <c>ExecutionPathReason</c> says this.</summary>
        protected internal virtual string? FusedIncompatibility => null;

        /// <summary>True when the Keras bias holds a separate recurrent bias as a second row (GRU with resetAfter), so
        /// the engine's <c>bias_hh_l0</c> is a real weight; otherwise it is held at zero.</summary>
        protected internal virtual bool HasRecurrentBias => false;

        /// <summary>Number of gates of the kernel: 1 (RNN), 4 (LSTM), 3 (GRU); the kernels have <c>gates * units</c> columns.</summary>
        protected int GateCount => Kernel switch { FusedKernel.Lstm => 4, FusedKernel.Gru => 3, _ => 1 };

        /// <summary>Reorders gate blocks along the last axis between Keras's order and the kernel's; the identity unless
        /// the two differ (GRU: Keras z, r, h; PyTorch r, z, n). Must be its own inverse.</summary>
        protected internal virtual Tensor SwapGateOrder(Tensor t) => t;

        /// <summary>The initial Keras bias (LSTM overrides it for unitForgetBias).</summary>
        protected virtual Tensor InitialBias()
            => HasRecurrentBias ? BiasInitializer.Generate(2, GateCount * Units) : BiasInitializer.Generate(GateCount * Units);

        /// <summary>
        /// The cell's equations for one step: <paramref name="projectedInput"/> is <c>x_t · W_ih + b_ih</c> in the
        /// kernel's layout (see <see cref="ProjectInputs"/>), <paramref name="states"/> the previous states and
        /// <paramref name="recurrentMask"/> the recurrent dropout mask (applied to h before the recurrent product).
        /// Returns the new states; the output is the first. Read the weights with <see cref="EngineParameter"/>.
        /// </summary>
        protected internal abstract Tensor[] StepProjected(Tensor projectedInput, IReadOnlyList<Tensor> states, Tensor? recurrentMask);

        /// <inheritdoc />
        public override IReadOnlyList<int> StateSize => Enumerable.Repeat(Units, Kernel == FusedKernel.Lstm ? 2 : 1).ToArray();

        /// <summary>This cell's direction of the engine holding its weights (null before the cell is built).</summary>
        internal FusedEngine.View? View => view;

        /// <summary>Places this cell's weights in direction <paramref name="direction"/> of a bidirectional engine owned by
        /// the Bidirectional wrapper that runs it; called before the cell is built.</summary>
        internal void Bind(FusedEngine.View direction)
        {
            if (Built || view is not null) throw new InvalidOperationException($"Cell \"{Name}\" already has its weights; they cannot move to another engine.");
            view = direction;
        }

        /// <summary>
        /// Records that <paramref name="rnn"/> runs this cell's engine and so registers it (several RNNs over one cell
        /// share its weights, as in Keras). Returns false when the cell registers its engine itself (it was built on its
        /// own before): the RNN then registers the cell.
        /// </summary>
        internal bool AddRunner(RNN rnn)
        {
            if (registersOwnEngine) return false;
            runners.Add(rnn);
            // Weights already made, in an engine another RNN registered: this one registers it too.
            if (view is { Engine.Directions: 1 } existing) rnn.RegisterEngine(existing.Engine);
            return true;
        }

        /// <summary>
        /// Creates this cell's own one-direction engine unless its weights already live in one, registered by every RNN
        /// that runs the cell, and by the cell itself when <paramref name="builtAlone"/> (the cell is built on its own, to
        /// be called directly) or when no RNN runs it. Returns the engine.
        /// </summary>
        internal FusedEngine EnsureEngine(long inputDim, bool builtAlone)
        {
            if (view is null)
            {
                var engine = new FusedEngine(this, inputDim, directions: 1);
                view = engine.Direction(0);
                foreach (var rnn in runners) rnn.RegisterEngine(engine);
                if (builtAlone || runners.Count == 0)
                {
                    RegisterEngine(engine);
                    registersOwnEngine = true;
                }
            }
            return view.Engine;
        }

        /// <summary>A kernel parameter of this cell's direction by name (e.g. <c>weight_hh_l0</c>, <c>bias_hh_l0</c>).</summary>
        protected Tensor EngineParameter(string name)
            => (view ?? throw new InvalidOperationException($"Cell \"{Name}\" is not built yet.")).Parameter(name);

        /// <summary>A kernel parameter as the step equations use it: in the cell's compute dtype (see
        /// <see cref="Layer.Autocast(Tensor)"/>).</summary>
        protected Tensor ComputeParameter(string name) => Autocast(EngineParameter(name));

        /// <summary><c>x · W_ih + b_ih</c> for every timestep (or one step) in the kernel's layout.</summary>
        internal Tensor ProjectInputs(Tensor x)
            => nn.functional.linear(x, ComputeParameter("weight_ih_l0"), UseBias ? ComputeParameter("bias_ih_l0") : null);

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            if (inputShape[^1] is not int inputDim)
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\" needs a known feature dimension (last axis), received input shape {ShapeUtils.Format(inputShape)}.");
            // Made here only when the cell is built on its own (an RNN over it makes the engine first).
            EnsureEngine(inputDim, builtAlone: true);
            var weights = new List<Tensor>
            {
                KernelInitializer.Generate(inputDim, GateCount * Units),
                RecurrentInitializer.Generate(Units, GateCount * Units),
            };
            if (UseBias) weights.Add(InitialBias());
            WriteWeights(weights);
            InputSpec = new InputSpec(ndim: 2, axes: new Dictionary<int, int> { [-1] = inputDim });
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            long inputDim = BuiltInputShape![^1]!.Value, width = (long)GateCount * Units;
            var list = new List<WeightInfo>
            {
                new("kernel", new[] { inputDim, width }, true),
                new("recurrent_kernel", new[] { (long)Units, width }, true),
            };
            if (UseBias) list.Add(new WeightInfo("bias", HasRecurrentBias ? new[] { 2L, width } : new[] { width }, true));
            return list;
        }

        // Keras's kernels are the transposed engine weights, gate blocks in Keras's order; the bias is the engine's
        // input bias, stacked over its recurrent bias where Keras keeps both.
        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = new List<Tensor>
            {
                SwapGateOrder(EngineParameter("weight_ih_l0").t()),
                SwapGateOrder(EngineParameter("weight_hh_l0").t()),
            };
            if (UseBias)
                list.Add(HasRecurrentBias
                    ? stack(new[] { SwapGateOrder(EngineParameter("bias_ih_l0")), SwapGateOrder(EngineParameter("bias_hh_l0")) })
                    : SwapGateOrder(EngineParameter("bias_ih_l0")));
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            using (no_grad())
            {
                EngineParameter("weight_ih_l0").copy_(SwapGateOrder(weights[0]).t());
                EngineParameter("weight_hh_l0").copy_(SwapGateOrder(weights[1]).t());
                if (!UseBias) return;
                if (HasRecurrentBias)
                {
                    EngineParameter("bias_ih_l0").copy_(SwapGateOrder(weights[2][0]));
                    EngineParameter("bias_hh_l0").copy_(SwapGateOrder(weights[2][1]));
                }
                else
                {
                    EngineParameter("bias_ih_l0").copy_(SwapGateOrder(weights[2]));
                }
            }
        }

        /// <inheritdoc />
        public override (Tensor Output, Tensor[] States) Step(Tensor input, IReadOnlyList<Tensor> states, bool training)
        {
            var dropped = GetDropoutMask(input, training) is Tensor keep ? input * keep : input;
            var next = StepProjected(ProjectInputs(dropped), states, GetRecurrentDropoutMask(states[0], training));
            return (next[0], next);
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
            config["bias_initializer"] = BiasInitializer.Serialize();
            config["kernel_regularizer"] = KernelRegularizer?.Serialize();
            config["recurrent_regularizer"] = RecurrentRegularizer?.Serialize();
            config["bias_regularizer"] = BiasRegularizer?.Serialize();
            config["kernel_constraint"] = KernelConstraint?.Serialize();
            config["recurrent_constraint"] = RecurrentConstraint?.Serialize();
            config["bias_constraint"] = BiasConstraint?.Serialize();
            config["dropout"] = Dropout;
            config["recurrent_dropout"] = RecurrentDropout;
            return config;
        }

        /// <summary>Keras 3's cell config: Keras 2's without <c>implementation</c>, with <c>seed</c> (the dropout seed).</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            config.Remove("implementation");
            config["seed"] = null;
            return config;
        }
    }
}
