using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Prints the progress of <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> with a <see cref="Progbar"/>, as Keras
    /// 2.6's <c>keras.callbacks.ProgbarLogger</c>; <see cref="CallbackList"/> adds one when <c>verbose</c> is not 0.
    /// </summary>
    /// <remarks>
    /// <para>In training it prints <c>Epoch 1/10</c> (only when there is more than one epoch, as Keras 2.6), draws the
    /// bar after each batch (verbose 1) and finishes it with the epoch's logs, validation values included
    /// (verbose 1 and 2). Validation inside <c>Fit</c> draws nothing; <c>Evaluate</c> and <c>Predict</c> draw
    /// their own bar.</para>
    /// <para>The trainer's logs are already running averages over the epoch, so by default every value is shown as
    /// given (Keras marks all of the model's metrics as stateful for the bar).</para>
    /// </remarks>
    public sealed class ProgbarLogger : Callback
    {
        private readonly bool useSteps;
        private readonly HashSet<string>? statefulMetrics;
        private Progbar? progbar;
        private int seen;
        private int? target;
        private int verbose = 1;
        private int epochs = 1;
        private bool calledInFit;

        /// <summary>Creates the logger.</summary>
        /// <param name="countMode"><c>steps</c> (batches, what the trainer counts) or <c>samples</c> (counted from the
        /// <c>size</c> entry of the batch logs). Keras's class defaults to <c>samples</c>; its trainer uses
        /// <c>steps</c>, and so does this default.</param>
        /// <param name="statefulMetrics">Names shown as given rather than averaged by the bar; null: every name.</param>
        public ProgbarLogger(string countMode = "steps", IEnumerable<string>? statefulMetrics = null)
        {
            useSteps = countMode switch
            {
                "steps" => true,
                "samples" => false,
                _ => throw new ArgumentException("Unknown `count_mode`: " + countMode, nameof(countMode)),
            };
            this.statefulMetrics = statefulMetrics?.ToHashSet(StringComparer.Ordinal);
        }

        /// <summary>The clock handed to each bar (seconds); null is a monotonic stopwatch.</summary>
        public Func<double>? Clock { get; set; }

        /// <summary>Whether the bars redraw in place; null: true when writing to a console whose output is not redirected.</summary>
        public bool? DynamicDisplay { get; set; }

        /// <summary>The bar of the current epoch (or evaluation, prediction), or null.</summary>
        public Progbar? CurrentProgbar => progbar;

        /// <inheritdoc />
        public override void SetParams(CallbackParams parameters)
        {
            base.SetParams(parameters);
            verbose = parameters.Verbose;
            epochs = parameters.Epochs;
            // Without a step count the target is learned at the end of the first epoch.
            target = useSteps ? parameters.Steps : null;
        }

        /// <inheritdoc />
        public override void OnTrainBegin(IDictionary<string, double>? logs = null) => calledInFit = true;

        /// <inheritdoc />
        public override void OnTestBegin(IDictionary<string, double>? logs = null)
        {
            if (calledInFit) return;
            ResetProgbar();
            MaybeInitProgbar();
        }

        /// <inheritdoc />
        public override void OnPredictBegin(IDictionary<string, double>? logs = null)
        {
            ResetProgbar();
            MaybeInitProgbar();
        }

        /// <inheritdoc />
        public override void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null)
        {
            ResetProgbar();
            MaybeInitProgbar();
            if (verbose != 0 && epochs > 1) Print(Progbar.EpochLine(epoch, epochs));
        }

        /// <inheritdoc />
        public override void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null) => BatchUpdate(batch, logs);

        /// <inheritdoc />
        public override void OnTestBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            if (!calledInFit) BatchUpdate(batch, logs);
        }

        /// <inheritdoc />
        public override void OnPredictBatchEnd(int batch, IDictionary<string, double>? logs = null) => BatchUpdate(batch, null);

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null) => Finalize(logs);

        /// <inheritdoc />
        public override void OnTestEnd(IDictionary<string, double>? logs = null)
        {
            if (!calledInFit) Finalize(logs);
        }

        /// <inheritdoc />
        public override void OnPredictEnd(IDictionary<string, double>? logs = null) => Finalize(logs);

        private void ResetProgbar()
        {
            seen = 0;
            progbar = null;
        }

        // Data-parallel: only rank 0 draws (every process keeps the same bookkeeping).
        private Progbar MaybeInitProgbar()
            => progbar ??= new Progbar(
                target, verbose: verbose, statefulMetrics: statefulMetrics, unitName: useSteps ? "step" : "sample",
                output: RnnSharp.Distribution.Distribution.IsChief ? Output : System.IO.TextWriter.Null, clock: Clock, dynamicDisplay: DynamicDisplay);

        private void BatchUpdate(int batch, IDictionary<string, double>? logs)
        {
            var bar = MaybeInitProgbar();
            var values = (logs ?? new Dictionary<string, double>()).ToList();
            if (useSteps)
            {
                seen = batch + 1;
            }
            else
            {
                int size = values.Where(v => v.Key == "size").Select(v => (int)v.Value).FirstOrDefault();
                int steps = values.Where(v => v.Key == "num_steps").Select(v => (int)v.Value).DefaultIfEmpty(1).First();
                values.RemoveAll(v => v.Key is "size" or "num_steps" or "batch");
                seen += size * steps;
            }
            // Keras 2.6 draws per batch only at verbose 1 (the count still matters when the target is unknown).
            if (verbose != 1) return;
            Mark(bar, values);
            bar.Update(seen, values, finalize: false);
        }

        private void Finalize(IDictionary<string, double>? logs)
        {
            var bar = MaybeInitProgbar();
            var values = (logs ?? new Dictionary<string, double>()).ToList();
            if (target is null)
            {
                target = seen;
                bar.Target = target;
            }
            Mark(bar, values);
            bar.Update(target.Value, values, finalize: true);
        }

        private void Mark(Progbar bar, IEnumerable<KeyValuePair<string, double>> values)
        {
            // null: the trainer's logs are already averaged, so every name is stateful for the bar.
            bar.AddStatefulMetrics(statefulMetrics ?? values.Select(v => v.Key));
        }
    }
}
