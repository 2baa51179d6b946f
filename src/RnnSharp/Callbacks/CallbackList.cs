using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Calls a list of callbacks together, as Keras's <c>keras.callbacks.CallbackList</c>: each hook calls the same
    /// hook of every callback, in order, with the same <c>logs</c> dictionary (so an entry a callback adds, such as
    /// <c>lr</c>, is seen by the callbacks after it).
    /// </summary>
    /// <remarks>
    /// A trainer uses it as Keras 2.6's <c>fit</c> does:
    /// <code>
    /// var callbacks = new CallbackList(userCallbacks, addHistory: true, addProgbar: verbose != 0, model: this,
    ///                                  parameters: new CallbackParams(epochs, stepsPerEpoch, verbose));
    /// StopTraining = false;
    /// callbacks.OnTrainBegin();
    /// IDictionary&lt;string, double&gt;? epochLogs = null;
    /// for (int epoch = initialEpoch; epoch &lt; epochs; epoch++)
    /// {
    ///     callbacks.OnEpochBegin(epoch);                      // after resetting the metrics
    ///     IDictionary&lt;string, double&gt; logs = new Dictionary&lt;string, double&gt;();
    ///     for (int step = 0; step &lt; stepsPerEpoch; step++)
    ///     {
    ///         callbacks.OnTrainBatchBegin(step);
    ///         logs = TrainStep(batch);                        // running averages over the epoch so far
    ///         callbacks.OnTrainBatchEnd(step, logs);
    ///         if (StopTraining) break;
    ///     }
    ///     epochLogs = new Dictionary&lt;string, double&gt;(logs);
    ///     // validation: OnTestBegin, OnTestBatchBegin/End per batch, OnTestEnd(valLogs) on this same list,
    ///     // then epochLogs["val_" + name] = value for each validation value
    ///     callbacks.OnEpochEnd(epoch, epochLogs);
    ///     if (StopTraining) break;
    /// }
    /// callbacks.OnTrainEnd(epochLogs);
    /// return callbacks.History!;
    /// </code>
    /// <c>Evaluate</c> calls <c>OnTestBegin</c>, <c>OnTestBatchBegin/End</c> and <c>OnTestEnd</c>; <c>Predict</c> the
    /// <c>OnPredict*</c> hooks; both with <c>addProgbar: verbose != 0</c> and <c>new CallbackParams(1, steps, verbose)</c>.
    /// </remarks>
    public sealed class CallbackList : IEnumerable<Callback>
    {
        private readonly List<Callback> callbacks;

        /// <summary>Creates the list.</summary>
        /// <param name="callbacks">The callbacks, in call order.</param>
        /// <param name="addHistory">Append a <see cref="Callbacks.History"/> unless the list has one.</param>
        /// <param name="addProgbar">Insert a <see cref="ProgbarLogger"/> (counting steps) first unless the list has one.</param>
        /// <param name="model">The model; when given, passed to every callback.</param>
        /// <param name="parameters">The run's parameters; when given, passed to every callback.</param>
        public CallbackList(
            IEnumerable<Callback>? callbacks = null, bool addHistory = false, bool addProgbar = false,
            Model? model = null, CallbackParams? parameters = null)
        {
            this.callbacks = callbacks?.ToList() ?? new List<Callback>();
            Progbar = this.callbacks.OfType<ProgbarLogger>().FirstOrDefault();
            History = this.callbacks.OfType<History>().FirstOrDefault();
            if (Progbar is null && addProgbar)
            {
                Progbar = new ProgbarLogger(countMode: "steps");
                this.callbacks.Insert(0, Progbar);
            }
            if (History is null && addHistory)
            {
                History = new History();
                this.callbacks.Add(History);
            }
            if (model is not null) SetModel(model);
            if (parameters is not null) SetParams(parameters);
        }

        /// <summary>The callbacks, in call order.</summary>
        public IReadOnlyList<Callback> Callbacks => callbacks;

        /// <summary>The list's <see cref="Callbacks.History"/>, if any (what <c>Fit</c> returns).</summary>
        public History? History { get; }

        /// <summary>The list's progress-bar logger, if any.</summary>
        public ProgbarLogger? Progbar { get; }

        /// <summary>The model given to <see cref="SetModel"/>.</summary>
        public Model? Model { get; private set; }

        /// <summary>The parameters given to <see cref="SetParams"/>.</summary>
        public CallbackParams? Params { get; private set; }

        /// <summary>Appends a callback.</summary>
        public void Append(Callback callback) => callbacks.Add(callback);

        /// <summary>Sets the model of every callback.</summary>
        public void SetModel(Model model)
        {
            Model = model;
            foreach (var c in callbacks) c.SetModel(model);
        }

        /// <summary>Sets the parameters of every callback.</summary>
        public void SetParams(CallbackParams parameters)
        {
            Params = parameters;
            foreach (var c in callbacks) c.SetParams(parameters);
        }

        /// <summary>Calls <see cref="Callback.OnTrainBegin"/> of every callback.</summary>
        public void OnTrainBegin(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTrainBegin(l);
        }

        /// <summary>Calls <see cref="Callback.OnTrainEnd"/> of every callback.</summary>
        public void OnTrainEnd(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTrainEnd(l);
        }

        /// <summary>Calls <see cref="Callback.OnEpochBegin"/> of every callback.</summary>
        public void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnEpochBegin(epoch, l);
        }

        /// <summary>Calls <see cref="Callback.OnEpochEnd"/> of every callback.</summary>
        public void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnEpochEnd(epoch, l);
        }

        /// <summary>Calls <see cref="Callback.OnTrainBatchBegin"/> of every callback.</summary>
        public void OnTrainBatchBegin(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTrainBatchBegin(batch, l);
        }

        /// <summary>Calls <see cref="Callback.OnTrainBatchEnd"/> of every callback.</summary>
        public void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTrainBatchEnd(batch, l);
        }

        /// <summary>Calls <see cref="Callback.OnTestBegin"/> of every callback.</summary>
        public void OnTestBegin(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTestBegin(l);
        }

        /// <summary>Calls <see cref="Callback.OnTestEnd"/> of every callback.</summary>
        public void OnTestEnd(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTestEnd(l);
        }

        /// <summary>Calls <see cref="Callback.OnTestBatchBegin"/> of every callback.</summary>
        public void OnTestBatchBegin(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTestBatchBegin(batch, l);
        }

        /// <summary>Calls <see cref="Callback.OnTestBatchEnd"/> of every callback.</summary>
        public void OnTestBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnTestBatchEnd(batch, l);
        }

        /// <summary>Calls <see cref="Callback.OnPredictBegin"/> of every callback.</summary>
        public void OnPredictBegin(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnPredictBegin(l);
        }

        /// <summary>Calls <see cref="Callback.OnPredictEnd"/> of every callback.</summary>
        public void OnPredictEnd(IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnPredictEnd(l);
        }

        /// <summary>Calls <see cref="Callback.OnPredictBatchBegin"/> of every callback.</summary>
        public void OnPredictBatchBegin(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnPredictBatchBegin(batch, l);
        }

        /// <summary>Calls <see cref="Callback.OnPredictBatchEnd"/> of every callback.</summary>
        public void OnPredictBatchEnd(int batch, IDictionary<string, double>? logs = null)
        {
            var l = Logs(logs);
            foreach (var c in callbacks) c.OnPredictBatchEnd(batch, l);
        }

        /// <inheritdoc />
        public IEnumerator<Callback> GetEnumerator() => callbacks.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        // Keras turns logs=None into {} so every callback sees (and may extend) one dictionary.
        private static IDictionary<string, double> Logs(IDictionary<string, double>? logs) => logs ?? new Dictionary<string, double>();
    }
}
