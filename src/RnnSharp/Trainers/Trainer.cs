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
using DataParallel = RnnSharp.Distribution.DataParallel;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Keras 3's <c>Trainer</c>, the training half of every model: <c>Compile</c>, then <c>Fit</c>, <c>Evaluate</c> and
    /// <c>Predict</c>, each a loop over batches that calls <see cref="TrainStep"/>, <see cref="TestStep"/> or
    /// <see cref="PredictStep"/> once per batch, with Keras's callbacks, progress bar and logs. Override the steps for a
    /// custom training loop, as in Keras (<c>class MyModel(keras.Model): def train_step(self, data): ...</c>): a step
    /// computes with <see cref="Model.Call(IReadOnlyList{Tensor}, bool)"/>, <see cref="ComputeLoss"/> and the compiled
    /// <see cref="Optimizer"/>, and records into the metrics (<see cref="LossTracker"/>, <see cref="ComputeMetrics"/>,
    /// <see cref="AdditionalMetrics"/>), which the loop reads for its logs. The steps take the batch as lists, one tensor
    /// per model input (<c>x</c>) and per model output (<c>y</c>, and the predictions), in the model's order; a model of
    /// one input and one output gets lists of one.
    /// </summary>
    /// <example>
    /// A step that adds an L2 penalty to the compiled loss and logs it:
    /// <code>
    /// sealed class PenalizedModel(IEnumerable&lt;Layer&gt; layers, double l2) : Sequential(layers)
    /// {
    ///     private readonly Mean penalty = new("penalty");
    ///     protected override IEnumerable&lt;Metric&gt; AdditionalMetrics => new[] { penalty };
    ///     public override void TrainStep(IReadOnlyList&lt;Tensor&gt; x, IReadOnlyList&lt;Tensor&gt; y, Tensor? sampleWeight)
    ///     {
    ///         var yPred = Call(x, training: true);
    ///         var term = l2 * parameters().Select(p => p.square().sum()).Aggregate((a, b) => a + b);
    ///         var loss = ComputeLoss(x, y, yPred, sampleWeight) + term;
    ///         Optimizer!.ZeroGrad();
    ///         loss.backward();
    ///         Optimizer.Step();
    ///         LossTracker.UpdateState(loss.detach(), tensor((float)x[0].shape[0]));
    ///         penalty.UpdateState(term.detach());
    ///         ComputeMetrics(x, y, yPred.Select(p => p.detach()).ToArray(), sampleWeight);
    ///     }
    /// }
    /// </code>
    /// </example>
    public abstract partial class Trainer : Layer
    {
        private CompiledState? compiled;

        /// <summary>Creates the trainer part of a model named <paramref name="name"/> (null: Keras's automatic name).</summary>
        private protected Trainer(string? name) : base(name)
        {
        }

        /// <summary>
        /// Runs a model of one input and one output on <paramref name="x"/>, as Keras's <c>model(x, training=...)</c>;
        /// builds it on first use. The call goes through TorchSharp's module call, so forward hooks registered on the
        /// model run. For a model with several inputs or outputs use
        /// <see cref="Model.Call(IReadOnlyList{Tensor}, bool)"/>, which returns every output.
        /// </summary>
        /// <param name="x">The input batch.</param>
        /// <param name="training">Training mode (dropout active).</param>
        /// <exception cref="InvalidOperationException">The model has several outputs.</exception>
        public Tensor Call(Tensor x, bool training = false)
        {
            if (AsModel() is { IsFunctional: true } functional && functional.Outputs.Count > 1 && functional.OutputNames is var outputs)
                throw new InvalidOperationException(
                    $"Model \"{Name}\" has {outputs.Count} outputs ({string.Join(", ", outputs)}), and Call(Tensor) returns one tensor. " +
                    "Use Call(IReadOnlyList<Tensor>) (e.g. model.Call(new[] { x })), which returns one tensor per output.");
            return base.Call(x, null, null, training).Output;
        }

        /// <summary>The device of the model's weights (CPU until moved).</summary>
        public Device Device => parameters().FirstOrDefault()?.device ?? CPU;

        /// <summary>What Compile configured, or null before it.</summary>
        public CompiledState? Compiled => compiled;

        /// <summary>The optimizer given to Compile.</summary>
        public Optimizer? Optimizer => compiled?.Optimizer;

        /// <summary>The loss given to Compile when every output has the same one (always so with one output); null
        /// before Compile or when the outputs have different losses (see <see cref="CompiledState.Losses"/>).</summary>
        public Loss? Loss => compiled?.Loss;

        /// <summary>The compiled metrics of every output, in output order, resolved on the first batch (Keras resolves
        /// <c>"accuracy"</c> from the shapes).</summary>
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
        /// For a model with several outputs the loss and the metrics apply to every output, as Keras broadcasts them:
        /// the logs then hold each output's loss (<c>dense_loss</c>) and metrics (<c>dense_mae</c>).
        /// </summary>
        /// <param name="optimizer">The optimizer; null is <c>rmsprop</c>.</param>
        /// <param name="loss">The loss (required).</param>
        /// <param name="metrics">Metric names, for every output.</param>
        /// <exception cref="ArgumentException">No loss, or an unknown name.</exception>
        public void Compile(Optimizer? optimizer = null, Loss? loss = null, IEnumerable<string>? metrics = null)
        {
            var outputs = AsModel().OutputNames;
            var names = metrics?.ToArray() ?? Array.Empty<string>();
            SetCompiled(optimizer, outputs, Enumerable.Repeat(loss, outputs.Count).ToArray(), null,
                outputs.Select(_ => (IReadOnlyList<string>)names).ToArray(), null);
        }

        /// <summary>Compile with metric objects (e.g. <c>new BinaryAccuracy(threshold: 0.7)</c>), for a model with one
        /// output (an object keeps one state, so it cannot serve several outputs: give those metric names).</summary>
        /// <param name="optimizer">The optimizer; null is <c>rmsprop</c>.</param>
        /// <param name="loss">The loss (required).</param>
        /// <param name="metrics">The metrics.</param>
        /// <exception cref="ArgumentException">No loss, or metric objects for a model with several outputs.</exception>
        public void Compile(Optimizer? optimizer, Loss? loss, IEnumerable<Metric> metrics)
        {
            ArgumentNullException.ThrowIfNull(metrics);
            var outputs = AsModel().OutputNames;
            var objects = metrics.ToArray();
            if (outputs.Count > 1 && objects.Length > 0)
                throw new ArgumentException(
                    $"Model \"{Name}\" has {outputs.Count} outputs ({string.Join(", ", outputs)}): a metric object keeps one state and cannot serve " +
                    "several outputs. Give metric names, which each output resolves for itself.", nameof(metrics));
            SetCompiled(optimizer, outputs, Enumerable.Repeat(loss, outputs.Count).ToArray(), null,
                outputs.Select(_ => (IReadOnlyList<string>)Array.Empty<string>()).ToArray(), objects);
        }

        /// <summary>
        /// Compile with a loss, a loss weight and metrics per output, in the model's output order (<see cref="Model.OutputNames"/>),
        /// as Keras's <c>compile(loss=[...], loss_weights=[...], metrics=[[...], [...]])</c>. The total loss minimised is
        /// Σ lossWeights[i] · loss[i]; an output whose loss is null gets none (Keras allows <c>None</c>).
        /// </summary>
        /// <param name="optimizer">The optimizer; null is <c>rmsprop</c>.</param>
        /// <param name="loss">One loss per output (null entries: no loss for that output; at least one is needed).</param>
        /// <param name="lossWeights">One weight per output; null is 1 for every output.</param>
        /// <param name="metrics">One list of metric names per output (null or empty: none); null is none at all.</param>
        /// <exception cref="ArgumentException">A list does not have one entry per output, or no output has a loss.</exception>
        public void Compile(Optimizer? optimizer, IReadOnlyList<Loss?> loss, IReadOnlyList<double>? lossWeights = null,
            IReadOnlyList<IReadOnlyList<string>>? metrics = null)
        {
            ArgumentNullException.ThrowIfNull(loss);
            var outputs = AsModel().OutputNames;
            CheckOnePerOutput(outputs, loss.Count, "loss", "losses", nameof(loss));
            if (lossWeights is not null) CheckOnePerOutput(outputs, lossWeights.Count, "lossWeights", "loss weights", nameof(lossWeights));
            if (metrics is not null) CheckOnePerOutput(outputs, metrics.Count, "metrics", "metric lists", nameof(metrics));
            SetCompiled(optimizer, outputs, loss, lossWeights,
                outputs.Select((_, i) => metrics?[i] ?? Array.Empty<string>()).ToArray(), null);
        }

        /// <summary>
        /// Compile with losses, loss weights and metrics by output name (<see cref="Model.OutputNames"/>), as Keras's
        /// <c>compile(loss={"out_a": ...}, loss_weights={...}, metrics={...})</c>. An output left out (or given a null
        /// loss) gets no loss, one without a weight weighs 1, one without metrics gets none.
        /// </summary>
        /// <param name="optimizer">The optimizer; null is <c>rmsprop</c>.</param>
        /// <param name="loss">Losses by output name (at least one).</param>
        /// <param name="lossWeights">Loss weights by output name, or null.</param>
        /// <param name="metrics">Metric names by output name, or null.</param>
        /// <exception cref="ArgumentException">A name is not an output's, or no output has a loss.</exception>
        public void Compile(Optimizer? optimizer, IReadOnlyDictionary<string, Loss?> loss, IReadOnlyDictionary<string, double>? lossWeights = null,
            IReadOnlyDictionary<string, IReadOnlyList<string>>? metrics = null)
        {
            ArgumentNullException.ThrowIfNull(loss);
            var outputs = AsModel().OutputNames;
            CheckOutputKeys(outputs, loss.Keys, nameof(loss));
            if (lossWeights is not null) CheckOutputKeys(outputs, lossWeights.Keys, nameof(lossWeights));
            if (metrics is not null) CheckOutputKeys(outputs, metrics.Keys, nameof(metrics));
            SetCompiled(optimizer, outputs,
                outputs.Select(n => loss.GetValueOrDefault(n)).ToArray(),
                lossWeights is null ? null : outputs.Select(n => lossWeights.TryGetValue(n, out double w) ? w : 1.0).ToArray(),
                outputs.Select(n => metrics?.GetValueOrDefault(n) ?? Array.Empty<string>()).ToArray(), null);
        }

        private void CheckOnePerOutput(IReadOnlyList<string> outputs, int count, string argument, string what, string paramName)
        {
            if (count != outputs.Count)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"When passing a list as {argument}, it should have one entry per model output. Model \"{Name}\" has {outputs.Count} " +
                    $"output{(outputs.Count == 1 ? "" : "s")} ({string.Join(", ", outputs)}), but you passed {count} {what}."), paramName);
        }

        // Keras 2's compile_utils.map_to_output_names.
        private static void CheckOutputKeys(IReadOnlyList<string> outputs, IEnumerable<string> keys, string paramName)
        {
            var unknown = keys.Where(k => !outputs.Contains(k)).ToArray();
            if (unknown.Length > 0)
                throw new ArgumentException(
                    $"Found unexpected keys that do not correspond to any Model output: [{string.Join(", ", unknown.Select(k => $"'{k}'"))}]. " +
                    $"Expected: [{string.Join(", ", outputs.Select(k => $"'{k}'"))}]", paramName);
        }

        private void SetCompiled(Optimizer? optimizer, IReadOnlyList<string> outputs, IReadOnlyList<Loss?> losses, IReadOnlyList<double>? lossWeights,
            IReadOnlyList<IReadOnlyList<string>> metricNames, IReadOnlyList<Metric>? metricObjects)
        {
            if (losses.All(l => l is null))
                throw new ArgumentException("Compile needs a loss, e.g. loss: \"binary_crossentropy\".", "loss");
            optimizer ??= "rmsprop";
            // Keras wraps the optimizer for dynamic loss scaling when the model computes in float16.
            if (DtypePolicy.Name == "mixed_float16" && optimizer is not LossScaleOptimizer)
                optimizer = new LossScaleOptimizer(optimizer, name: "loss_scale_optimizer");
            var state = new CompiledState(optimizer, outputs, losses,
                lossWeights ?? Enumerable.Repeat(1.0, outputs.Count).ToArray(), metricNames, metricObjects);
            compiled?.Dispose();
            compiled = state;
            LearningRateHolder = state.Optimizer;
        }

        private CompiledState RequireCompiled()
            => compiled ?? throw new InvalidOperationException("You must call `Compile()` before using the model for training or evaluation.");

        /// <summary>The running mean of the total loss that the steps update and the logs report as <c>loss</c>.</summary>
        protected Mean LossTracker => RequireCompiled().LossTracker;

        /// <summary>Metrics a subclass tracks beyond the loss and the compiled metrics (e.g. a penalty its
        /// <see cref="TrainStep"/> adds): reset with them at each epoch and evaluation, and logged under their names.</summary>
        protected virtual IEnumerable<Metric> AdditionalMetrics => Array.Empty<Metric>();

        /// <summary>
        /// One training step on a batch, as Keras's <c>train_step</c>: the forward pass in training mode, the compiled
        /// loss, one optimizer step, then the loss tracker and the compiled metrics. Override it for a custom step. The
        /// loop checked the index range of the <c>Embedding</c>s that read a model input on the whole data before the
        /// first batch, so calls made inside a step skip that check (see <see cref="InputPrecheck"/>).
        /// </summary>
        /// <param name="x">The batch's inputs, one tensor per model input, on the model's device.</param>
        /// <param name="y">The batch's targets, one tensor per model output.</param>
        /// <param name="sampleWeight">Per-sample weights (from <c>sampleWeight</c> and <c>classWeight</c>), applied to
        /// every output, or null.</param>
        public virtual void TrainStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
        {
            var prediction = CallAll(x, training: true);
            var loss = ComputeLoss(x, y, prediction, sampleWeight, training: true);
            var optimizer = RequireCompiled().Optimizer;
            optimizer.ZeroGrad();
            // The loss scale of a LossScaleOptimizer (mixed_float16), as Keras's optimizer.scale_loss.
            optimizer.ScaleLoss(loss).backward();
            optimizer.Step();
            TrackLoss(loss.detach(), x[0].shape[0]);
            ComputeMetrics(x, y, prediction.Select(p => p.detach()).ToArray(), sampleWeight);
        }

        /// <summary>One evaluation step on a batch (run without gradients), as Keras's <c>test_step</c>: the forward pass
        /// in inference mode, the compiled loss, the loss tracker and the compiled metrics.</summary>
        /// <param name="x">The batch's inputs, one tensor per model input, on the model's device.</param>
        /// <param name="y">The batch's targets, one tensor per model output.</param>
        /// <param name="sampleWeight">Per-sample weights, or null.</param>
        public virtual void TestStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
        {
            var prediction = CallAll(x, training: false);
            var loss = ComputeLoss(x, y, prediction, sampleWeight, training: false);
            TrackLoss(loss, x[0].shape[0]);
            ComputeMetrics(x, y, prediction, sampleWeight);
        }

        /// <summary>One prediction step on a batch (run without gradients), as Keras's <c>predict_step</c>: the forward
        /// pass in inference mode; returns one tensor per model output.</summary>
        /// <param name="x">The batch's inputs, one tensor per model input, on the model's device.</param>
        public virtual IReadOnlyList<Tensor> PredictStep(IReadOnlyList<Tensor> x) => CallAll(x, training: false);

        /// <summary>
        /// The total loss of a batch, as Keras's <c>compute_loss</c> (Keras 2's <c>compiled_loss</c>): Σ lossWeight_i ·
        /// loss_i over the outputs that have a loss, each output's compiled loss of <paramref name="yPred"/>[i] against
        /// <paramref name="y"/>[i] weighted by <paramref name="sampleWeight"/>, plus the model's
        /// <see cref="Layers.Layer.Losses"/> (weight and activity penalties) as Keras adds them. For a model with several outputs it also
        /// records each output's unweighted loss into that output's loss tracker (logged as <c>{output}_loss</c>), as
        /// Keras 2's compiled loss does; the total goes to <see cref="LossTracker"/> through the step.
        /// </summary>
        /// <param name="x">The batch's inputs (unused by the compiled loss; there for overrides).</param>
        /// <param name="y">The targets, one per output.</param>
        /// <param name="yPred">The predictions, one per output.</param>
        /// <param name="sampleWeight">Per-sample weights, applied to every output, or null.</param>
        /// <param name="training">Whether the loss is for a training step.</param>
        /// <exception cref="ArgumentException">The targets or predictions are not one per output.</exception>
        public virtual Tensor ComputeLoss(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, IReadOnlyList<Tensor> yPred, Tensor? sampleWeight = null, bool training = true)
        {
            ArgumentNullException.ThrowIfNull(y);
            ArgumentNullException.ThrowIfNull(yPred);
            var state = RequireCompiled();
            CheckPerOutput(state, y.Count, "targets", nameof(y));
            CheckPerOutput(state, yPred.Count, "predictions", nameof(yPred));
            Tensor? total = null;
            for (int i = 0; i < state.Losses.Count; i++)
            {
                if (state.Losses[i] is not { } loss) continue;
                var value = loss.Call(y[i], yPred[i], sampleWeight);
                if (state.OutputLossTrackers[i] is { } tracker)
                {
                    using var detached = value.detach();
                    using var batch = tensor((float)y[i].shape[0], device: value.device);
                    tracker.UpdateState(detached, batch);
                }
                var weighted = state.LossWeights[i] == 1.0 ? value : value * state.LossWeights[i];
                total = total is null ? weighted : total + weighted;
            }
            // Keras adds the model's losses (regularization penalties) to the compiled loss, in training and evaluation.
            foreach (var penalty in Losses) total = total is null ? penalty : total + penalty;
            return total!;
        }

        /// <summary>Updates the compiled metrics of every output with a batch, as Keras's <c>compute_metrics</c> (the
        /// loss tracker is updated by the step itself).</summary>
        /// <param name="x">The batch's inputs.</param>
        /// <param name="y">The targets, one per output.</param>
        /// <param name="yPred">The predictions (detached), one per output.</param>
        /// <param name="sampleWeight">Per-sample weights, applied to every output, or null.</param>
        /// <exception cref="ArgumentException">The targets or predictions are not one per output.</exception>
        public virtual void ComputeMetrics(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, IReadOnlyList<Tensor> yPred, Tensor? sampleWeight = null)
        {
            ArgumentNullException.ThrowIfNull(y);
            ArgumentNullException.ThrowIfNull(yPred);
            var state = RequireCompiled();
            CheckPerOutput(state, y.Count, "targets", nameof(y));
            CheckPerOutput(state, yPred.Count, "predictions", nameof(yPred));
            // Metrics accumulate in float32, as Keras's metrics cast to their float32 dtype.
            yPred = yPred.Select(Layers.Layer.Float32IfLowPrecision).ToArray();
            var metrics = state.Resolve(y, yPred);
            for (int i = 0; i < metrics.Count; i++)
                foreach (var metric in metrics[i])
                    metric.UpdateState(y[i], yPred[i], sampleWeight);
        }

        private void CheckPerOutput(CompiledState state, int count, string what, string paramName)
        {
            if (count != state.OutputNames.Count)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Model \"{Name}\" has {state.OutputNames.Count} output{(state.OutputNames.Count == 1 ? "" : "s")} ({string.Join(", ", state.OutputNames)}); received {count} {what}."),
                    paramName);
        }

        // The forward pass of the steps: every output of the model.
        private IReadOnlyList<Tensor> CallAll(IReadOnlyList<Tensor> x, bool training)
        {
            var outputs = AsModel().Call(x, training);
            int count = AsModel().OutputNames.Count;
            return outputs.Count > count ? outputs.Take(count).ToArray() : outputs;
        }

        // Keras weights the running loss by the batch size, so the epoch loss is the per-sample mean.
        private void TrackLoss(Tensor loss, long batchSize)
        {
            using var weight = tensor((float)batchSize, device: loss.device);
            LossTracker.UpdateState(loss, weight);
        }

        /// <summary>The current value of every tracked metric, as Keras 2 orders them: <c>loss</c> (the weighted total),
        /// for a model with several outputs each output's loss (<c>{output}_loss</c>, unweighted), each output's compiled
        /// metrics in output order (<c>{output}_{metric}</c> with several outputs), then <see cref="AdditionalMetrics"/>
        /// (Keras's <c>get_metrics_result</c>); reads each from the device.</summary>
        public Dictionary<string, double> GetMetricsResult()
        {
            // Data-parallel: the metric states summed over the processes, so the logs are one process's on all the data.
            if (RnnSharp.Distribution.Distribution.Active is { } distribution)
            {
                var tracked = RequireCompiled();
                return distribution.ReduceMetrics(
                    tracked.OutputLossTrackers.OfType<Metric>().Prepend(tracked.LossTracker).Concat(tracked.Metrics).Concat(AdditionalMetrics),
                    LocalMetricsResult);
            }
            return LocalMetricsResult();
        }

        private Dictionary<string, double> LocalMetricsResult()
        {
            var state = RequireCompiled();
            var logs = new Dictionary<string, double> { ["loss"] = state.LossTracker.ResultValue() };
            foreach (var tracker in state.OutputLossTrackers)
                if (tracker is not null) logs[tracker.Name] = tracker.ResultValue();
            foreach (var metric in state.Metrics.Concat(AdditionalMetrics)) logs[metric.Name] = metric.ResultValue();
            return logs;
        }

        /// <summary>Resets the loss trackers, the compiled metrics and <see cref="AdditionalMetrics"/>.</summary>
        public void ResetMetrics()
        {
            if (compiled is null) return;
            compiled.LossTracker.ResetState();
            foreach (var tracker in compiled.OutputLossTrackers) tracker?.ResetState();
            foreach (var metric in compiled.Metrics.Concat(AdditionalMetrics)) metric.ResetState();
        }

        /// <summary>
        /// Input checks the model makes per batch, made once on the whole data instead (see <see cref="InputPrecheck"/>),
        /// or null when it has none.
        /// </summary>
        /// <param name="datasets">The inputs of each data set of the run (one array per model input; null entries skipped).</param>
        private protected virtual InputPrecheck? PrecheckInputs(IEnumerable<IReadOnlyList<Tensor>?> datasets) => null;

        /// <summary>
        /// Trains the model, as Keras's <c>fit</c>: <paramref name="epochs"/> epochs of (shuffled) batches, each through
        /// <see cref="TrainStep"/>; validation on <paramref name="validationData"/> or the last
        /// <paramref name="validationSplit"/> of the data; Keras's progress output and callbacks.
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array, or for a model with several inputs a list of them in
        /// input order or a dictionary by input name (<see cref="ArrayLike"/>).</param>
        /// <param name="y">The targets, likewise: one array, or one per output (a list in output order or a dictionary
        /// by output name).</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or, with <paramref name="stepsPerEpoch"/>, the data
        /// divided into that many batches, as Keras).</param>
        /// <param name="epochs">The epoch to stop after (the last is <c>epochs - 1</c>).</param>
        /// <param name="verbose">0 silent, 1 progress bar, 2 one line per epoch.</param>
        /// <param name="callbacks">Callbacks, called in order (a <see cref="History"/> is added and returned).</param>
        /// <param name="validationSplit">Fraction of the data, taken from its end before shuffling, to validate on.</param>
        /// <param name="validationData">Data to validate on at the end of each epoch (wins over <paramref name="validationSplit"/>).</param>
        /// <param name="shuffle">Reshuffle the training data for each pass.</param>
        /// <param name="classWeight">Weights by class index that scale each sample's loss (a model with one output, as
        /// in Keras).</param>
        /// <param name="sampleWeight">Per-sample weights, <c>(samples)</c>, applied to every output.</param>
        /// <param name="initialEpoch">The epoch to start at (to resume a run).</param>
        /// <param name="stepsPerEpoch">Batches per epoch; the pass over the data then carries over between epochs.</param>
        /// <param name="validationSteps">Validation batches per validation run (from the first), or null for all.</param>
        /// <param name="validationBatchSize">Samples per validation batch; null is <paramref name="batchSize"/>.</param>
        /// <param name="validationFreq">Validate after every this many epochs.</param>
        /// <returns>The <see cref="History"/> of per-epoch logs.</returns>
        /// <exception cref="ArgumentException">A count or size is not positive (<paramref name="initialEpoch"/>: negative),
        /// the data does not have one array per input or output (or not their names), the arrays do not all have the same
        /// number of samples, or <paramref name="classWeight"/> is given for a model with several outputs.</exception>
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
            var outputs = RequireCompiled().OutputNames;
            if (classWeight is not null && outputs.Count > 1)
                throw new ArgumentException("`classWeight` is only supported for Models with a single output.", nameof(classWeight));
            var distribution = RnnSharp.Distribution.Distribution.Active;
            try
            {
                using var owned = new OwnedTensors(this);
                var data = new DataAdapter(owned.Inputs(x), owned.Targets(y), owned.SampleWeight(sampleWeight));
                DataAdapter? validation = null;
                if (validationData is { } vd) validation = new DataAdapter(owned.Inputs(vd.X), owned.Targets(vd.Y));
                else if (validationSplit > 0) (data, validation) = data.Split(validationSplit);
                BuildFor(data.X);
                var optimizer = RequireCompiled().Optimizer;
                if (!optimizer.IsBuilt) optimizer.Build(parameters());
                // Keras's optimizer applies each variable's constraint after its update; here the model knows the constraints.
                optimizer.AfterStep = ApplyConstraints;
                var precheck = PrecheckInputs(new[] { data.X, validation?.X });

                int batch = ResolveBatchSize(batchSize, data.Count, stepsPerEpoch);
                distribution?.Synchronize(AsModel(), "Fit", data.Count, batch, validation?.Count);
                optimizer.BeforeStep = distribution is null ? null : distribution.ReduceGradients;
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
                            Attach(scope, xb, yb, wb);
                            if (distribution is not null && xb[0].shape[0] == 0)
                                JoinUpdate(optimizer);
                            else
                                TrainStep(xb, yb!, WeightsFor(yb![0], wb, classWeight));
                            // The step's activity penalties die with its scope.
                            ClearLosses();
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
            catch (Exception e) when (distribution is not null && distribution.AbortJob(e, "Fit"))
            {
                throw;
            }
            finally
            {
                // Optimizer.Step outside Fit (a custom loop) must not wait for other processes.
                if (compiled is not null) compiled.Optimizer.BeforeStep = null;
            }
        }

        // A process whose slice of the last batch is empty still takes part in the update: no gradients of its own,
        // the others' averaged in by the optimizer's data-parallel hook.
        private static void JoinUpdate(Optimizer optimizer)
        {
            optimizer.ZeroGrad();
            optimizer.Step();
        }

        /// <summary>
        /// The loss and metric values on the given data, computed in batches through <see cref="TestStep"/>, as Keras's
        /// <c>evaluate(..., return_dict=True)</c>.
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array, or a list or dictionary of them (see <see cref="Fit"/>).</param>
        /// <param name="y">The targets, one array or one per output.</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or the data divided into <paramref name="steps"/> batches).</param>
        /// <param name="verbose">0 silent, 1 progress bar.</param>
        /// <param name="sampleWeight">Per-sample weights, <c>(samples)</c>, applied to every output.</param>
        /// <param name="steps">Batches to evaluate (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        /// <returns>The same keys as <see cref="Fit"/>'s logs (<see cref="GetMetricsResult"/>).</returns>
        /// <exception cref="ArgumentException">A count or size is not positive, or the data does not fit the model's
        /// inputs and outputs.</exception>
        public Dictionary<string, double> Evaluate(
            ArrayLike x, ArrayLike y, int? batchSize = null, int verbose = 1, ArrayLike? sampleWeight = null, int? steps = null,
            IEnumerable<Callback>? callbacks = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            RequireCompiled();
            CheckPositive(nameof(batchSize), batchSize);
            CheckPositive(nameof(steps), steps);
            var distribution = RnnSharp.Distribution.Distribution.Active;
            try
            {
                using var owned = new OwnedTensors(this);
                var data = new DataAdapter(owned.Inputs(x), owned.Targets(y), owned.SampleWeight(sampleWeight));
                BuildFor(data.X);
                var precheck = PrecheckInputs(new[] { data.X });
                int batch = ResolveBatchSize(batchSize, data.Count, steps);
                distribution?.Synchronize(AsModel(), "Evaluate", data.Count, batch);
                using var iterator = new EpochIterator(data, batch, shuffle: false, steps, Device, Warn);
                var list = new CallbackList(callbacks, addProgbar: verbose != 0, model: AsModel(),
                    parameters: new CallbackParams(1, iterator.NumBatches, verbose));
                return RunEvaluation(iterator, list, precheck, inFit: false);
            }
            catch (Exception e) when (distribution is not null && distribution.AbortJob(e, "Evaluate"))
            {
                throw;
            }
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
                        Attach(scope, xb, yb, wb);
                        // Data-parallel: a process with an empty slice of the last batch has nothing to add.
                        if (xb[0].shape[0] > 0) TestStep(xb, yb!, wb);
                        ClearLosses();
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
        /// without gradient tracking, as a CPU tensor (Keras returns NumPy arrays), for a model with one output (see
        /// <see cref="Predict(IReadOnlyList{Tensor}, int, int, int?, IEnumerable{Callback}?)"/> for several).
        /// </summary>
        /// <param name="x">The inputs: a tensor or a .NET array, or a list or dictionary of them for a model with several
        /// inputs (<see cref="ArrayLike"/>).</param>
        /// <param name="batchSize">Samples per batch; null is 32 (or the data divided into <paramref name="steps"/> batches).</param>
        /// <param name="verbose">0 silent (the default here), 1 progress bar.</param>
        /// <param name="steps">Batches to predict (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        /// <exception cref="ArgumentException">A count or size is not positive, or the data does not fit the model's inputs.</exception>
        /// <exception cref="InvalidOperationException">The model has several outputs.</exception>
        public Tensor Predict(ArrayLike x, int? batchSize = null, int verbose = 0, int? steps = null, IEnumerable<Callback>? callbacks = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (AsModel() is { IsFunctional: true } functional && functional.Outputs.Count > 1 && functional.OutputNames is var outputs)
                throw new InvalidOperationException(
                    $"Model \"{Name}\" has {outputs.Count} outputs ({string.Join(", ", outputs)}), and Predict(ArrayLike) returns one tensor. " +
                    "Use Predict(IReadOnlyList<Tensor>) or Predict(Tensor[]), which return one tensor per output.");
            var results = PredictAll(x, batchSize, verbose, steps, callbacks);
            if (results.Count == 1) return results[0];
            foreach (var result in results) result.Dispose();
            throw new InvalidOperationException(
                $"PredictStep of model \"{Name}\" returned {results.Count} tensors, and Predict(ArrayLike) returns one tensor. " +
                "Use Predict(IReadOnlyList<Tensor>), which returns one tensor per output.");
        }

        /// <summary>
        /// Predictions of a model with several inputs or outputs, as Keras's <c>predict([a, b])</c>: one tensor per
        /// model input in <paramref name="x"/> (in <see cref="Model.InputNames"/> order), and one CPU tensor per model
        /// output returned, in <see cref="Model.OutputNames"/> order, computed in batches through
        /// <see cref="PredictStep"/> without gradient tracking. Works for a model of one output too (a list of one).
        /// </summary>
        /// <param name="x">The inputs, one tensor per model input.</param>
        /// <param name="batchSize">Samples per batch (Keras's default, 32).</param>
        /// <param name="verbose">0 silent (the default here), 1 progress bar.</param>
        /// <param name="steps">Batches to predict (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        /// <exception cref="ArgumentException">A count or size is not positive, or <paramref name="x"/> does not have one
        /// tensor per input.</exception>
        public IReadOnlyList<Tensor> Predict(IReadOnlyList<Tensor> x, int batchSize = 32, int verbose = 0, int? steps = null, IEnumerable<Callback>? callbacks = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            return PredictAll(ArrayLike.List(x.Select(t => (ArrayLike)t).ToArray()), batchSize, verbose, steps, callbacks);
        }

        /// <summary>The same as <see cref="Predict(IReadOnlyList{Tensor}, int, int, int?, IEnumerable{Callback}?)"/>,
        /// so that <c>model.Predict(new[] { a, b })</c> picks it.</summary>
        /// <param name="x">The inputs, one tensor per model input.</param>
        /// <param name="batchSize">Samples per batch (Keras's default, 32).</param>
        /// <param name="verbose">0 silent (the default here), 1 progress bar.</param>
        /// <param name="steps">Batches to predict (from the first), or null for all.</param>
        /// <param name="callbacks">Callbacks, called in order.</param>
        public IReadOnlyList<Tensor> Predict(Tensor[] x, int batchSize = 32, int verbose = 0, int? steps = null, IEnumerable<Callback>? callbacks = null)
            => Predict((IReadOnlyList<Tensor>)x, batchSize, verbose, steps, callbacks);

        /// <summary>Predictions of a model of one input and one output for a tensor, as
        /// <see cref="Predict(ArrayLike, int?, int, int?, IEnumerable{Callback}?)"/> with Keras's batch size 32.</summary>
        /// <param name="x">The inputs.</param>
        /// <param name="batchSize">Samples per batch (Keras's default, 32).</param>
        /// <param name="verbose">0 silent (the default here), 1 progress bar.</param>
        public Tensor Predict(Tensor x, int batchSize = 32, int verbose = 0) => Predict((ArrayLike)x, (int?)batchSize, verbose);

        // Predict's loop: one CPU tensor per tensor PredictStep returns.
        private IReadOnlyList<Tensor> PredictAll(ArrayLike x, int? batchSize, int verbose, int? steps, IEnumerable<Callback>? callbacks)
        {
            CheckPositive(nameof(batchSize), batchSize);
            CheckPositive(nameof(steps), steps);
            var distribution = RnnSharp.Distribution.Distribution.Active;
            try
            {
                return PredictAll(x, batchSize, verbose, steps, callbacks, distribution);
            }
            catch (Exception e) when (distribution is not null && distribution.AbortJob(e, "Predict"))
            {
                throw;
            }
        }

        private IReadOnlyList<Tensor> PredictAll(ArrayLike x, int? batchSize, int verbose, int? steps, IEnumerable<Callback>? callbacks, DataParallel? distribution)
        {
            using var owned = new OwnedTensors(this);
            var inputs = owned.Inputs(x);
            var data = new DataAdapter(inputs);
            BuildFor(inputs);
            var precheck = PrecheckInputs(new[] { inputs });
            int batch = ResolveBatchSize(batchSize, data.Count, steps);
            distribution?.Synchronize(AsModel(), "Predict", data.Count, batch);
            using var iterator = new EpochIterator(data, batch, shuffle: false, steps, Device, Warn);
            var list = new CallbackList(callbacks, addProgbar: verbose != 0, model: AsModel(), parameters: new CallbackParams(1, iterator.NumBatches, verbose));
            bool wasTraining = training;
            eval();
            List<List<Tensor>>? parts = null;
            Tensor[]? results = null;
            try
            {
                list.OnPredictBegin();
                using (no_grad())
                {
                    foreach (var (step, xb, _, _) in iterator.Epoch())
                    {
                        list.OnPredictBatchBegin(step);
                        if (xb[0].shape[0] == 0)
                        {
                            // Data-parallel: this process's slice of the last batch is empty.
                            foreach (var t in xb) t.Dispose();
                            list.OnPredictBatchEnd(step, null);
                            continue;
                        }
                        IReadOnlyList<Tensor> ys;
                        using (precheck?.Exempt())
                            ys = PredictStep(xb);
                        parts ??= ys.Select(_ => new List<Tensor>()).ToList();
                        if (ys.Count != parts.Count)
                            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                                $"PredictStep of model \"{Name}\" returned {ys.Count} tensors for batch {step}, {parts.Count} for the first batch."));
                        for (int i = 0; i < ys.Count; i++)
                        {
                            var y = ys[i];
                            if (y.device_type == DeviceType.CPU)
                            {
                                parts[i].Add(y);
                            }
                            else
                            {
                                parts[i].Add(y.cpu());
                                if (!ys.Take(i).Any(p => ReferenceEquals(p, y))) y.Dispose();
                            }
                        }
                        // The batch is ours to free, unless the step returned it as a prediction (Keras allows that).
                        foreach (var t in xb)
                            if (!inputs.Any(input => ReferenceEquals(input, t)) && !ys.Any(p => ReferenceEquals(p, t))) t.Dispose();
                        list.OnPredictBatchEnd(step, null);
                    }
                }
                list.OnPredictEnd();
                results = parts!.Select(p => Float32(p.Count == 1 ? p[0] : cat(p, 0))).ToArray();
                if (distribution is not null)
                {
                    // Every process gets all predictions, in input order.
                    var local = results;
                    int batches = Math.Min(iterator.NumBatches, data.Steps(batch));
                    results = local.Select(r => distribution.Gather(r, r.shape.Skip(1).ToArray(), r.dtype, data.Count, batch, batches)).ToArray();
                    foreach (var r in local) r.Dispose();
                }
                return results;
            }
            finally
            {
                // The batch outputs are copied into the results: release them now rather than at finalisation.
                var kept = new HashSet<Tensor>(results ?? Array.Empty<Tensor>(), ReferenceEqualityComparer.Instance);
                foreach (var part in parts?.SelectMany(p => p) ?? Enumerable.Empty<Tensor>())
                    if (!kept.Contains(part)) part.Dispose();
                train(wasTraining);
            }
        }

        // Predictions of a model computing in 16 bits come back as float32, the float arrays .NET callers read.
        private static Tensor Float32(Tensor y)
        {
            var result = Layers.Layer.Float32IfLowPrecision(y);
            if (!ReferenceEquals(result, y)) y.Dispose();
            return result;
        }

        // Batch logs read every metric from the device: only when the progress bar draws them or a callback takes them
        // (overrides the batch-end hook; History and the others that act per epoch do not).
        private static bool BatchLogsWanted(CallbackList list, string batchEndHook, bool barDraws)
            => list.Callbacks.Any(c => c is ProgbarLogger
                ? barDraws
                : c.GetType().GetMethod(batchEndHook, new[] { typeof(int), typeof(IDictionary<string, double>) })!.DeclaringType != typeof(Callback));

        // Keras builds a model that is not built yet from the data's shapes, any batch size.
        private void BuildFor(IReadOnlyList<Tensor> x)
        {
            if (Built) return;
            if (x.Count == 1) Build(ShapeUtils.WithUnknownBatch(ShapeUtils.Of(x[0])));
            else Build(x.Select(t => ShapeUtils.WithUnknownBatch(ShapeUtils.Of(t))).ToArray());
        }

        // A step's batch is freed with the step's dispose scope.
        private static void Attach(DisposeScope scope, IReadOnlyList<Tensor> x, IReadOnlyList<Tensor>? y, Tensor? sampleWeight)
        {
            foreach (var t in x) scope.Attach(t);
            if (y is not null)
                foreach (var t in y) scope.Attach(t);
            if (sampleWeight is not null) scope.Attach(sampleWeight);
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

        // The tensors made from .NET arrays for one run, freed when it ends; the data matched to the model's inputs and
        // outputs.
        private sealed class OwnedTensors(Trainer trainer) : IDisposable
        {
            private readonly List<Tensor> tensors = new();

            public IReadOnlyList<Tensor> Inputs(ArrayLike data)
                => data.ToTensors(trainer.AsModel().InputNames, "input", trainer.Name, tensors);

            public IReadOnlyList<Tensor> Targets(ArrayLike data)
                => data.ToTensors(trainer.RequireCompiled().OutputNames, "target", trainer.Name, tensors);

            public Tensor? SampleWeight(ArrayLike? data)
            {
                if (data is null) return null;
                if (!data.IsSingle)
                    throw new ArgumentException(
                        "sampleWeight must be one array of one weight per sample, applied to every output; lists and dictionaries of sample weights are not supported.",
                        "sampleWeight");
                var t = data.ToTensor(out bool isOwned);
                if (isOwned) tensors.Add(t);
                return t;
            }

            public void Dispose()
            {
                foreach (var t in tensors) t.Dispose();
            }
        }
    }
}
