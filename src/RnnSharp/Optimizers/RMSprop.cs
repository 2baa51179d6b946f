using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Keras 2's <c>RMSprop</c> (optimizer_v2 <c>rmsprop</c>), including its two epsilon placements.
    /// </summary>
    /// <remarks>
    /// With learning rate <c>lr</c>, slots <c>ms</c> (mean square), <c>mg</c> (mean gradient, when centered), <c>mom</c> (when momentum &gt; 0), all starting at 0:
    /// <list type="bullet">
    /// <item>always: <c>ms = rho * ms + (1 - rho) * g^2</c>; centered: <c>mg = rho * mg + (1 - rho) * g</c>, <c>d = ms - mg^2</c>, else <c>d = ms</c>;</item>
    /// <item><c>momentum == 0</c> (Keras's own Python update): <c>w = w - lr * g / (sqrt(d) + epsilon)</c>;</item>
    /// <item><c>momentum &gt; 0</c> (TF kernels <c>ApplyRMSProp</c>/<c>ApplyCenteredRMSProp</c>): epsilon goes inside the root,
    /// <c>mom = momentum * mom + lr * g / sqrt(d + epsilon)</c>, <c>w = w - mom</c>.</item>
    /// </list>
    /// PyTorch's RMSprop matches the first case but not the second (it keeps epsilon outside the root and applies
    /// <c>lr</c> after the momentum buffer), so the update is written out here.
    /// </remarks>
    public sealed class RMSprop : Optimizer
    {
        private readonly double[] slotInit;

        /// <summary>Creates the optimizer with Keras's defaults.</summary>
        /// <param name="learningRate">The learning rate.</param>
        /// <param name="rho">Discounting factor for the squared-gradient average.</param>
        /// <param name="momentum">Momentum in [0, 1].</param>
        /// <param name="epsilon">Numerical-stability constant.</param>
        /// <param name="centered">Whether to normalise by the estimated variance instead of the second moment.</param>
        /// <param name="clipnorm">Per-parameter gradient norm limit, or null.</param>
        /// <param name="clipvalue">Elementwise gradient limit, or null.</param>
        /// <param name="globalClipnorm">Global gradient norm limit, or null.</param>
        /// <param name="weightDecay">Decoupled weight decay factor, or null.</param>
        /// <param name="name">The optimizer's name.</param>
        public RMSprop(double learningRate = 0.001, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7, bool centered = false,
            double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, double? weightDecay = null,
            string name = "RMSprop")
            : base(name, learningRate, clipnorm, clipvalue, globalClipnorm, weightDecay)
        {
            if (!(momentum >= 0 && momentum <= 1))
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be between [0, 1].");
            if (!(rho >= 0 && rho <= 1))
                throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be between [0, 1].");
            if (!(epsilon >= 0) || double.IsInfinity(epsilon))
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite non-negative number.");
            Rho = rho;
            Momentum = momentum;
            Epsilon = epsilon;
            Centered = centered;
            var init = new List<double> { 0.0 };
            if (momentum > 0)
                init.Add(0.0);
            if (centered)
                init.Add(0.0);
            slotInit = init.ToArray();
        }

        /// <summary>The discounting factor.</summary>
        public double Rho { get; }

        /// <summary>The momentum factor.</summary>
        public double Momentum { get; }

        /// <summary>The numerical-stability constant.</summary>
        public double Epsilon { get; }

        /// <summary>Whether the centered variant is used.</summary>
        public bool Centered { get; }

        /// <summary>Slots: <c>ms</c>, then <c>mom</c> when momentum &gt; 0, then <c>mg</c> when centered.</summary>
        protected override IReadOnlyList<double> SlotInitialValues => slotInit;

        /// <inheritdoc/>
        protected override void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate)
        {
            using var rho = Rho.ToScalar();
            using var oneMinusRho = (1.0 - Rho).ToScalar();
            using var epsilon = Epsilon.ToScalar();
            using var minusOne = (-1.0).ToScalar();
            var ms = slots[0];
            ms.mul_(rho).addcmul_(gradient, gradient, oneMinusRho);
            Tensor denominator = ms;
            if (Centered)
            {
                var mg = slots[^1];
                mg.mul_(rho).add_(gradient, oneMinusRho);
                denominator = ms.addcmul(mg, mg, minusOne);
            }
            if (Momentum > 0)
            {
                using var momentum = Momentum.ToScalar();
                using var lr = learningRate.ToScalar();
                var mom = slots[1];
                var inverseRoot = denominator.add(epsilon).rsqrt_();
                mom.mul_(momentum).addcmul_(gradient, inverseRoot, lr);
                parameter.sub_(mom);
            }
            else
            {
                using var negLr = (-learningRate).ToScalar();
                var root = denominator.sqrt().add_(epsilon);
                parameter.addcdiv_(gradient, root, negLr);
            }
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["rho"] = Rho;
            config["momentum"] = Momentum;
            config["epsilon"] = Epsilon;
            config["centered"] = Centered;
            return config;
        }
    }
}
