using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using RnnSharp.Callbacks;

namespace RnnSharp.Tests.Support
{
    /// <summary>A callback that records every hook call as a short string (e.g. <c>"test_batch_end 1"</c>), the logs
    /// each hook received, and the parameters it was given.</summary>
    internal sealed class HookRecorder : Callback
    {
        public List<string> Events { get; } = new();

        /// <summary>A copy of the logs of every hook call, in the order of <see cref="Events"/>.</summary>
        public List<Dictionary<string, double>> Logs { get; } = new();

        /// <summary>The parameters of each <see cref="SetParams"/> call.</summary>
        public List<CallbackParams> ParamsSeen { get; } = new();

        /// <summary>The events whose name starts with <paramref name="prefix"/>.</summary>
        public IEnumerable<string> Named(string prefix) => Events.Where(e => e.StartsWith(prefix, System.StringComparison.Ordinal));

        public override void SetParams(CallbackParams parameters)
        {
            base.SetParams(parameters);
            ParamsSeen.Add(parameters);
        }

        private void Add(string name, IDictionary<string, double>? logs)
        {
            Events.Add(name);
            Logs.Add(logs is null ? new Dictionary<string, double>() : new Dictionary<string, double>(logs));
        }

        private static string At(string name, int index) => name + " " + index.ToString(CultureInfo.InvariantCulture);

        public override void OnTrainBegin(IDictionary<string, double>? logs = null) => Add("train_begin", logs);
        public override void OnTrainEnd(IDictionary<string, double>? logs = null) => Add("train_end", logs);
        public override void OnEpochBegin(int epoch, IDictionary<string, double>? logs = null) => Add(At("epoch_begin", epoch), logs);
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null) => Add(At("epoch_end", epoch), logs);
        public override void OnTrainBatchBegin(int batch, IDictionary<string, double>? logs = null) => Add(At("train_batch_begin", batch), logs);
        public override void OnTrainBatchEnd(int batch, IDictionary<string, double>? logs = null) => Add(At("train_batch_end", batch), logs);
        public override void OnTestBegin(IDictionary<string, double>? logs = null) => Add("test_begin", logs);
        public override void OnTestEnd(IDictionary<string, double>? logs = null) => Add("test_end", logs);
        public override void OnTestBatchBegin(int batch, IDictionary<string, double>? logs = null) => Add(At("test_batch_begin", batch), logs);
        public override void OnTestBatchEnd(int batch, IDictionary<string, double>? logs = null) => Add(At("test_batch_end", batch), logs);
        public override void OnPredictBegin(IDictionary<string, double>? logs = null) => Add("predict_begin", logs);
        public override void OnPredictEnd(IDictionary<string, double>? logs = null) => Add("predict_end", logs);
        public override void OnPredictBatchBegin(int batch, IDictionary<string, double>? logs = null) => Add(At("predict_batch_begin", batch), logs);
        public override void OnPredictBatchEnd(int batch, IDictionary<string, double>? logs = null) => Add(At("predict_batch_end", batch), logs);
    }
}
