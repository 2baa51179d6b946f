using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Losses;
using RnnSharp.Metrics;
using RnnSharp.Optimizers;
using RnnSharp.Utils;
using RnnSharp.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Keras 3's <c>Trainer</c>, the training half of every model: <c>Compile</c>, then <c>Fit</c>, <c>Evaluate</c> and
    /// <c>Predict</c>, each a loop over batches that calls <see cref="TrainStep"/>, <see cref="TestStep"/> or
    /// <see cref="PredictStep"/> once per batch, with Keras's callbacks, progress bar and logs. Override the steps for a
    /// custom training loop, as in Keras (<c>class MyModel(keras.Model): def train_step(self, data): ...</c>): a step
    /// computes with <see cref="Call"/>, <see cref="ComputeLoss"/> and the compiled <see cref="Optimizer"/>, and records
    /// into the metrics (<see cref="LossTracker"/>, <see cref="ComputeMetrics"/>, <see cref="AdditionalMetrics"/>), which the
    /// loop reads for its logs.
    /// </summary>
    /// <example>
    /// A step that adds an L2 penalty to the compiled loss and logs it:
    /// <code>
    /// sealed class PenalizedModel(IEnumerable&lt;Layer&gt; layers, double l2) : Sequential(layers)
    /// {
    ///     private readonly Mean penalty = new("penalty");
    ///     protected override IEnumerable&lt;Metric&gt; AdditionalMetrics => new[] { penalty };
    ///     public override void TrainStep(Tensor x, Tensor y, Tensor? sampleWeight)
    ///     {
    ///         var yPred = Call(x, training: true);
    ///         var term = l2 * parameters().Select(p => p.square().sum()).Aggregate((a, b) => a + b);
    ///         var loss = ComputeLoss(x, y, yPred, sampleWeight) + term;
    ///         Optimizer!.ZeroGrad();
    ///         loss.backward();
    ///         Optimizer.Step();
    ///         LossTracker.UpdateState(loss.detach(), tensor((float)x.shape[0]));
    ///         penalty.UpdateState(term.detach());
    ///         ComputeMetrics(x, y, yPred.detach(), sampleWeight);
    ///     }
    /// }
    /// </code>
    /// </example>
    public abstract class Trainer : Layer
    {
        private CompiledState? compiled;

        /// <summary>Creates the trainer part of a model named <paramref name="name"/> (null: Keras's automatic name).</summary>
        private protected Trainer(string? name) : base(name)
        {
        }

        /// <summary>
        /// Runs the model on <paramref name="x"/>, as Keras's <c>model(x, training=...)</c>; builds it on first use. The
        /// call goes through TorchSharp's module call, so forward hooks registered on the model run.
        /// </summary>
        /// <param name="x">The input batch.</param>
        /// <param name="training">Training mode (dropout active).</param>
        public Tensor Call(Tensor x, bool training = false) => base.Call(x, null, null, training).Output;

        /// <summary>The device of the model's weights (CPU until moved).</summary>
        public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

        /// <summary>What Compile configured, or null before it.</summary>
        public CompiledState? Compiled => compiled;

        /// <summary>The optimizer given to Compile.</summary>
        public Optimizer? Optimizer => compiled?.Optimizer;

        /// <summary>The loss given to Compile.</summary>
        public Loss? Loss => compiled?.Loss;

        /// <summary>The compiled metrics, resolved on the first batch (Keras resolves <c>"accuracy"</c> from the shapes).</summary>
        public IReadOnlyList<Metric> Metrics => compiled?.Metrics ?? Array.Empty<Metric>();

        /// <summary>
        /// Keras's <c>model.stop_training</c>: a callback sets it to ask the trainer to stop after the current batch
        /// (checked after each batch and each epoch). The trainer resets it to false when training starts.
        /// </summary>
        public bool StopTraining { get; set; }

        /// <summary>
        /// The object whose learning rate callbacks read and set (Keras's <c>model.optimizer.lr</c>): the compiled
        /// optimizer, which <c>Compile</c> puts here. Null before that; learning-rate callbacks then raise an error.
        /// </summary>
        public IHasLearningRate? LearningRateHolder { get; set; }

        /// <summary>Where the trainer's warnings go (Keras's <c>warnings.warn</c>); null is <see cref="Console.Error"/> at
        /// the time of writing.</summary>
        public TextWriter? Warnings { get; set; }

        /// <summary>
        /// Configures the model for training, as Keras's <c>compile</c>: optimizer and loss by Keras name or object
        /// (default optimizer <c>rmsprop</c>), metrics by Keras name (<c>"accuracy"</c>/<c>"acc"</c>, <c>"mae"</c>, ...).
        /// </summary>
        public void Compile(Optimizer? optimizer = null, Loss? loss = null, IEnumerable<string>? metrics = null)
            => SetCompiled(optimizer, loss, metrics?.ToArray() ?? Array.Empty<string>(), null);

        /// <summary>Compile with metric objects (e.g. <c>new BinaryAccuracy(threshold: 0.7)</c>).</summary>
        public void Compile(Optimizer? optimizer, Loss? loss, IEnumerable<Metric> metrics)
            => SetCompiled(optimizer, loss, Array.Empty<string>(), metrics.ToArray());

        private void SetCompiled(Optimizer? optimizer, Loss? loss, IReadOnlyList<string> names, IReadOnlyList<Metric>? objects)
        {
            var state = new CompiledState(optimizer ?? "rmsprop",
                loss ?? throw new ArgumentException("Compile needs a loss, e.g. loss: \"binary_crossentropy\".", nameof(loss)), names, objects);
            compiled?.Dispose();
            compiled = state;
            LearningRateHolder = state.Optimizer;
        }

        private CompiledState RequireCompiled()
            => compiled ?? throw new InvalidOperationException("You must call `Compile()` before using the model for training or evaluation.");

        /// <summary>The running mean of the loss that the steps update and the logs report as <c>loss</c>.</summary>
        protected Mean LossTracker => RequireCompiled().LossTracker;

        /// <summary>Metrics a subclass tracks beyond the loss and the compiled metrics (e.g. a penalty its
        /// <see cref="TrainStep"/> adds): reset with them at each epoch and evaluation, and logged under their names.</summary>
        protected virtual IEnumerable<Metric> AdditionalMetrics => Array.Empty<Metric>();

        /// <summary>
        /// One training step on a batch, as Keras's <c>train_step</c>: the forward pass in training mode, the compiled
        /// loss, one optimizer step, then the loss tracker and the compiled metrics. Override it for a custom step. The
        /// loop checked a first <c>Embedding</c>'s index range on the whole data before the first batch, so calls made
        /// inside a step skip that check (see <see cref="InputPrecheck"/>).
        /// </summary>
        /// <param name="x">The batch's inputs, on the model's device.</param>
        /// <param name="y">The batch's targets.</param>
        /// <param name="sampleWeight">Per-sample weights (from <c>sampleWeight</c> and <c>classWeight</c>), or null.</param>
        public virtual void TrainStep(Tensor x, Tensor y, Tensor? sampleWeight)
        {
            var prediction = Call(x, training: true);
            var loss = ComputeLoss(x, y, prediction, sampleWeight, training: true);
            var optimizer = RequireCompiled().Optimizer;
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            TrackLoss(loss.detach(), x.shape[0]);
            ComputeMetrics(x, y, prediction.detach(), sampleWeight);
        }

        /// <summary>One evaluation step on a batch (run without gradients), as Keras's <c>test_step</c>: the forward pass
        /// in inference mode, the compiled loss, the loss tracker and the compiled metrics.</summary>
        /// <param name="x">The batch's inputs, on the model's device.</param>
        /// <param name="y">The batch's targets.</param>
        /// <param name="sampleWeight">Per-sample weights, or null.</param>
        public virtual void TestStep(Tensor x, Tensor y, Tensor? sampleWeight)
        {
            var prediction = Call(x, training: false);
            var loss = ComputeLoss(x, y, prediction, sampleWeight, training: false);
            TrackLoss(loss, x.shape[0]);
            ComputeMetrics(x, y, prediction, sampleWeight);
        }

        /// <summary>One prediction step on a batch (run without gradients), as Keras's <c>predict_step</c>: the forward
        /// pass in inference mode.</summary>
        /// <param name="x">The batch's inputs, on the model's device.</param>
        public virtual Tensor PredictStep(Tensor x) => Call(x, training: false);

        /// <summary>The loss of a batch, as Keras's <c>compute_loss</c>: the compiled loss of <paramref name="yPred"/>
        /// against <paramref name="y"/>, weighted by <paramref name="sampleWeight"/>.</summary>
        /// <param name="x">The batch's inputs (unused by the compiled loss; there for overrides).</param>
        /// <param name="y">The targets.</param>
        /// <param name="yPred">The predictions.</param>
        /// <param name="sampleWeight">Per-sample weights, or null.</param>
        /// <param name="training">Whether the loss is for a training step.</param>
        public virtual Tensor ComputeLoss(Tensor x, Tensor y, Tensor yPred, Tensor? sampleWeight = null, bool training = true)
            => RequireCompiled().Loss.Call(y, yPred, sampleWeight);

        /// <summary>Updates the compiled metrics with a batch, as Keras's <c>compute_metrics</c> (the loss tracker is
        /// updated by the step itself).</summary>
        /// <param name="x">The batch's inputs.</param>
        /// <param name="y">The targets.</param>
        /// <param name="yPred">The predictions (detached).</param>
        /// <param name="sampleWeight">Per-sample weights, or null.</param>
        public virtual void ComputeMetrics(Tensor x, Tensor y, Tensor yPred, Tensor? sampleWeight = null)
        {
            foreach (var metric in RequireCompiled().Resolve(y, yPred))
                metric.UpdateState(y, yPred, sampleWeight);
        }

        // Keras weights the running loss by the batch size, so the epoch loss is the per-sample mean.
        private void TrackLoss(Tensor loss, long batchSize)
        {
            using var weight = tensor((float)batchSize, device: loss.device);
            LossTracker.UpdateState(loss, weight);
        }

        /// <summary>The current value of every tracked metric: <c>loss</c>, the compiled metrics, then
        /// <see cref="AdditionalMetrics"/> (Keras's <c>get_metrics_result</c>); reads each from the device.</summary>
        public Dictionary<string, double> GetMetricsResult()
        {
            var state = RequireCompiled();
            var logs = new Dictionary<string, double> { ["loss"] = state.LossTracker.ResultValue() };
            foreach (var metric in state.Metrics.Concat(AdditionalMetrics)) logs[metric.Name] = metric.ResultValue();
            return logs;
        }

        /// <summary>Resets the loss tracker, the compiled metrics and <see cref="AdditionalMetrics"/>.</summary>
        public void ResetMetrics()
        {
            if (compiled is null) return;
            compiled.LossTracker.ResetState();
            foreach (var metric in compiled.Metrics.Concat(AdditionalMetrics)) metric.ResetState();
        }

        /// <summary>
        /// Input checks the model makes per batch, made once on the whole data instead (see <see cref="InputPrecheck"/>),
        /// or null when it has none.
        /// </summary>
        private protected virtual InputPrecheck? PrecheckInputs(IEnumerable<Tensor?> inputs) => null;

        /// <summary>
        /// Trains the model, as Keras's <c>fit</c>: <paramref name="epochs"/> epochs of (shuffled) batches, each through
        /// <see cref="TrainStep"/>; validation on <paramref name="validationData"/> or the last
        /// <paramref name="validationSplit"/> of the data; Keras's progress output and callbacks.
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array.</param>
        /// <param name="y">The targets.</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or, with <paramref name="stepsPerEpoch"/>, the data
        /// divided into that many batches, as Keras).</param>
        /// <param name="epochs">The epoch to stop after (the last is <c>epochs - 1</c>).</param>
        /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
        /// <param name="callbacks">Callbacks, called in order (a <see cref="History"/> is added and returned).</param>
        /// <param name="validationSplit">Fraction of the data, taken from its end before shuffling, to validate on.</param>
        /// <param name="validationData">Data to validate on at the end of each epoch (wins over <paramref name="validationSplit"/>).</param>
        /// <param name="shuffle">Reshuffle the training data for each pass.</param>
        /// <param name="classWeight">Weights by class index that scale each sample's loss.</param>
        /// <param name="sampleWeight">Per-sample weights, <c>(samples)</c>.</param>
        /// <param name="initialEpoch">The epoch to start at (to resume a run).</param>
        /// <param name="stepsPerEpoch">Batches per epoch; the pass over the data then carries over between epochs.</param>
        /// <param name="validationSteps">Validation batches per validation run (from the first), or null for all.</param>
        /// <param name="validationBatchSize">Samples per validation batch; null is <paramref name="batchSize"/>.</param>
        /// <param name="validationFreq">Validate after every this many epochs.</param>
        /// <returns>The <see cref="History"/> of per-epoch logs.</returns>
        /// <exception cref="ArgumentException">A count or size is not positive (<paramref name="initialEpoch"/>: negative).</exception>
        public History Fit(
            ArrayLike x, ArrayLike y, int? batchSize = null, int epochs = 1, int verbose = 1, IEnumerable<Callback>? callbacks = null,
            double validationSplit = 0.0, (ArrayLike X, ArrayLike Y)? validationData = null, bool shuffle = true,
            IReadOnlyDictionary<int, double>? classWeight = null, ArrayLike? sampleWeight = null, int initialEpoch = 0,
            int? stepsPerEpoch = null, int? validationSteps = null, int? validationBatchSize = null, int validationFreq = 1)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            RequireCompiled();
            CheckPositive(nameof(batchSize), batchSize);
            CheckPositive(nameof(epochs), epochs);
            CheckNonNegative(nameof(initialEpoch), initialEpoch);
            CheckPositive(nameof(stepsPerEpoch), stepsPerEpoch);
            CheckPositive(nameof(validationSteps), validationSteps);
            CheckPositive(nameof(validationBatchSize), validationBatchSize);
            CheckPositive(nameof(validationFreq), validationFreq);
            using var owned = new OwnedTensors();
            var data = new DataAdapter(owned.Take(x), owned.Take(y), owned.TakeOrNull(sampleWeight));
            DataAdapter? validation = null;
            if (validationData is { } vd) validation = new DataAdapter(owned.Take(vd.X), owned.Take(vd.Y));
            else if (validationSplit > 0) (data, validation) = data.Split(validationSplit);
            BuildFor(data.X);
            var optimizer = RequireCompiled().Optimizer;
            if (!optimizer.IsBuilt) optimizer.Build(parameters());
            var precheck = PrecheckInputs(new[] { data.X, validation?.X });

            int batch = ResolveBatchSize(batchSize, data.Count, stepsPerEpoch);
            using var epochIterator = new EpochIterator(data, batch, shuffle, stepsPerEpoch, Device, Warn);
            using var validationIterator = validation is null ? null
                : new EpochIterator(validation, validationBatchSize ?? batch, shuffle: false, validationSteps, Device, Warn);
            var list = new CallbackList(callbacks, addHistory: true, addProgbar: verbose != 0, model: AsModel(),
                parameters: new CallbackParams(epochs, epochIterator.NumBatches, verbose));
            bool batchLogsWanted = BatchLogsWanted(list, nameof(Callback.OnTrainBatchEnd), barDraws: verbose == 1);
            StopTraining = false;
            list.OnTrainBegin();
            var epochLogs = new Dictionary<string, double>();
            for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
            {
                ResetMetrics();
                list.OnEpochBegin(epoch);
                foreach (var (step, xb, yb, wb) in epochIterator.Epoch())
                {
                    list.OnTrainBatchBegin(step);
                    using (var scope = NewDisposeScope())
                    using (precheck?.Exempt())
                    {
                        scope.Attach(xb);
                        if (yb is not null) scope.Attach(yb);
                        if (wb is not null) scope.Attach(wb);
                        TrainStep(xb, yb!, WeightsFor(yb!, wb, classWeight));
                    }
                    list.OnTrainBatchEnd(step, batchLogsWanted ? GetMetricsResult() : null);
                    if (StopTraining) break;
                }
                epochLogs = GetMetricsResult();
                if (validationIterator is not null && (epoch + 1) % validationFreq == 0)
                {
                    // Each validation run starts from the first batch, as Keras resets its cached evaluation iterator.
                    validationIterator.Reset();
                    foreach (var (key, value) in RunEvaluation(validationIterator, list, precheck, inFit: true))
                        epochLogs["val_" + key] = value;
                }
                list.OnEpochEnd(epoch, epochLogs);
            }
            list.OnTrainEnd(epochLogs);
            return list.History!;
        }

        /// <summary>
        /// The loss and metric values on the given data, computed in batches through <see cref="TestStep"/>, as Keras's
        /// <c>evaluate(..., return_dict=True)</c>.
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array.</param>
        /// <param name="y">The targets.</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or the data divided into <paramref name="steps"/> batches).</param>
        /// <param name="verbose">0 silent, 1 progress bar.</param>
        /// <param name="sampleWeight">Per-sample weights, <c>(samples)</c>.</param>
        /// <param name="steps">Batches to evaluate (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        /// <exception cref="ArgumentException">A count or size is not positive.</exception>
        public Dictionary<string, double> Evaluate(
            ArrayLike x, ArrayLike y, int? batchSize = null, int verbose = 1, ArrayLike? sampleWeight = null, int? steps = null,
            IEnumerable<Callback>? callbacks = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            RequireCompiled();
            CheckPositive(nameof(batchSize), batchSize);
            CheckPositive(nameof(steps), steps);
            using var owned = new OwnedTensors();
            var data = new DataAdapter(owned.Take(x), owned.Take(y), owned.TakeOrNull(sampleWeight));
            BuildFor(data.X);
            var precheck = PrecheckInputs(new[] { data.X });
            using var iterator = new EpochIterator(data, ResolveBatchSize(batchSize, data.Count, steps), shuffle: false, steps, Device, Warn);
            var list = new CallbackList(callbacks, addProgbar: verbose != 0, model: AsModel(),
                parameters: new CallbackParams(1, iterator.NumBatches, verbose));
            return RunEvaluation(iterator, list, precheck, inFit: false);
        }

        // Evaluate's loop, and Fit's validation run on Fit's callbacks (as Keras's fit validates through evaluate: the
        // progress bar draws nothing for it).
        private Dictionary<string, double> RunEvaluation(EpochIterator iterator, CallbackList list, InputPrecheck? precheck, bool inFit)
        {
            // The progress bar draws nothing for Fit's validation.
            bool batchLogsWanted = BatchLogsWanted(list, nameof(Callback.OnTestBatchEnd), barDraws: !inFit);
            ResetMetrics();
            bool wasTraining = training;
            eval();
            try
            {
                list.OnTestBegin();
                foreach (var (step, xb, yb, wb) in iterator.Epoch())
                {
                    list.OnTestBatchBegin(step);
                    using (var scope = NewDisposeScope())
                    using (no_grad())
                    using (precheck?.Exempt())
                    {
                        scope.Attach(xb);
                        scope.Attach(yb!);
                        if (wb is not null) scope.Attach(wb);
                        TestStep(xb, yb!, wb);
                    }
                    list.OnTestBatchEnd(step, batchLogsWanted ? GetMetricsResult() : null);
                }
                var logs = GetMetricsResult();
                list.OnTestEnd(logs);
                return logs;
            }
            finally
            {
                train(wasTraining);
            }
        }

        /// <summary>
        /// Predictions for <paramref name="x"/> in input order, computed in batches through <see cref="PredictStep"/>
        /// without gradient tracking, as a CPU tensor (Keras returns NumPy arrays).
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array.</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or the data divided into <paramref name="steps"/> batches).</param>
        /// <param name="verbose">0 silent (the default here), 1 progress bar.</param>
        /// <param name="steps">Batches to predict (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        /// <exception cref="ArgumentException">A count or size is not positive.</exception>
        public Tensor Predict(ArrayLike x, int? batchSize = null, int verbose = 0, int? steps = null, IEnumerable<Callback>? callbacks = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            CheckPositive(nameof(batchSize), batchSize);
            CheckPositive(nameof(steps), steps);
            using var owned = new OwnedTensors();
            var input = owned.Take(x);
            var data = new DataAdapter(input);
            BuildFor(input);
            var precheck = PrecheckInputs(new[] { input });
            using var iterator = new EpochIterator(data, ResolveBatchSize(batchSize, data.Count, steps), shuffle: false, steps, Device, Warn);
            var list = new CallbackList(callbacks, addProgbar: verbose != 0, model: AsModel(), parameters: new CallbackParams(1, iterator.NumBatches, verbose));
            bool wasTraining = training;
            eval();
            var parts = new List<Tensor>();
            Tensor? result = null;
            try
            {
                list.OnPredictBegin();
                using (no_grad())
                {
                    foreach (var (step, xb, _, _) in iterator.Epoch())
                    {
                        list.OnPredictBatchBegin(step);
                        Tensor y;
                        using (precheck?.Exempt())
                            y = PredictStep(xb);
                        if (y.device_type == DeviceType.CPU)
                        {
                            parts.Add(y);
                        }
                        else
                        {
                            parts.Add(y.cpu());
                            y.Dispose();
                        }
                        // The batch is ours to free, unless the step returned it as its prediction (Keras allows that).
                        if (!ReferenceEquals(xb, input) && !ReferenceEquals(xb, y)) xb.Dispose();
                        list.OnPredictBatchEnd(step, null);
                    }
                }
                list.OnPredictEnd();
                result = parts.Count == 1 ? parts[0] : cat(parts, 0);
                return result;
            }
            finally
            {
                // The batch outputs are copied into the result: release them now rather than at finalisation.
                foreach (var part in parts)
                    if (!ReferenceEquals(part, result)) part.Dispose();
                train(wasTraining);
            }
        }

        // Batch logs read every metric from the device: only when the progress bar draws them or a callback takes them
        // (overrides the batch-end hook; History and the others that act per epoch do not).
        private static bool BatchLogsWanted(CallbackList list, string batchEndHook, bool barDraws)
            => list.Callbacks.Any(c => c is ProgbarLogger
                ? barDraws
                : c.GetType().GetMethod(batchEndHook, new[] { typeof(int), typeof(IDictionary<string, double>) })!.DeclaringType != typeof(Callback));

        // Keras builds a model that is not built yet from the data's shape, any batch size.
        private void BuildFor(Tensor x)
        {
            if (!Built) Build(ShapeUtils.WithUnknownBatch(ShapeUtils.Of(x)));
        }

        private static int ResolveBatchSize(int? batchSize, long samples, int? steps)
            => batchSize ?? (steps is int s ? (int)Math.Max(1, (samples + s - 1) / s) : 32);

        // tf.keras's checks (Keras 3 makes none), with the argument's C# name.
        private static void CheckPositive(string name, int? value)
        {
            if (value is int v && v <= 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {name} to be positive. Received is {v}."), name);
        }

        private static void CheckNonNegative(string name, int value)
        {
            if (value < 0)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {name} to be non-negative. Received is {value}."), name);
        }

        private void Warn(string message)
        {
            var writer = Warnings ?? Console.Error;
            writer.Write("WARNING: " + message + "\n");
            writer.Flush();
        }

        // Trainer's constructor is private protected and Model its only subclass.
        private Model AsModel() => (Model)this;

        private static Tensor? WeightsFor(Tensor y, Tensor? sampleWeight, IReadOnlyDictionary<int, double>? classWeight)
        {
            if (classWeight is null) return sampleWeight;
            // Class of each sample: the label itself for sparse/binary targets, the argmax for one-hot ones.
            var classes = y.dim() >= 2 && y.shape[^1] > 1 ? y.argmax(-1) : y.reshape(y.shape[0], -1).select(1, 0).round().to(ScalarType.Int64);
            int maxClass = Math.Max(classWeight.Keys.DefaultIfEmpty(0).Max(), 1);
            var table = Enumerable.Range(0, maxClass + 1).Select(c => classWeight.TryGetValue(c, out double w) ? (float)w : 1f).ToArray();
            using var lookup = tensor(table, device: y.device);
            var flat = classes.reshape(-1);
            // A class without a weight counts once, as in Keras.
            var weights = where(flat.le(maxClass).logical_and(flat.ge(0)), lookup.index_select(0, flat.clamp(0, maxClass)), ones_like(lookup[0]));
            return sampleWeight is null ? weights : weights * sampleWeight;
        }

        // The tensors made from .NET arrays for one run, freed when it ends.
        private sealed class OwnedTensors : IDisposable
        {
            private readonly List<Tensor> tensors = new();

            public Tensor Take(ArrayLike data)
            {
                var t = data.ToTensor(out bool isOwned);
                if (isOwned) tensors.Add(t);
                return t;
            }

            public Tensor? TakeOrNull(ArrayLike? data) => data is null ? null : Take(data);

            public void Dispose()
            {
                foreach (var t in tensors) t.Dispose();
            }
        }
    }
}
