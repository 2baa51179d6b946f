using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Keras 2's <c>SGD</c> (optimizer_v2 <c>gradient_descent</c>), gradient descent with optional (Nesterov) momentum.
    /// </summary>
    /// <remarks>
    /// Update (TF kernels <c>ApplyGradientDescent</c> / <c>ApplyKerasMomentum</c>), with learning rate <c>lr</c>:
    /// <list type="bullet">
    /// <item><c>momentum == 0</c>: <c>w = w - lr * g</c>;</item>
    /// <item>otherwise, with velocity <c>v</c> (starts at 0): <c>v = momentum * v - lr * g</c>, then
    /// <c>w = w + v</c>, or with <c>nesterov</c>: <c>w = w + momentum * v - lr * g</c>.</item>
    /// </list>
    /// The learning rate is folded into the velocity, so a learning-rate change affects only new gradients; PyTorch's SGD
    /// (<c>b = momentum * b + g</c>, <c>w -= lr * b</c>) rescales the whole history instead, hence no delegation to it.
    /// </remarks>
    public sealed class SGD : Optimizer
    {
        private readonly double[] slotInit;

        /// <summary>Creates the optimizer with Keras's defaults.</summary>
        /// <param name="learningRate">The learning rate.</param>
        /// <param name="momentum">Momentum in [0, 1]; 0 means plain gradient descent.</param>
        /// <param name="nesterov">Whether to apply Nesterov momentum.</param>
        /// <param name="clipnorm">Per-parameter gradient norm limit, or null.</param>
        /// <param name="clipvalue">Elementwise gradient limit, or null.</param>
        /// <param name="globalClipnorm">Global gradient norm limit, or null.</param>
        /// <param name="weightDecay">Decoupled weight decay factor, or null.</param>
        /// <param name="name">The optimizer's name.</param>
        public SGD(double learningRate = 0.01, double momentum = 0.0, bool nesterov = false,
            double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, double? weightDecay = null,
            string name = "SGD")
            : base(name, learningRate, clipnorm, clipvalue, globalClipnorm, weightDecay)
        {
            if (!(momentum >= 0 && momentum <= 1))
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be between [0, 1].");
            Momentum = momentum;
            Nesterov = nesterov;
            slotInit = momentum > 0 ? new[] { 0.0 } : Array.Empty<double>();
        }

        /// <summary>The momentum factor.</summary>
        public double Momentum { get; }

        /// <summary>Whether Nesterov momentum is used.</summary>
        public bool Nesterov { get; }

        /// <summary>Slots: the velocity <c>v</c> when momentum is used, none otherwise.</summary>
        protected override IReadOnlyList<double> SlotInitialValues => slotInit;

        /// <inheritdoc/>
        protected override void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate)
        {
            using var negLr = (-learningRate).ToScalar();
            if (slots.Length == 0)
            {
                parameter.add_(gradient, negLr);
                return;
            }
            using var momentum = Momentum.ToScalar();
            var velocity = slots[0];
            velocity.mul_(momentum).add_(gradient, negLr);
            if (Nesterov)
                parameter.add_(velocity, momentum).add_(gradient, negLr);
            else
                parameter.add_(velocity);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["momentum"] = Momentum;
            config["nesterov"] = Nesterov;
            return config;
        }
    }
}
