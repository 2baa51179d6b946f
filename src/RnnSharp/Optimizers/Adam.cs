using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Keras 2's <c>Adam</c> (optimizer_v2 <c>adam</c>, TF kernels <c>ApplyAdam</c> / <c>ApplyAdamWithAmsgrad</c>), with the
    /// "epsilon hat" formulation.
    /// </summary>
    /// <remarks>
    /// At step <c>t</c> with learning rate <c>lr</c> and slots <c>m</c>, <c>v</c> (and <c>vhat</c> with amsgrad), all starting at 0:
    /// <code>
    /// alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
    /// m = beta1 * m + (1 - beta1) * g
    /// v = beta2 * v + (1 - beta2) * g^2
    /// vhat = max(vhat, v)                  (amsgrad only; then vhat replaces v below)
    /// w = w - alpha * m / (sqrt(v) + epsilon)
    /// </code>
    /// PyTorch's Adam divides by <c>sqrt(v) / sqrt(1 - beta2^t) + epsilon</c> instead (epsilon is not scaled by the bias
    /// correction), so the two differ while <c>sqrt(v)</c> is small compared with epsilon; hence no delegation to it.
    /// </remarks>
    public class Adam : Optimizer
    {
        private readonly double[] slotInit;

        /// <summary>Creates the optimizer with Keras's defaults.</summary>
        /// <param name="learningRate">The learning rate.</param>
        /// <param name="beta1">Decay rate of the first-moment estimate.</param>
        /// <param name="beta2">Decay rate of the second-moment estimate.</param>
        /// <param name="epsilon">Numerical-stability constant ("epsilon hat").</param>
        /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
        /// <param name="clipnorm">Per-parameter gradient norm limit, or null.</param>
        /// <param name="clipvalue">Elementwise gradient limit, or null.</param>
        /// <param name="globalClipnorm">Global gradient norm limit, or null.</param>
        /// <param name="weightDecay">Decoupled weight decay factor, or null.</param>
        /// <param name="name">The optimizer's name.</param>
        public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false,
            double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, double? weightDecay = null,
            string name = "Adam")
            : base(name, learningRate, clipnorm, clipvalue, globalClipnorm, weightDecay)
        {
            if (!(beta1 >= 0 && beta1 < 1))
                throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
            if (!(beta2 >= 0 && beta2 < 1))
                throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
            if (!(epsilon >= 0) || double.IsInfinity(epsilon))
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite non-negative number.");
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
            Amsgrad = amsgrad;
            slotInit = amsgrad ? new[] { 0.0, 0.0, 0.0 } : new[] { 0.0, 0.0 };
        }

        /// <summary>Decay rate of the first-moment estimate.</summary>
        public double Beta1 { get; }

        /// <summary>Decay rate of the second-moment estimate.</summary>
        public double Beta2 { get; }

        /// <summary>The numerical-stability constant.</summary>
        public double Epsilon { get; }

        /// <summary>Whether the AMSGrad variant is used.</summary>
        public bool Amsgrad { get; }

        /// <summary>Slots: <c>m</c>, <c>v</c>, then <c>vhat</c> with amsgrad.</summary>
        protected override IReadOnlyList<double> SlotInitialValues => slotInit;

        /// <inheritdoc/>
        protected override void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate)
        {
            double alpha = learningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step));
            using var beta1 = Beta1.ToScalar();
            using var oneMinusBeta1 = (1.0 - Beta1).ToScalar();
            using var beta2 = Beta2.ToScalar();
            using var oneMinusBeta2 = (1.0 - Beta2).ToScalar();
            using var epsilon = Epsilon.ToScalar();
            using var negAlpha = (-alpha).ToScalar();
            var m = slots[0];
            var v = slots[1];
            m.mul_(beta1).add_(gradient, oneMinusBeta1);
            v.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
            var second = v;
            if (Amsgrad)
            {
                var vhat = slots[2];
                vhat.copy_(maximum(vhat, v));
                second = vhat;
            }
            var denominator = second.sqrt().add_(epsilon);
            parameter.addcdiv_(m, denominator, negAlpha);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["beta_1"] = Beta1;
            config["beta_2"] = Beta2;
            config["epsilon"] = Epsilon;
            config["amsgrad"] = Amsgrad;
            return config;
        }
    }
}
