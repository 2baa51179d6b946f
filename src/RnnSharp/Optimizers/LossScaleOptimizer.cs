using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Keras's <c>LossScaleOptimizer</c>: wraps an optimizer and scales the loss dynamically so float16 gradients do not
    /// underflow. A training step differentiates <c>loss · scale</c> (<see cref="ScaleLoss"/>); <see cref="Step"/> then
    /// divides the gradients by the scale and lets the inner optimizer update, unless a gradient is not finite: then the
    /// step is skipped and the scale halved. After <see cref="DynamicGrowthSteps"/> finite steps in a row the scale
    /// doubles. <c>Compile</c> wraps the optimizer in one when the model's policy is <c>"mixed_float16"</c>, as Keras does.
    /// </summary>
    public sealed class LossScaleOptimizer : Optimizer
    {
        /// <summary>Wraps <paramref name="innerOptimizer"/>.</summary>
        /// <param name="innerOptimizer">The optimizer that applies the (unscaled) updates.</param>
        /// <param name="initialScale">The first loss scale (Keras's default 2^15).</param>
        /// <param name="dynamicGrowthSteps">Finite steps in a row after which the scale doubles (Keras's default 2000).</param>
        /// <param name="name">The optimizer's name; null is Keras's <c>"loss_scale_optimizer"</c>.</param>
        /// <exception cref="ArgumentException"><paramref name="innerOptimizer"/> is itself a LossScaleOptimizer.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A non-positive scale or growth interval.</exception>
        public LossScaleOptimizer(Optimizer innerOptimizer, double initialScale = 32768.0, int dynamicGrowthSteps = 2000, string? name = null)
            : base(name ?? "loss_scale_optimizer", 0.0, null, null, null, null)
        {
            ArgumentNullException.ThrowIfNull(innerOptimizer);
            if (innerOptimizer is LossScaleOptimizer)
                throw new ArgumentException("LossScaleOptimizer cannot wrap another LossScaleOptimizer.", nameof(innerOptimizer));
            if (!(initialScale > 0) || double.IsInfinity(initialScale))
                throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "initialScale must be a finite positive number.");
            if (dynamicGrowthSteps < 1)
                throw new ArgumentOutOfRangeException(nameof(dynamicGrowthSteps), dynamicGrowthSteps, "dynamicGrowthSteps must be at least 1.");
            InnerOptimizer = innerOptimizer;
            InitialScale = initialScale;
            DynamicGrowthSteps = dynamicGrowthSteps;
            DynamicScale = initialScale;
        }

        /// <summary>The wrapped optimizer.</summary>
        public Optimizer InnerOptimizer { get; }

        /// <summary>The first loss scale.</summary>
        public double InitialScale { get; }

        /// <summary>Finite steps in a row after which the scale doubles.</summary>
        public int DynamicGrowthSteps { get; }

        /// <summary>The current loss scale (Keras's <c>dynamic_scale</c>).</summary>
        public double DynamicScale { get; private set; }

        /// <summary>Finite steps since the scale last changed (Keras's <c>step_counter</c>).</summary>
        public int StepCounter { get; private set; }

        /// <summary>Steps skipped so far because a gradient was not finite.</summary>
        public long SkippedSteps { get; private set; }

        /// <summary>The inner optimizer's learning rate.</summary>
        public override double LearningRate
        {
            get => InnerOptimizer.LearningRate;
            set => InnerOptimizer.LearningRate = value;
        }

        /// <summary>The inner optimizer's update count (skipped steps do not count, as in Keras).</summary>
        public override long Iterations => InnerOptimizer.Iterations;

        /// <summary>No slot variables of its own.</summary>
        protected override IReadOnlyList<double> SlotInitialValues => Array.Empty<double>();

        /// <summary>Registers the parameters here and in the inner optimizer.</summary>
        public override void Build(IEnumerable<Parameter> parameters)
        {
            var list = parameters.ToList();
            base.Build(list);
            InnerOptimizer.Build(list);
        }

        /// <summary>The loss times the current scale.</summary>
        public override Tensor ScaleLoss(Tensor loss) => loss * DynamicScale;

        /// <summary>
        /// Unscales the gradients and applies the inner optimizer's update when all are finite (then counts the step and
        /// doubles the scale after <see cref="DynamicGrowthSteps"/> of them); otherwise skips the update and halves the scale.
        /// </summary>
        public override void Step()
        {
            if (!IsBuilt) throw new InvalidOperationException($"{Name}: call Build(parameters) before Step().");
            // Data-parallel: averaged before the finiteness check, so every process skips or applies alike.
            BeforeStep?.Invoke(Parameters);
            var grads = Parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
            if (grads.Length == 0)
                throw new InvalidOperationException($"{Name}: no gradients provided for any parameter; call backward() on the loss before Step().");
            bool finite;
            using (NewDisposeScope())
            using (no_grad())
                // One host read for all gradients.
                finite = stack(grads.Select(g => g.isfinite().all()).ToArray()).all().item<bool>();
            if (!finite)
            {
                DynamicScale *= 0.5;
                StepCounter = 0;
                SkippedSteps++;
                return;
            }
            using (no_grad())
                foreach (var g in grads) g.div_(DynamicScale);
            InnerOptimizer.AfterStep = AfterStep;
            InnerOptimizer.Step();
            if (StepCounter == DynamicGrowthSteps - 1)
            {
                StepCounter = 0;
                DynamicScale *= 2.0;
            }
            else
            {
                StepCounter++;
            }
        }

        /// <summary>Keras's config: <c>name</c>, <c>inner_optimizer</c> (serialized), <c>initial_scale</c>,
        /// <c>dynamic_growth_steps</c>.</summary>
        public override Dictionary<string, object?> GetConfig() => new()
        {
            ["name"] = Name,
            ["inner_optimizer"] = InnerOptimizer.Serialize(),
            ["initial_scale"] = InitialScale,
            ["dynamic_growth_steps"] = DynamicGrowthSteps,
        };

        /// <summary>Rebuilds one from its config (Keras 3's, or tf.keras's with <c>"dynamic": true</c>).</summary>
        /// <exception cref="ArgumentException">No inner optimizer, <c>dynamic: false</c>, or an argument Keras refuses.</exception>
        internal static LossScaleOptimizer FromConfig(IReadOnlyDictionary<string, object?> config)
        {
            var inner = config.GetValueOrDefault("inner_optimizer")
                ?? throw new ArgumentException("LossScaleOptimizer: the config has no \"inner_optimizer\".", nameof(config));
            if (config.GetValueOrDefault("dynamic") is bool dynamic && !dynamic)
                throw new ArgumentException("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set `loss_scale_factor` directly on the `inner_optimizer`.", nameof(config));
            foreach (var key in config.Keys)
                if (key is not ("name" or "inner_optimizer" or "initial_scale" or "dynamic_growth_steps" or "dynamic")
                    && config[key] is not (null or false) && !(key == "ema_momentum" && Convert.ToDouble(config[key], System.Globalization.CultureInfo.InvariantCulture) == 0.99))
                    throw new ArgumentException($"LossScaleOptimizer does not support `{key}`. Instead, set `{key}` on the `inner_optimizer`.", nameof(config));
            double initial = config.GetValueOrDefault("initial_scale") is { } s ? Convert.ToDouble(s, System.Globalization.CultureInfo.InvariantCulture) : 32768.0;
            int growth = config.GetValueOrDefault("dynamic_growth_steps") is { } g ? Convert.ToInt32(g, System.Globalization.CultureInfo.InvariantCulture) : 2000;
            return new LossScaleOptimizer(Deserialize(inner), initial, growth, config.GetValueOrDefault("name") as string);
        }

        /// <summary>Never called: <see cref="Step"/> delegates the update to the inner optimizer.</summary>
        protected override void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate)
            => throw new InvalidOperationException("LossScaleOptimizer updates through its inner optimizer.");

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing) InnerOptimizer.Dispose();
            base.Dispose(disposing);
        }
    }
}
