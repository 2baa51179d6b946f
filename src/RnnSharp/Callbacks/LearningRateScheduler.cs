using System;
using System.Collections.Generic;
using System.Globalization;
using RnnSharp.Utils;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Sets the learning rate at the start of every epoch from a schedule, as Keras's
    /// <c>keras.callbacks.LearningRateScheduler</c>. The rate is read and written through
    /// <see cref="Trainers.Trainer.LearningRateHolder"/> (the compiled optimizer); at the end of each epoch it is added to
    /// the logs as <c>lr</c>.
    /// </summary>
    /// <example><code>
    /// // Keep the rate for ten epochs, then decay it exponentially.
    /// var scheduler = new LearningRateScheduler((epoch, lr) => epoch &lt; 10 ? lr : lr * Math.Exp(-0.1));
    /// </code></example>
    public sealed class LearningRateScheduler : Callback
    {
        private readonly Func<int, double, double> schedule;

        /// <summary>Creates the scheduler.</summary>
        /// <param name="schedule">Takes the zero-based epoch and the current rate, returns the new rate.</param>
        /// <param name="verbose">0: quiet; 1: print a message whenever the rate is set.</param>
        public LearningRateScheduler(Func<int, double, double> schedule, int verbose = 0)
        {
            this.schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
            Verbose = verbose;
        }

        /// <summary>Creates the scheduler from a schedule of the epoch alone (Keras's older one-argument form).</summary>
        /// <param name="schedule">Takes the zero-based epoch, returns the rate.</param>
        /// <param name="verbose">0: quiet; 1: print a message whenever the rate is set.</param>
        public LearningRateScheduler(Func<int, double> schedule, int verbose = 0)
            : this(WithoutRate(schedule), verbose)
        {
        }

        /// <summary>0: quiet; 1: update messages.</summary>
        public int Verbose { get; }

        /// <inheritdoc />
        public override void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null)
        {
            var holder = RequireLearningRate();
            double lr = schedule(epoch, holder.LearningRate);
            holder.LearningRate = lr;
            if (Verbose > 0)
                Print(string.Create(CultureInfo.InvariantCulture,
                    $"\nEpoch {epoch + 1:00000}: LearningRateScheduler setting learning rate to {PythonFormat.Repr(lr)}."));
        }

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            if (logs is not null) logs["lr"] = RequireLearningRate().LearningRate;
        }

        private static Func<int, double, double> WithoutRate(Func<int, double> schedule)
        {
            ArgumentNullException.ThrowIfNull(schedule);
            return (epoch, _) => schedule(epoch);
        }
    }
}
