using System;
using System.Collections.Generic;
using System.Globalization;
using RnnSharp.Utils;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Reduces the learning rate when a monitored quantity has stopped improving, as Keras 2.6's
    /// <c>keras.callbacks.ReduceLROnPlateau</c>.
    /// </summary>
    /// <remarks>
    /// At the end of each epoch the current rate is added to the logs as <c>lr</c>. A value improves on the best so
    /// far when it is lower by more than <c>minDelta</c> (<c>min</c> mode) or higher by more than <c>minDelta</c>
    /// (<c>max</c> mode); <c>auto</c> is <c>max</c> when the monitored name contains <c>acc</c>, else <c>min</c>. After
    /// <c>patience</c> epochs without improvement the rate becomes <c>max(lr · factor, minLr)</c> (only while
    /// <c>lr &gt; minLr</c>), and the count restarts after <c>cooldown</c> epochs in which it does not grow. The rate is
    /// read and written through <see cref="Trainers.Trainer.LearningRateHolder"/> as a double (Keras holds it as float32).
    /// </remarks>
    public sealed class ReduceLROnPlateau : Callback
    {
        private Func<double, double, bool> monitorOp = (a, b) => false;

        /// <summary>Creates the callback with Keras's arguments and defaults.</summary>
        /// <param name="monitor">Quantity to monitor.</param>
        /// <param name="factor">Factor by which the rate is reduced (<c>newLr = lr · factor</c>); must be below 1.</param>
        /// <param name="patience">Epochs without improvement after which the rate is reduced.</param>
        /// <param name="verbose">0: quiet; 1: print a message on each reduction.</param>
        /// <param name="mode"><c>auto</c>, <c>min</c> or <c>max</c>.</param>
        /// <param name="minDelta">Threshold for measuring a new optimum.</param>
        /// <param name="cooldown">Epochs to wait after a reduction before counting again.</param>
        /// <param name="minLr">Lower bound on the rate.</param>
        public ReduceLROnPlateau(
            string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0, string mode = "auto",
            double minDelta = 1e-4, int cooldown = 0, double minLr = 0)
        {
            if (factor >= 1.0) throw new ArgumentException("ReduceLROnPlateau does not support a factor >= 1.0.", nameof(factor));
            Monitor = monitor;
            Factor = factor;
            Patience = patience;
            Verbose = verbose;
            Mode = mode;
            MinDelta = minDelta;
            Cooldown = cooldown;
            MinLr = minLr;
            Reset();
        }

        /// <summary>Quantity monitored.</summary>
        public string Monitor { get; }
        /// <summary>Reduction factor.</summary>
        public double Factor { get; }
        /// <summary>Epochs without improvement before a reduction.</summary>
        public int Patience { get; }
        /// <summary>0: quiet; 1: messages.</summary>
        public int Verbose { get; }
        /// <summary><c>auto</c>, <c>min</c> or <c>max</c> (an unknown mode falls back to <c>auto</c> with a warning).</summary>
        public string Mode { get; private set; }
        /// <summary>Threshold for a new optimum.</summary>
        public double MinDelta { get; }
        /// <summary>Epochs of cooldown after a reduction.</summary>
        public int Cooldown { get; }
        /// <summary>Lower bound on the rate.</summary>
        public double MinLr { get; }
        /// <summary>Best monitored value so far.</summary>
        public double Best { get; private set; }
        /// <summary>Epochs since the last improvement (not counted during cooldown).</summary>
        public int Wait { get; private set; }
        /// <summary>Cooldown epochs left.</summary>
        public int CooldownCounter { get; private set; }

        /// <summary>True while in cooldown after a reduction.</summary>
        public bool InCooldown => CooldownCounter > 0;

        /// <inheritdoc />
        public override void OnTrainBegin(IDictionary<string, double>? logs = null) => Reset();

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            logs = OrEmpty(logs);
            var holder = RequireLearningRate();
            logs["lr"] = holder.LearningRate;
            if (!logs.TryGetValue(Monitor, out double current))
            {
                Warn($"Learning rate reduction is conditioned on metric `{Monitor}` which is not available. " +
                     $"Available metrics are: {string.Join(",", logs.Keys)}");
                return;
            }
            if (InCooldown)
            {
                CooldownCounter--;
                Wait = 0;
            }
            if (monitorOp(current, Best))
            {
                Best = current;
                Wait = 0;
            }
            else if (!InCooldown)
            {
                Wait++;
                if (Wait >= Patience)
                {
                    double oldLr = holder.LearningRate;
                    if (oldLr > MinLr)
                    {
                        double newLr = Math.Max(oldLr * Factor, MinLr);
                        holder.LearningRate = newLr;
                        if (Verbose > 0)
                            Print(string.Create(CultureInfo.InvariantCulture,
                                $"\nEpoch {epoch + 1:00000}: ReduceLROnPlateau reducing learning rate to {PythonFormat.Repr(newLr)}."));
                        CooldownCounter = Cooldown;
                        Wait = 0;
                    }
                }
            }
        }

        private void Reset()
        {
            if (Mode is not ("auto" or "min" or "max"))
            {
                Warn($"Learning rate reduction mode {Mode} is unknown, fallback to auto mode.");
                Mode = "auto";
            }
            if (Mode == "min" || (Mode == "auto" && !Monitor.Contains("acc", StringComparison.Ordinal)))
            {
                monitorOp = (a, b) => a < b - MinDelta;
                Best = double.PositiveInfinity;
            }
            else
            {
                monitorOp = (a, b) => a > b + MinDelta;
                Best = double.NegativeInfinity;
            }
            CooldownCounter = 0;
            Wait = 0;
        }
    }
}
