using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Stops training when a monitored quantity has stopped improving, as Keras 2.6's
    /// <c>keras.callbacks.EarlyStopping</c>.
    /// </summary>
    /// <remarks>
    /// <para>At the end of each epoch: a value improves on the best so far when <c>value - minDelta &lt; best</c>
    /// (<c>min</c> mode) or <c>value - minDelta &gt; best</c> (<c>max</c> mode, <c>minDelta</c> taken positive);
    /// <c>auto</c> is <c>max</c> when the monitored name contains <c>acc</c> (<c>acc</c>, <c>accuracy</c>,
    /// <c>val_acc</c>, ...), else <c>min</c> (Keras 2.6's rule: <c>auc</c> and other names are minimised unless
    /// <c>mode: "max"</c> is given). The wait count grows by one each epoch and restarts at an improvement that also
    /// beats <c>baseline</c> (when given); when it reaches <c>patience</c> training stops
    /// (<see cref="Trainers.Trainer.StopTraining"/>) and <see cref="StoppedEpoch"/> is set. Keras 2.5/2.6 compares the count
    /// with <c>patience</c> after restarting it, so with the default <c>patience: 0</c> training stops at the end of
    /// the first epoch that has the monitored value.</para>
    /// <para>With <c>restoreBestWeights</c>, the weights of the best epoch (or, if none improved, of the first
    /// monitored epoch) are put back into the model when training is stopped by this callback; a run that ends
    /// because its epochs are used up keeps its last weights, as in Keras 2.6.</para>
    /// <para>A missing monitored value is warned about and the epoch ignored.</para>
    /// </remarks>
    public sealed class EarlyStopping : Callback, IDisposable
    {
        private readonly Func<double, double, bool> monitorOp;
        private readonly bool maximize;
        private Tensor[]? bestWeights;

        /// <summary>Creates the callback with Keras's arguments and defaults.</summary>
        /// <param name="monitor">Quantity to monitor.</param>
        /// <param name="minDelta">Minimum change that counts as an improvement (its absolute value is used).</param>
        /// <param name="patience">Epochs without improvement after which training stops.</param>
        /// <param name="verbose">0: quiet; 1: print a message when stopping or restoring.</param>
        /// <param name="mode"><c>auto</c>, <c>min</c> or <c>max</c>.</param>
        /// <param name="baseline">Value the monitored quantity must beat for the wait count to restart.</param>
        /// <param name="restoreBestWeights">Restore the best epoch's weights when stopping.</param>
        public EarlyStopping(
            string monitor = "val_loss", double minDelta = 0, int patience = 0, int verbose = 0, string mode = "auto",
            double? baseline = null, bool restoreBestWeights = false)
        {
            Monitor = monitor;
            Patience = patience;
            Verbose = verbose;
            Baseline = baseline;
            RestoreBestWeights = restoreBestWeights;
            if (mode is not ("auto" or "min" or "max"))
            {
                Warn($"EarlyStopping mode {mode} is unknown, fallback to auto mode.");
                mode = "auto";
            }
            Mode = mode;
            maximize = mode == "max" || (mode == "auto" && monitor.Contains("acc", StringComparison.Ordinal));
            monitorOp = maximize ? (a, b) => a > b : (a, b) => a < b;
            // Keras stores the delta with the sign of the direction of improvement.
            MinDelta = maximize ? Math.Abs(minDelta) : -Math.Abs(minDelta);
            Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
        }

        /// <summary>Quantity monitored.</summary>
        public string Monitor { get; }
        /// <summary>Signed minimum improvement: positive in max mode, negative in min mode (as Keras stores it).</summary>
        public double MinDelta { get; }
        /// <summary>Epochs without improvement before stopping.</summary>
        public int Patience { get; }
        /// <summary>0: quiet; 1: messages.</summary>
        public int Verbose { get; }
        /// <summary>The mode after validation (<c>auto</c>, <c>min</c> or <c>max</c>).</summary>
        public string Mode { get; }
        /// <summary>Baseline the monitored value must beat, or null.</summary>
        public double? Baseline { get; }
        /// <summary>Whether the best weights are restored when stopping.</summary>
        public bool RestoreBestWeights { get; }
        /// <summary>Epochs counted since the last improvement.</summary>
        public int Wait { get; private set; }
        /// <summary>Zero-based epoch at which training was stopped, 0 if it was not (Keras's <c>stopped_epoch</c>).</summary>
        public int StoppedEpoch { get; private set; }
        /// <summary>Best monitored value so far.</summary>
        public double Best { get; private set; }

        /// <summary>The weights kept for restoring (CPU tensors in Keras order), or null.</summary>
        public IReadOnlyList<Tensor>? BestWeights => bestWeights;

        /// <inheritdoc />
        public override void OnTrainBegin(IDictionary<string, double>? logs = null)
        {
            // Instances can be reused across runs.
            Wait = 0;
            StoppedEpoch = 0;
            Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
            ReplaceBestWeights(null);
        }

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            logs = OrEmpty(logs);
            if (!logs.TryGetValue(Monitor, out double current))
            {
                Warn($"Early stopping conditioned on metric `{Monitor}` which is not available. " +
                     $"Available metrics are: {string.Join(",", logs.Keys)}");
                return;
            }
            var model = RequireModel();
            // Keep the first epoch's weights in case no epoch ever improves.
            if (RestoreBestWeights && bestWeights is null) ReplaceBestWeights(Snapshot(model));

            Wait++;
            if (IsImprovement(current, Best))
            {
                Best = current;
                if (RestoreBestWeights) ReplaceBestWeights(Snapshot(model));
                // The wait restarts only for a value that beats both the previous best and the baseline.
                if (Baseline is not double baseline || IsImprovement(current, baseline)) Wait = 0;
            }

            if (Wait >= Patience)
            {
                StoppedEpoch = epoch;
                model.StopTraining = true;
                if (RestoreBestWeights && bestWeights is not null)
                {
                    if (Verbose > 0) Print("Restoring model weights from the end of the best epoch.");
                    model.SetWeights(bestWeights);
                }
            }
        }

        /// <inheritdoc />
        public override void OnTrainEnd(IDictionary<string, double>? logs = null)
        {
            // Keras 2.6 says nothing when it stopped at the first epoch (stopped_epoch == 0).
            if (StoppedEpoch > 0 && Verbose > 0)
                Print(string.Create(CultureInfo.InvariantCulture, $"Epoch {StoppedEpoch + 1:00000}: early stopping"));
        }

        /// <summary>Frees the kept weights.</summary>
        public void Dispose() => ReplaceBestWeights(null);

        private bool IsImprovement(double value, double reference) => monitorOp(value - MinDelta, reference);

        private static Tensor[] Snapshot(Model model)
            // Detached from any dispose scope of the trainer: the copies must live until restored.
            => model.GetWeights().Select(w => w.DetachFromDisposeScope()).ToArray();

        private void ReplaceBestWeights(Tensor[]? weights)
        {
            if (bestWeights is not null)
                foreach (var w in bestWeights) w.Dispose();
            bestWeights = weights;
        }
    }
}
