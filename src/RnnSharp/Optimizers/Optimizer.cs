using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Base class of Keras-style optimizers: holds the trainable parameters and their slot variables, and applies
    /// one update per <see cref="Step"/> from the parameters' <c>.grad</c>, in place under <c>no_grad</c>.
    /// </summary>
    /// <remarks>
    /// <para>One <see cref="Step"/> (Keras's <c>apply_gradients</c>):</para>
    /// <list type="number">
    /// <item>parameters whose <c>.grad</c> is null are skipped (Keras's <c>filter_empty_gradients</c>); if none has a gradient, it throws;</item>
    /// <item>gradient clipping in Keras 2's order (<c>optimizer_v2._transform_gradients</c>), on copies (<c>.grad</c> is left as is):
    /// <c>clipvalue</c>: <c>g = clip(g, -clipvalue, clipvalue)</c>; <c>clipnorm</c> per parameter: <c>g = g * clipnorm / max(||g||, clipnorm)</c>;
    /// <c>globalClipnorm</c>: <c>g_i = g_i * globalClipnorm / max(sqrt(sum_i ||g_i||^2), globalClipnorm)</c>;</item>
    /// <item>decoupled weight decay when <see cref="WeightDecay"/> is set (Keras 3 / tf.keras 2.11+ <c>_apply_weight_decay</c>):
    /// <c>w = w - w * weightDecay * learningRate</c>;</item>
    /// <item>the optimizer's update with step <c>t = Iterations + 1</c>, then <see cref="Iterations"/> is incremented.</item>
    /// </list>
    /// <para>Call <see cref="Build"/> after the model is on its final device: slot variables are allocated like the parameters.</para>
    /// </remarks>
    public abstract class Optimizer : IDisposable, IHasLearningRate
    {
        private static readonly string[] Known = { "sgd", "rmsprop", "adam", "adamw", "adagrad" };

        private readonly List<Parameter> parameters = new();
        private readonly List<Tensor[]> slots = new();
        private double learningRate;
        private bool disposed;

        /// <summary>Validates and stores the arguments every Keras optimizer takes.</summary>
        /// <param name="name">The optimizer's name (Keras: <c>"SGD"</c>, <c>"Adam"</c>, ...).</param>
        /// <param name="learningRate">The learning rate (non-negative).</param>
        /// <param name="clipnorm">Per-parameter gradient norm limit, or null.</param>
        /// <param name="clipvalue">Elementwise gradient limit, or null.</param>
        /// <param name="globalClipnorm">Limit on the norm of all gradients together, or null. Exclusive with <paramref name="clipnorm"/>.</param>
        /// <param name="weightDecay">Decoupled weight decay factor, or null for none.</param>
        protected Optimizer(string name, double learningRate, double? clipnorm, double? clipvalue, double? globalClipnorm, double? weightDecay)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            RequireNonNegative(clipnorm, nameof(clipnorm));
            RequireNonNegative(clipvalue, nameof(clipvalue));
            RequireNonNegative(globalClipnorm, nameof(globalClipnorm));
            RequireNonNegative(weightDecay, nameof(weightDecay));
            if (clipnorm is not null && globalClipnorm is not null)
                throw new ArgumentException(
                    $"Cannot accept both clipnorm and globalClipnorm. Received: clipnorm={clipnorm}, globalClipnorm={globalClipnorm}.");
            Name = name;
            this.learningRate = CheckLearningRate(learningRate);
            Clipnorm = clipnorm;
            Clipvalue = clipvalue;
            GlobalClipnorm = globalClipnorm;
            WeightDecay = weightDecay;
        }

        /// <summary>The optimizer's name.</summary>
        public string Name { get; }

        /// <summary>
        /// The learning rate used by the next <see cref="Step"/>. Settable at any time (e.g. by a ReduceLROnPlateau callback);
        /// slot variables are kept.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is negative, NaN or infinite.</exception>
        public virtual double LearningRate
        {
            get => learningRate;
            set => learningRate = CheckLearningRate(value);
        }

        private static double CheckLearningRate(double value)
            => !(value >= 0) || double.IsInfinity(value)
                ? throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be a finite non-negative number.")
                : value;

        /// <summary>Per-parameter gradient norm limit (Keras's <c>clipnorm</c>), or null.</summary>
        public double? Clipnorm { get; }

        /// <summary>Elementwise gradient limit (Keras's <c>clipvalue</c>), or null.</summary>
        public double? Clipvalue { get; }

        /// <summary>Limit on the global norm of all gradients (Keras's <c>global_clipnorm</c>), or null.</summary>
        public double? GlobalClipnorm { get; }

        /// <summary>Decoupled weight decay factor (Keras's <c>weight_decay</c>), or null for none.</summary>
        public double? WeightDecay { get; }

        /// <summary>The number of updates applied so far (Keras's <c>iterations</c>).</summary>
        public virtual long Iterations => iterations;

        private long iterations;

        /// <summary>Whether <see cref="Build"/> has been called.</summary>
        public bool IsBuilt { get; private set; }

        /// <summary>The parameters this optimizer updates (those with <c>requires_grad</c>, without duplicates).</summary>
        public IReadOnlyList<Parameter> Parameters => parameters;

        /// <summary>The names <see cref="Get"/> resolves.</summary>
        public static IReadOnlyList<string> KnownNames => Known;

        /// <summary>
        /// Registers the parameters to train and allocates their slot variables (same shape, dtype and device).
        /// Parameters without <c>requires_grad</c> and repeated parameters are ignored. Calling it again replaces the
        /// parameters and slot variables; <see cref="Iterations"/> is kept.
        /// </summary>
        /// <param name="parameters">The model's parameters.</param>
        public virtual void Build(IEnumerable<Parameter> parameters)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            ObjectDisposedException.ThrowIf(disposed, this);
            var chosen = new List<Parameter>();
            var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
            foreach (var p in parameters)
            {
                if (p is null || !p.requires_grad || !seen.Add(p))
                    continue;
                chosen.Add(p);
            }
            DisposeSlots();
            this.parameters.Clear();
            var initial = SlotInitialValues;
            using var noGrad = no_grad();
            foreach (var p in chosen)
            {
                var slots = new Tensor[initial.Count];
                for (int s = 0; s < slots.Length; s++)
                {
                    // Detached from any caller's dispose scope: slots live as long as the optimizer.
                    slots[s] = (initial[s] == 0 ? zeros_like(p) : full_like(p, initial[s])).DetachFromDisposeScope();
                }
                this.parameters.Add(p);
                this.slots.Add(slots);
            }
            IsBuilt = true;
        }

        /// <summary>
        /// Applies one update to every built parameter that has a gradient (see the class remarks for the exact order).
        /// </summary>
        /// <exception cref="InvalidOperationException">Not built, or no parameter has a gradient.</exception>
        public virtual void Step()
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!IsBuilt)
                throw new InvalidOperationException($"{Name}: call Build(parameters) before Step().");
            BeforeStep?.Invoke(parameters);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            int n = parameters.Count;
            var grads = new Tensor?[n];
            bool any = false;
            for (int i = 0; i < n; i++)
            {
                grads[i] = parameters[i].grad;
                any |= grads[i] is not null;
            }
            if (!any)
                throw new InvalidOperationException(
                    $"{Name}: no gradients provided for any parameter; call backward() on the loss before Step().");

            ClipGradients(grads);

            double lr = LearningRate;
            long step = Iterations + 1;
            if (WeightDecay is double wd && wd != 0)
            {
                using var factor = (1.0 - wd * lr).ToScalar();
                for (int i = 0; i < n; i++)
                {
                    if (grads[i] is not null)
                        parameters[i].mul_(factor);
                }
            }
            for (int i = 0; i < n; i++)
            {
                if (grads[i] is Tensor g)
                    UpdateStep(parameters[i], g, slots[i], step, lr);
            }
            iterations = step;
            AfterStep?.Invoke();
        }

        /// <summary>Runs after each update, as Keras's optimizer applies the variables' constraints there: the trainer
        /// sets it to its model's constraints.</summary>
        internal Action? AfterStep { get; set; }

        /// <summary>Runs first in each update, on the built parameters: the trainer sets it under data-parallel training
        /// to average the gradients over the processes (Horovod's <c>DistributedOptimizer</c>).</summary>
        internal Action<IReadOnlyList<Parameter>>? BeforeStep { get; set; }

        /// <summary>The loss a training step differentiates, as Keras's <c>optimizer.scale_loss(loss)</c>: the loss itself;
        /// a <see cref="LossScaleOptimizer"/> multiplies it by its loss scale.</summary>
        /// <param name="loss">The step's loss.</param>
        public virtual Tensor ScaleLoss(Tensor loss) => loss;

        /// <summary>Sets every built parameter's <c>.grad</c> to null (PyTorch's <c>zero_grad(set_to_none=True)</c>), so
        /// parameters that get no gradient in the next backward pass are skipped by <see cref="Step"/>, as in Keras.</summary>
        public void ZeroGrad()
        {
            foreach (var p in parameters)
                p.grad = null;
        }

        /// <summary>The initial value of each slot variable the update keeps per parameter (e.g. Adam: <c>m</c>, <c>v</c>).</summary>
        protected abstract IReadOnlyList<double> SlotInitialValues { get; }

        /// <summary>
        /// Applies the optimizer's update to one parameter, in place, under <c>no_grad</c> and inside a dispose scope.
        /// </summary>
        /// <param name="parameter">The parameter to update.</param>
        /// <param name="gradient">Its (clipped) gradient.</param>
        /// <param name="slots">Its slot variables, in the order of <see cref="SlotInitialValues"/>.</param>
        /// <param name="step">The 1-based step number <c>t = Iterations + 1</c>.</param>
        /// <param name="learningRate">The learning rate for this step.</param>
        protected abstract void UpdateStep(Parameter parameter, Tensor gradient, Tensor[] slots, long step, double learningRate);

        /// <summary>
        /// Resolves a Keras optimizer name (case-insensitive) with Keras's defaults: <c>"sgd"</c>, <c>"rmsprop"</c>,
        /// <c>"adam"</c>, <c>"adamw"</c>, <c>"adagrad"</c>.
        /// </summary>
        /// <param name="name">The optimizer name.</param>
        /// <returns>A new optimizer.</returns>
        /// <exception cref="ArgumentException">The name is unknown.</exception>
        public static Optimizer Get(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            return name.ToLowerInvariant() switch
            {
                "sgd" => new SGD(),
                "rmsprop" => new RMSprop(),
                "adam" => new Adam(),
                "adamw" => new AdamW(),
                "adagrad" => new Adagrad(),
                _ => throw new ArgumentException(
                    $"Unknown optimizer '{name}'. Known optimizers: {string.Join(", ", Known)}.", nameof(name)),
            };
        }

        /// <summary>Resolves a Keras optimizer name, so <c>Compile(optimizer: "adam")</c> works. See <see cref="Get"/>.</summary>
        /// <param name="name">The optimizer name.</param>
        public static implicit operator Optimizer(string name) => Get(name);

        /// <summary>
        /// The optimizer's arguments with Keras 3's keys, as <c>get_config()</c> (what a <c>.keras</c> file's
        /// <c>compile_config</c> holds): <c>name</c>, <c>learning_rate</c>, <c>weight_decay</c>, the clipping limits and
        /// Keras 3's options RnnSharp leaves at their defaults (<c>use_ema</c>, ...), then each optimizer's own.
        /// </summary>
        public virtual Dictionary<string, object?> GetConfig() => new()
        {
            ["name"] = Name,
            ["learning_rate"] = LearningRate,
            ["weight_decay"] = WeightDecay,
            ["clipnorm"] = Clipnorm,
            ["global_clipnorm"] = GlobalClipnorm,
            ["clipvalue"] = Clipvalue,
            ["use_ema"] = false,
            ["ema_momentum"] = 0.99,
            ["ema_overwrite_frequency"] = null,
            ["loss_scale_factor"] = null,
            ["gradient_accumulation_steps"] = null,
        };

        /// <summary>The optimizer as Keras 3 serializes it: <c>{"module": "keras.optimizers", "class_name": "Adam",
        /// "config": {...}, "registered_name": null}</c>.</summary>
        public Dictionary<string, object?> Serialize() => Saving.Keras3Serialization.Wrap("keras.optimizers", GetType().Name, GetConfig());

        /// <summary>
        /// Rebuilds an optimizer from a Keras compile configuration: a name (<c>"adam"</c>) or
        /// <c>{"class_name": "Adam", "config": {...}}</c> (Keras 2 or Keras 3). Keras options RnnSharp does not have
        /// (<c>use_ema</c>, loss scaling, gradient accumulation) are refused when set, never dropped.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown optimizer, or a value RnnSharp cannot honour.</exception>
        public static Optimizer Deserialize(object serialized)
        {
            if (serialized is string name) return Get(name);
            if (serialized is not IReadOnlyDictionary<string, object?> entry || entry.GetValueOrDefault("class_name") is not string className)
                throw new ArgumentException($"An optimizer must be a name or {{\"class_name\": ..., \"config\": {{...}}}}, not {serialized}.", nameof(serialized));
            var type = className.ToLowerInvariant() switch
            {
                "sgd" => typeof(SGD),
                "rmsprop" => typeof(RMSprop),
                "adam" => typeof(Adam),
                "adamw" => typeof(AdamW),
                "adagrad" => typeof(Adagrad),
                "lossscaleoptimizer" => typeof(LossScaleOptimizer),
                _ => throw new ArgumentException($"Unknown optimizer class: '{className}'. Known optimizers: SGD, RMSprop, Adam, AdamW, Adagrad, LossScaleOptimizer.", nameof(serialized)),
            };
            var config = entry.GetValueOrDefault("config") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            if (type == typeof(LossScaleOptimizer)) return LossScaleOptimizer.FromConfig(config);
            foreach (var (key, harmless) in new (string, object?)[] { ("use_ema", false), ("loss_scale_factor", null), ("gradient_accumulation_steps", null) })
            {
                var value = config.GetValueOrDefault(key);
                if (value is not null && !value.Equals(harmless))
                    throw new ArgumentException($"Optimizer {className}: \"{key}\" = {value} is not supported by RnnSharp's optimizers.", nameof(serialized));
            }
            // Keras 2 wrote "lr" for the learning rate.
            if (!config.ContainsKey("learning_rate") && config.GetValueOrDefault("lr") is { } lr)
                config = new Dictionary<string, object?>(config) { ["learning_rate"] = lr };
            return (Optimizer)Utils.ConfigArguments.Instantiate(type, config, $"Optimizer {className}", out _);
        }

        /// <inheritdoc/>
        public override string ToString() => Name;

        /// <summary>Releases the slot variables (the parameters belong to the model).</summary>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the slot variables.</summary>
        /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
        protected virtual void Dispose(bool disposing)
        {
            if (disposed)
                return;
            if (disposing)
                DisposeSlots();
            disposed = true;
        }

        private void ClipGradients(Tensor?[] grads)
        {
            // Scalars are not tracked by dispose scopes, so they are released explicitly.
            if (Clipvalue is double cv)
            {
                using var low = (-cv).ToScalar();
                using var high = cv.ToScalar();
                for (int i = 0; i < grads.Length; i++)
                    grads[i] = grads[i]?.clamp(low, high);
            }
            if (Clipnorm is double cn)
            {
                // tf.clip_by_norm: g * clip / max(||g||, clip).
                using var clip = cn.ToScalar();
                for (int i = 0; i < grads.Length; i++)
                {
                    if (grads[i] is Tensor g)
                        grads[i] = g.mul(clip).div_(g.norm().clamp_min_(clip));
                }
            }
            if (GlobalClipnorm is double gc)
            {
                // tf.clip_by_global_norm: every g * clip / max(sqrt(sum ||g_i||^2), clip).
                var present = grads.Where(g => g is not null).Select(g => g!).ToArray();
                var device = present[0].device;
                // Norms are combined in float64 when any gradient is float64, else in float32 (also for half precision).
                var dtype = present.Any(g => g.dtype == ScalarType.Float64) ? ScalarType.Float64 : ScalarType.Float32;
                var norms = stack(present.Select(g => g.norm().to(dtype, device)), 0);
                using var clip = gc.ToScalar();
                var scale = norms.norm().clamp_min_(clip).reciprocal_().mul_(clip);
                for (int i = 0; i < grads.Length; i++)
                {
                    if (grads[i] is Tensor g)
                        grads[i] = g.mul(scale.to(g.dtype, g.device));
                }
            }
        }

        private void DisposeSlots()
        {
            foreach (var slots in this.slots)
                foreach (var s in slots)
                    s.Dispose();
            this.slots.Clear();
        }

        private static void RequireNonNegative(double? value, string name)
        {
            if (value is double v && (!(v >= 0) || double.IsInfinity(v)))
                throw new ArgumentOutOfRangeException(name, v, $"{name} must be a finite non-negative number.");
        }
    }
}
