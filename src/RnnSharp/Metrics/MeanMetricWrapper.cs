using System;
using System.Collections.Generic;
using RnnSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>MeanMetricWrapper</c>: the weighted running mean of a per-sample function of <c>(y_true, y_pred)</c>.
    /// </summary>
    /// <remarks>
    /// Each update follows Keras 2's <c>model.compile</c> path: both inputs are cast to float32 (labels moved to the
    /// predictions' device), <c>compile_utils.match_dtype_and_rank</c> gives rank-1 labels and weights a trailing axis next to
    /// rank-2 predictions, <c>squeeze_or_expand_dimensions</c> squeezes a trailing size-1 axis when ranks differ by one,
    /// then the function's values are averaged like <see cref="Mean"/> with the sample weights. Runs under <c>no_grad</c>.
    /// </remarks>
    public class MeanMetricWrapper : Metric
    {
        private readonly Func<Tensor, Tensor, Tensor>? fn;
        private readonly WeightedMeanState state = new();

        /// <inheritdoc />
        public override IReadOnlyList<Tensor> Variables => state.Variables;

        /// <summary>Wraps a per-sample function.</summary>
        /// <param name="fn">Computes per-sample values from conformed <c>(y_true, y_pred)</c>; temporaries it creates are disposed by the wrapper.</param>
        /// <param name="name">The name shown in logs.</param>
        public MeanMetricWrapper(Func<Tensor, Tensor, Tensor> fn, string name) : base(name)
        {
            ArgumentNullException.ThrowIfNull(fn);
            this.fn = fn;
        }

        /// <summary>For subclasses that override <see cref="Compute"/> instead of passing a function.</summary>
        /// <param name="name">The name shown in logs.</param>
        protected MeanMetricWrapper(string name) : base(name)
        {
        }

        /// <summary>Computes the per-sample values from conformed inputs (float32, same device). The default calls the wrapped function.</summary>
        /// <param name="yTrue">Conformed labels.</param>
        /// <param name="yPred">Conformed predictions.</param>
        /// <returns>The per-sample values.</returns>
        /// <exception cref="InvalidOperationException">No function was wrapped and the subclass does not override this method.</exception>
        protected virtual Tensor Compute(Tensor yTrue, Tensor yPred) =>
            fn is not null ? fn(yTrue, yPred) : throw new InvalidOperationException($"{Name}: no metric function to compute.");

        /// <inheritdoc/>
        public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
        {
            ArgumentNullException.ThrowIfNull(yTrue);
            ArgumentNullException.ThrowIfNull(yPred);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var p = yPred.detach().to_type(ScalarType.Float32);
            var t = yTrue.detach().to(ScalarType.Float32, p.device);
            t = LossShapes.MatchRank(t, p);
            var w = sampleWeight is null ? null : LossShapes.MatchRank(sampleWeight, p);
            (t, p) = LossShapes.RemoveSqueezable(t, p);
            var values = Compute(t, p);
            state.Update(values, w, Name);
        }

        /// <inheritdoc/>
        public override Tensor Result() => state.Result();

        /// <inheritdoc/>
        public override void ResetState() => state.Reset();

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
                state.Dispose();
            base.Dispose(disposing);
        }

        /// <summary>Throws a clear error unless the conformed labels and predictions have identical shapes.</summary>
        /// <param name="owner">The metric name for the message.</param>
        /// <param name="yTrue">Conformed labels.</param>
        /// <param name="yPred">Conformed predictions.</param>
        protected static void RequireSameShape(string owner, Tensor yTrue, Tensor yPred)
        {
            if (!LossShapes.SameShape(yTrue.shape, yPred.shape))
                throw new ArgumentException(
                    $"{owner}: y_true shape {LossShapes.Format(yTrue.shape)} is incompatible with y_pred shape {LossShapes.Format(yPred.shape)}.");
        }
    }
}
