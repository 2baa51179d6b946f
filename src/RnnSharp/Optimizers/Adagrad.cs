using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Keras 2's <c>Adagrad</c> (optimizer_v2 <c>adagrad</c>, TF kernel <c>ApplyAdagradV2</c>).
    /// </summary>
    /// <remarks>
    /// With learning rate <c>lr</c> and accumulator <c>a</c> starting at <c>initialAccumulatorValue</c>:
    /// <c>a = a + g^2</c>, <c>w = w - lr * g / (sqrt(a) + epsilon)</c>. (PyTorch's Adagrad with <c>lr_decay = 0</c> is
    /// the same equation; it is written out here to share clipping, weight decay and slot handling.)
    /// </remarks>
    public sealed class Adagrad : Optimizer
    {
        private readonly double[] slotInit;

        /// <summary>Creates the optimizer with Keras's defaults.</summary>
        /// <param name="learningRate">The learning rate.</param>
        /// <param name="initialAccumulatorValue">Starting value of the accumulator (non-negative).</param>
        /// <param name="epsilon">Numerical-stability constant.</param>
        /// <param name="clipnorm">Per-parameter gradient norm limit, or null.</param>
        /// <param name="clipvalue">Elementwise gradient limit, or null.</param>
        /// <param name="globalClipnorm">Global gradient norm limit, or null.</param>
        /// <param name="weightDecay">Decoupled weight decay factor, or null.</param>
        /// <param name="name">The optimizer's name.</param>
        public Adagrad(double learningRate = 0.001, double initialAccumulatorValue = 0.1, double epsilon = 1e-7,
            double? clipnorm = null, double? clipvalue = null, double? globalClipnorm = null, double? weightDecay = null,
            string name = "Adagrad")
            : base(name, learningRate, clipnorm, clipvalue, globalClipnorm, weightDecay)
        {
            if (!(initialAccumulatorValue >= 0) || double.IsInfinity(initialAccumulatorValue))
                throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), initialAccumulatorValue,
                    "initialAccumulatorValue must be a finite non-negative number.");
            if (!(epsilon >= 0) || double.IsInfinity(epsilon))
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a finite non-negative number.");
            InitialAccumulatorValue = initialAccumulatorValue;
            Epsilon = epsilon;
            slotInit = new[] { initialAccumulatorValue };
        }

        /// <summary>The accumulator's starting value.</summary>
        public double InitialAccumulatorValue { get; }

        /// <summary>The numerical-stability constant.</summary>
        public double Epsilon { get; }

        /// <summary>Slots: the accumulator <c>a</c>.</summary>
        protected override IReadOnlyList<double> SlotInitialValues => slotInit;

        /// <inheritdoc/>
        protected override void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate)
        {
            using var one = 1.0.ToScalar();
            using var epsilon = Epsilon.ToScalar();
            using var negLr = (-learningRate).ToScalar();
            var accumulator = slots[0];
            accumulator.addcmul_(gradient, gradient, one);
            var denominator = accumulator.sqrt().add_(epsilon);
            parameter.addcdiv_(gradient, denominator, negLr);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["initial_accumulator_value"] = InitialAccumulatorValue;
            config["epsilon"] = Epsilon;
            return config;
        }
    }
}
