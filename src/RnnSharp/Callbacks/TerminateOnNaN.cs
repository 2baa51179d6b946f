using System.Collections.Generic;
using System.Globalization;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Stops training as soon as a batch's loss is NaN or infinite, as Keras's
    /// <c>keras.callbacks.TerminateOnNaN</c>: prints <c>Batch 3: Invalid loss, terminating training</c> and sets
    /// <see cref="Trainers.Trainer.StopTraining"/>.
    /// </summary>
    public sealed class TerminateOnNaN : Callback
    {
        /// <inheritdoc />
        public override void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            if (logs is not null && logs.TryGetValue("loss", out double loss) && (double.IsNaN(loss) || double.IsInfinity(loss)))
            {
                Print(string.Create(CultureInfo.InvariantCulture, $"Batch {batch}: Invalid loss, terminating training"));
                RequireModel().StopTraining = true;
            }
        }
    }
}
