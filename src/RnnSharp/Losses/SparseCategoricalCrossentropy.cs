using System.Collections.Generic;
using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Losses
{
    /// <summary>
    /// Keras's <c>SparseCategoricalCrossentropy</c>: cross-entropy between integer class labels and predicted class
    /// probabilities (or logits) along the last axis.
    /// </summary>
    /// <remarks>
    /// Per-sample loss (Keras 2 <c>backend.sparse_categorical_crossentropy</c>): for probabilities,
    /// <c>x = log(clip(p, eps, 1 - eps))</c> with <c>eps = 1e-7</c>; for logits <c>x = y_pred</c>; then
    /// <c>-log_softmax(x)[label]</c> (TF's <c>sparse_softmax_cross_entropy_with_logits</c>). Because the clipped log-probabilities
    /// go through a softmax, the probabilities are in effect renormalised after clipping, as in Keras.
    /// Labels of shape <c>y_pred.shape[:-1]</c> (or with a trailing size-1 axis) are accepted; float labels are truncated to integers.
    /// The result has shape <c>y_pred.shape[:-1]</c>. Labels outside <c>[0, num_classes)</c> are an error.
    /// </remarks>
    public sealed class SparseCategoricalCrossentropy : Loss
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
        /// <param name="name">The loss's name.</param>
        public SparseCategoricalCrossentropy(bool fromLogits = false, string name = "sparse_categorical_crossentropy")
            : base(name)
        {
            FromLogits = fromLogits;
        }

        /// <summary>Whether predictions are logits.</summary>
        public bool FromLogits { get; }

        /// <inheritdoc/>
        protected override (Tensor YTrue, Tensor YPred) Conform(Tensor yTrue, Tensor yPred)
        {
            var p = LossShapes.AsFloating(yPred);
            if (p.dim() == 0)
                throw new ArgumentException($"{Name}: y_pred must have a class axis; got a scalar.");
            var t = LossShapes.MatchRank(yTrue, p).to(ScalarType.Int64, p.device);
            long classes = p.shape[^1];
            long expected = classes == 0 ? 0 : p.numel() / classes;
            var lead = p.shape.Take(p.shape.Length - 1).ToArray();
            // Keras flattens both (labels to (-1,), predictions to (-1, C)): any label layout with one label per
            // prediction row is accepted, e.g. (N,), (N, 1), (N, T) or (N, T, 1) against (N, [T,] C).
            bool ok = t.numel() == expected &&
                      (LossShapes.SameShape(t.shape, lead) ||
                       (t.dim() == p.dim() && t.shape[^1] == 1) ||
                       t.dim() <= 1);
            if (!ok)
                throw new ArgumentException(
                    $"{Name}: y_true shape {LossShapes.Format(yTrue.shape)} is incompatible with y_pred shape {LossShapes.Format(yPred.shape)}; " +
                    "expected one integer label per prediction row, i.e. y_true of shape y_pred.shape[:-1].");
            return (t, p);
        }

        /// <inheritdoc/>
        protected override Tensor ComputePerSample(Tensor yTrue, Tensor yPred)
        {
            long classes = yPred.shape[^1];
            var lead = yPred.shape.Take(yPred.shape.Length - 1).ToArray();
            var logits = FromLogits ? yPred : ClipProbabilities(yPred).log();
            var flatLogits = logits.reshape(-1, classes);
            var flatLabels = yTrue.reshape(-1, 1);
            var nll = -flatLogits.log_softmax(-1).gather(1, flatLabels).squeeze(1);
            return nll.reshape(lead);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["from_logits"] = FromLogits;
            config["ignore_class"] = null;
            return config;
        }
    }
}
