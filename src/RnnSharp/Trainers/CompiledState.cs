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
    /// optimizer, a loss and a loss weight per model output (Keras 2's <c>compile_utils.LossesContainer</c>), each
    /// output's metrics (by name, resolved on the first batch as Keras resolves <c>"accuracy"</c> from that output's
    /// shapes, or as objects; <c>MetricsContainer</c>), the loss tracker and, for a model with several outputs, one loss
    /// tracker per output with a loss. Compiling again replaces it whole.
    /// </summary>
    public sealed class CompiledState : IDisposable
    {
        private readonly IReadOnlyList<IReadOnlyList<string>> metricNames;
        private readonly IReadOnlyList<Metric>? metricObjects;
        private readonly Mean?[] outputLossTrackers;
        private IReadOnlyList<IReadOnlyList<Metric>>? metrics;

        internal CompiledState(Optimizer optimizer, IReadOnlyList<string> outputNames, IReadOnlyList<Loss?> losses,
            IReadOnlyList<double> lossWeights, IReadOnlyList<IReadOnlyList<string>> metricNames, IReadOnlyList<Metric>? metricObjects)
        {
            Optimizer = optimizer;
            OutputNames = outputNames.ToArray();
            Losses = losses.ToArray();
            LossWeights = lossWeights.ToArray();
            this.metricNames = metricNames;
            this.metricObjects = metricObjects;
            // Keras 2 creates per-output loss metrics only for a model with several outputs.
            outputLossTrackers = OutputNames.Select((name, i) => OutputNames.Count > 1 && Losses[i] is not null ? new Mean(name + "_loss") : null).ToArray();
        }

        /// <summary>The optimizer.</summary>
        public Optimizer Optimizer { get; }

        /// <summary>The names of the model's outputs when it was compiled, in order (the prefixes of the per-output log
        /// keys).</summary>
        public IReadOnlyList<string> OutputNames { get; }

        /// <summary>The loss of each output, in output order (null: the output has no loss).</summary>
        public IReadOnlyList<Loss?> Losses { get; }

        /// <summary>The weight of each output's loss in the total loss (1 unless given).</summary>
        public IReadOnlyList<double> LossWeights { get; }

        /// <summary>The loss when every output has the same one (a single loss given to Compile, or a model with one
        /// output); otherwise null (see <see cref="Losses"/>).</summary>
        public Loss? Loss => Losses.Distinct().Count() == 1 ? Losses[0] : null;

        /// <summary>The running mean of the total loss over the batches of an epoch or evaluation, logged as <c>loss</c>
        /// (Keras weights each batch's loss by its batch size).</summary>
        public Mean LossTracker { get; } = new("loss");

        /// <summary>For a model with several outputs, the running mean of each output's (unweighted) loss, logged as
        /// <c>{output}_loss</c>; null for an output without a loss and for a model with one output.</summary>
        public IReadOnlyList<Mean?> OutputLossTrackers => outputLossTrackers;

        /// <summary>The metrics given to Compile for each output, by name (a metric object by its name).</summary>
        internal IReadOnlyList<IReadOnlyList<string>> MetricNames
            => metricObjects is null ? metricNames : new[] { (IReadOnlyList<string>)metricObjects.Select(m => m.Name).ToArray() };

        /// <summary>The compiled metrics once resolved (on the first batch), every output's in output order, else empty.</summary>
        public IReadOnlyList<Metric> Metrics => metrics?.SelectMany(m => m).ToArray() ?? Array.Empty<Metric>();

        /// <summary>The compiled metrics of each output, resolved on first use from the names given to Compile for these
        /// targets and predictions (one per output); for a model with several outputs each metric is renamed
        /// <c>{output}_{metric}</c>, as Keras 2 does.</summary>
        /// <exception cref="ArgumentException">Two metrics have the same name.</exception>
        internal IReadOnlyList<IReadOnlyList<Metric>> Resolve(IReadOnlyList<Tensor> yTrue, IReadOnlyList<Tensor> yPred)
        {
            if (metrics is not null) return metrics;
            bool multi = OutputNames.Count > 1;
            var resolved = new List<IReadOnlyList<Metric>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < OutputNames.Count; i++)
            {
                var output = metricObjects is not null && i == 0 ? metricObjects.ToList()
                    : metricNames[i].Select(name => Metric.Get(name, Losses[i], yPred[i].shape, yTrue[i].shape)).ToList();
                foreach (var metric in output)
                {
                    if (multi) metric.Name = OutputNames[i] + "_" + metric.Name;
                    if (!seen.Add(metric.Name)) throw new ArgumentException($"Found two metrics with the same name: {metric.Name}");
                }
                resolved.Add(output);
            }
            return metrics = resolved;
        }

        /// <summary>Frees the loss trackers' state.</summary>
        public void Dispose()
        {
            LossTracker.Dispose();
            foreach (var tracker in outputLossTrackers) tracker?.Dispose();
        }
    }
}
