using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>Mean</c>: the weighted running mean of the values passed to <see cref="UpdateState(Tensor, Tensor?)"/>
    /// (<c>sum(values * w) / sum(w)</c> over all updates). Used to track the loss (Keras weights each batch's loss by
    /// its batch size there).
    /// </summary>
    public sealed class Mean : Metric
    {
        private readonly WeightedMeanState state = new();

        /// <inheritdoc />
        public override IReadOnlyList<Tensor> Variables => state.Variables;

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs (Keras uses <c>"loss"</c> for the loss tracker).</param>
        public Mean(string name = "mean") : base(name)
        {
        }

        /// <summary>Accumulates values with optional weights (broadcast to the values as Keras does). No host synchronisation.</summary>
        /// <param name="values">The values to average (any shape).</param>
        /// <param name="sampleWeight">Optional weights: a scalar (e.g. the batch size) or a tensor broadcastable to <paramref name="values"/>.</param>
        public void UpdateState(Tensor values, Tensor? sampleWeight = null)
        {
            ArgumentNullException.ThrowIfNull(values);
            state.Update(values, sampleWeight, Name);
        }

        /// <summary>
        /// Not applicable: <see cref="Mean"/> averages values rather than comparing labels with predictions (Keras's
        /// <c>Mean.update_state</c> takes <c>(values, sample_weight)</c>). Use <see cref="UpdateState(Tensor, Tensor?)"/>.
        /// </summary>
        /// <param name="yTrue">Unused.</param>
        /// <param name="yPred">Unused.</param>
        /// <param name="sampleWeight">Unused.</param>
        /// <exception cref="NotSupportedException">Always.</exception>
        public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) =>
            throw new NotSupportedException(
                $"{Name}: Mean averages values; call UpdateState(values, sampleWeight) instead of passing (yTrue, yPred).");

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
    }
}
