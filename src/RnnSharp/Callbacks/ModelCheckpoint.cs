using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using RnnSharp.Utils;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Saves the model or its weights during training, as Keras 2.6's <c>keras.callbacks.ModelCheckpoint</c>.
    /// </summary>
    /// <remarks>
    /// <para><c>filepath</c> may hold Python <c>str.format</c> fields filled from the one-based epoch and the logs:
    /// <c>weights.{epoch:02d}-{val_loss:.2f}.rnnsharp</c> gives <c>weights.03-0.52.rnnsharp</c> at the end of the third epoch (index 2) with <c>val_loss</c> 0.5234. A field naming a
    /// missing key raises <see cref="KeyNotFoundException"/>, as Keras raises <c>KeyError</c>.</para>
    /// <para>With <c>saveBestOnly</c>, the model is saved only when the monitored value improves strictly on the best
    /// so far (lower in <c>min</c> mode, higher in <c>max</c>; <c>auto</c> is <c>max</c> when the name contains
    /// <c>acc</c> or starts with <c>fmeasure</c>); a missing value is warned about and nothing saved. The best value
    /// is kept for the life of the callback. Saving goes through <see cref="Model.SaveWeights"/> or
    /// <see cref="Model.Save"/>, so the file format follows the extension (see <c>docs/saving.md</c>).</para>
    /// </remarks>
    public sealed class ModelCheckpoint : Callback
    {
        private readonly Func<double, double, bool> monitorOp;
        private int epochsSinceLastSave;
        private int batchesSeenSinceLastSaving;
        private int lastBatchSeen;
        private int currentEpoch;

        /// <summary>Creates the callback with Keras's arguments and defaults.</summary>
        /// <param name="filepath">Path to save to; may contain <c>{epoch}</c>, <c>{epoch:02d}</c>, <c>{val_loss:.2f}</c> and any log key.</param>
        /// <param name="monitor">Quantity monitored for <paramref name="saveBestOnly"/>.</param>
        /// <param name="verbose">0: quiet; 1: print a message on each save decision.</param>
        /// <param name="saveBestOnly">Save only when the monitored value improves.</param>
        /// <param name="saveWeightsOnly">Save the weights (<see cref="Model.SaveWeights"/>) rather than the whole model (<see cref="Model.Save"/>).</param>
        /// <param name="mode"><c>auto</c>, <c>min</c> or <c>max</c>.</param>
        /// <param name="saveFreq"><c>"epoch"</c> (default) or a number of training batches.</param>
        public ModelCheckpoint(
            string filepath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false, bool saveWeightsOnly = false,
            string mode = "auto", SaveFreq? saveFreq = null)
        {
            Filepath = filepath ?? throw new ArgumentNullException(nameof(filepath));
            Monitor = monitor;
            Verbose = verbose;
            SaveBestOnly = saveBestOnly;
            SaveWeightsOnly = saveWeightsOnly;
            SaveFreq = saveFreq ?? SaveFreq.Epoch;
            if (mode is not ("auto" or "min" or "max"))
            {
                Warn($"ModelCheckpoint mode {mode} is unknown, fallback to auto mode.");
                mode = "auto";
            }
            Mode = mode;
            bool maximize = mode == "max"
                || (mode == "auto" && (monitor.Contains("acc", StringComparison.Ordinal) || monitor.StartsWith("fmeasure", StringComparison.Ordinal)));
            monitorOp = maximize ? (a, b) => a > b : (a, b) => a < b;
            Best = maximize ? double.NegativeInfinity : double.PositiveInfinity;
        }

        /// <summary>The path template.</summary>
        public string Filepath { get; }
        /// <summary>Quantity monitored.</summary>
        public string Monitor { get; }
        /// <summary>0: quiet; 1: messages.</summary>
        public int Verbose { get; }
        /// <summary>Save only on improvement.</summary>
        public bool SaveBestOnly { get; }
        /// <summary>Save weights rather than the whole model.</summary>
        public bool SaveWeightsOnly { get; }
        /// <summary>When to save.</summary>
        public SaveFreq SaveFreq { get; }
        /// <summary>The mode after validation.</summary>
        public string Mode { get; }
        /// <summary>Best monitored value so far.</summary>
        public double Best { get; private set; }
        /// <summary>The path of the last save (formatted), or null.</summary>
        public string? LastSavedPath { get; private set; }

        /// <inheritdoc />
        public override void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null) => currentEpoch = epoch;

        /// <inheritdoc />
        public override void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            if (ShouldSaveOnBatch(batch)) SaveModel(currentEpoch, logs);
        }

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            epochsSinceLastSave++;
            if (SaveFreq.IsEpoch) SaveModel(epoch, logs);
        }

        /// <summary>The path for a save at the zero-based <paramref name="epoch"/> with <paramref name="logs"/>
        /// (the template formatted with the one-based epoch and the log values).</summary>
        public string GetFilePath(int epoch, IDictionary<string, double>? logs)
        {
            var arguments = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (key, value) in OrEmpty(logs)) arguments[key] = value;
            arguments["epoch"] = epoch + 1;
            try
            {
                return PythonFormat.Format(Filepath, arguments);
            }
            catch (KeyNotFoundException e)
            {
                throw new KeyNotFoundException($"Failed to format this callback filepath: \"{Filepath}\". Reason: {e.Message}", e);
            }
        }

        private bool ShouldSaveOnBatch(int batch)
        {
            if (SaveFreq.Batches is not int every) return false;
            // A batch index that does not grow means a new epoch started.
            int added = batch <= lastBatchSeen ? batch + 1 : batch - lastBatchSeen;
            batchesSeenSinceLastSaving += added;
            lastBatchSeen = batch;
            if (batchesSeenSinceLastSaving < every) return false;
            batchesSeenSinceLastSaving = 0;
            return true;
        }

        private void SaveModel(int epoch, IDictionary<string, double>? logs)
        {
            logs = OrEmpty(logs);
            if (SaveFreq.IsEpoch && epochsSinceLastSave < 1) return;
            epochsSinceLastSave = 0;
            string path = GetFilePath(epoch, logs);
            var model = RequireModel();
            string epochText = (epoch + 1).ToString("00000", CultureInfo.InvariantCulture);
            if (SaveBestOnly)
            {
                if (!logs.TryGetValue(Monitor, out double current))
                {
                    Warn($"Can save best model only with {Monitor} available, skipping.");
                    return;
                }
                if (monitorOp(current, Best))
                {
                    if (Verbose > 0)
                        Print($"\nEpoch {epochText}: {Monitor} improved from {PythonFormat.Fixed(Best, 5)} to {PythonFormat.Fixed(current, 5)}, saving model to {path}");
                    Best = current;
                    Save(model, path);
                }
                else if (Verbose > 0)
                {
                    Print($"\nEpoch {epochText}: {Monitor} did not improve from {PythonFormat.Fixed(Best, 5)}");
                }
            }
            else
            {
                if (Verbose > 0) Print($"\nEpoch {epochText}: saving model to {path}");
                Save(model, path);
            }
        }

        private void Save(Model model, string path)
        {
            // Data-parallel: every process tracks the best value alike (the logs are reduced); rank 0 writes.
            if (!RnnSharp.Distribution.Distribution.IsChief) return;
            if (Directory.Exists(path))
                throw new IOException(
                    $"Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: {path}");
            if (SaveWeightsOnly) model.SaveWeights(path);
            else model.Save(path);
            LastSavedPath = path;
        }
    }
}
