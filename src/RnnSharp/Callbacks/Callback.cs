using System;
using System.Collections.Generic;
using System.IO;
using RnnSharp.Optimizers;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Base class of callbacks, as Keras's <c>keras.callbacks.Callback</c>: override the hooks of the stages of
    /// interest. <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> call them through a <see cref="CallbackList"/>, after
    /// <see cref="SetModel"/> and <see cref="SetParams"/>.
    /// </summary>
    /// <remarks>
    /// <c>logs</c> maps names to values: at the end of a training batch the running averages of the loss and
    /// metrics over the epoch so far (<c>{"loss": 0.2, "accuracy": 0.7}</c>); at the end of an epoch the epoch's
    /// values plus the validation values prefixed <c>val_</c>. Callbacks may add entries (e.g. <c>lr</c>), which
    /// the callbacks after them see. Hooks receive an empty dictionary rather than null from a
    /// <see cref="CallbackList"/>.
    /// </remarks>
    public class Callback
    {
        /// <summary>The model being trained, evaluated or run (Keras's <c>self.model</c>); null until <see cref="SetModel"/>.</summary>
        public Model? Model { get; private set; }

        /// <summary>The run's parameters (Keras's <c>self.params</c>); null until <see cref="SetParams"/>.</summary>
        public CallbackParams? Params { get; private set; }

        /// <summary>Where the callback's messages go (Keras prints to stdout); null is <see cref="Console.Out"/> at the time of writing.</summary>
        public TextWriter? Output { get; set; }

        /// <summary>Where warnings go (Keras logs them to stderr); null is <see cref="Console.Error"/> at the time of writing.</summary>
        public TextWriter? Warnings { get; set; }

        /// <summary>Sets the model the hooks act on.</summary>
        public virtual void SetModel(Model model) => Model = model;

        /// <summary>Sets the run's parameters.</summary>
        public virtual void SetParams(CallbackParams parameters) => Params = parameters;

        /// <summary>Called at the beginning of training.</summary>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnTrainBegin(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of training.</summary>
        /// <param name="logs">The logs of the last <see cref="OnEpochEnd"/>.</param>
        public virtual void OnTrainEnd(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the start of an epoch (training only).</summary>
        /// <param name="epoch">Zero-based index of the epoch.</param>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of an epoch (training only).</summary>
        /// <param name="epoch">Zero-based index of the epoch.</param>
        /// <param name="logs">The epoch's metric results, and the validation results prefixed <c>val_</c>.</param>
        public virtual void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the beginning of a training batch.</summary>
        /// <param name="batch">Zero-based index of the batch within the epoch.</param>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnTrainBatchBegin(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of a training batch.</summary>
        /// <param name="batch">Zero-based index of the batch within the epoch.</param>
        /// <param name="logs">Running averages of the loss and metrics over the epoch so far.</param>
        public virtual void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the beginning of evaluation or validation.</summary>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnTestBegin(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of evaluation or validation.</summary>
        /// <param name="logs">The logs of the last <see cref="OnTestBatchEnd"/>.</param>
        public virtual void OnTestEnd(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the beginning of a batch in evaluation or validation.</summary>
        /// <param name="batch">Zero-based index of the batch.</param>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnTestBatchBegin(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of a batch in evaluation or validation.</summary>
        /// <param name="batch">Zero-based index of the batch.</param>
        /// <param name="logs">Running averages of the loss and metrics so far.</param>
        public virtual void OnTestBatchEnd(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the beginning of prediction.</summary>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnPredictBegin(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of prediction.</summary>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnPredictEnd(IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the beginning of a batch in prediction.</summary>
        /// <param name="batch">Zero-based index of the batch.</param>
        /// <param name="logs">Currently empty.</param>
        public virtual void OnPredictBatchBegin(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Called at the end of a batch in prediction.</summary>
        /// <param name="batch">Zero-based index of the batch.</param>
        /// <param name="logs">Currently empty (predictions are not passed).</param>
        public virtual void OnPredictBatchEnd(int batch, IDictionary<string, double>? logs = null) { }

        /// <summary>Writes a message line, as Keras's <c>print(...)</c> (data-parallel: on rank 0 only, as every process
        /// makes the same decisions).</summary>
        protected void Print(string message)
        {
            if (!RnnSharp.Distribution.Distribution.IsChief) return;
            var writer = Output ?? Console.Out;
            writer.Write(message + "\n");
            writer.Flush();
        }

        /// <summary>Writes a warning line, as Keras's <c>logging.warning(...)</c>.</summary>
        protected void Warn(string message)
        {
            var writer = Warnings ?? Console.Error;
            writer.Write("WARNING: " + message + "\n");
            writer.Flush();
        }

        /// <summary>The model; throws when <see cref="SetModel"/> has not been called.</summary>
        protected Model RequireModel()
            => Model ?? throw new InvalidOperationException($"{GetType().Name} has no model: the trainer calls SetModel(model) before the hooks.");

        /// <summary>The model's learning-rate holder (its optimizer); throws Keras's error when there is none.</summary>
        protected IHasLearningRate RequireLearningRate()
            => RequireModel().LearningRateHolder
               ?? throw new InvalidOperationException(
                   "Optimizer must have a \"lr\" attribute: the model has no LearningRateHolder (compile the model with an optimizer first).");

        /// <summary>The logs, or an empty dictionary for null (Keras's <c>logs = logs or {}</c>).</summary>
        protected static IDictionary<string, double> OrEmpty(IDictionary<string, double>? logs) => logs ?? new Dictionary<string, double>();
    }
}
