using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Losses;
using RnnSharp.Metrics;
using RnnSharp.Optimizers;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// What <see cref="Trainer.Compile(Optimizer?, Loss?, IEnumerable{string}?)"/> configures, in one object: the
    /// optimizer, the loss, the metrics (by name, resolved on the first batch as Keras resolves <c>"accuracy"</c> from the
    /// shapes, or as objects) and the loss tracker. Compiling again replaces it whole.
    /// </summary>
    public sealed class CompiledState : IDisposable
    {
        private readonly IReadOnlyList<string> metricNames;
        private readonly IReadOnlyList<Metric>? metricObjects;
        private List<Metric>? metrics;

        internal CompiledState(Optimizer optimizer, Loss loss, IReadOnlyList<string> metricNames, IReadOnlyList<Metric>? metricObjects)
        {
            Optimizer = optimizer;
            Loss = loss;
            this.metricNames = metricNames;
            this.metricObjects = metricObjects;
        }

        /// <summary>The optimizer.</summary>
        public Optimizer Optimizer { get; }

        /// <summary>The loss.</summary>
        public Loss Loss { get; }

        /// <summary>The running mean of the loss over the batches of an epoch or evaluation, logged as <c>loss</c>
        /// (Keras weights each batch's loss by its batch size).</summary>
        public Mean LossTracker { get; } = new("loss");

        /// <summary>The compiled metrics once resolved (on the first batch), else empty.</summary>
        public IReadOnlyList<Metric> Metrics => metrics ?? (IReadOnlyList<Metric>)Array.Empty<Metric>();

        /// <summary>The compiled metrics, resolved from the names given to Compile for these targets and predictions on
        /// first use.</summary>
        internal IReadOnlyList<Metric> Resolve(Tensor yTrue, Tensor yPred)
            => metrics ??= metricObjects?.ToList() ?? metricNames.Select(name => Metric.Get(name, Loss, yPred.shape, yTrue.shape)).ToList();

        /// <summary>Frees the loss tracker's state.</summary>
        public void Dispose() => LossTracker.Dispose();
    }
}
