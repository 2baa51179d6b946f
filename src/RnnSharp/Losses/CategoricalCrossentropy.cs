using System.Collections.Generic;
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Losses
{
    /// <summary>
    /// Keras's <c>CategoricalCrossentropy</c>: cross-entropy between one-hot (or soft) labels and predicted class
    /// probabilities (or logits) along the last axis.
    /// </summary>
    /// <remarks>
    /// Per-sample loss (Keras 2 <c>losses.categorical_crossentropy</c> + <c>backend.categorical_crossentropy</c>), summed over the last axis:
    /// <list type="bullet">
    /// <item>label smoothing (when non-zero): <c>y = y * (1 - labelSmoothing) + labelSmoothing / num_classes</c>;</item>
    /// <item>probabilities: <c>p = p / sum(p, -1)</c>, <c>p = clip(p, eps, 1 - eps)</c>, <c>-sum(y * log(p), -1)</c> with <c>eps = 1e-7</c>;</item>
    /// <item>logits (<c>fromLogits</c>): <c>-sum(y * log_softmax(x), -1)</c> (TF's <c>softmax_cross_entropy_with_logits</c>).</item>
    /// </list>
    /// </remarks>
    public sealed class CategoricalCrossentropy : Loss
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
        /// <param name="labelSmoothing">Smoothing in [0, 1]: labels move towards the uniform distribution by this fraction.</param>
        /// <param name="name">The loss's name.</param>
        public CategoricalCrossentropy(bool fromLogits = false, double labelSmoothing = 0, string name = "categorical_crossentropy")
            : base(name)
        {
            if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
                throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "labelSmoothing must be in [0, 1].");
            FromLogits = fromLogits;
            LabelSmoothing = labelSmoothing;
        }

        /// <summary>Whether predictions are logits.</summary>
        public bool FromLogits { get; }

        /// <summary>The label smoothing factor.</summary>
        public double LabelSmoothing { get; }

        /// <inheritdoc/>
        protected override Tensor ComputePerSample(Tensor yTrue, Tensor yPred)
        {
            if (yPred.dim() == 0)
                throw new ArgumentException($"{Name}: y_pred must have a class axis; got a scalar.");
            var y = yTrue;
            if (LabelSmoothing != 0)
            {
                long numClasses = yTrue.shape[^1];
                y = yTrue * (1.0 - LabelSmoothing) + LabelSmoothing / numClasses;
            }
            var axis = new long[] { -1 };
            if (FromLogits)
                return -(y * yPred.log_softmax(-1)).sum(axis);
            // Keras rescales the predictions so that each sample's class probabilities sum to 1, then clips.
            var p = yPred / yPred.sum(axis, keepdim: true);
            p = ClipProbabilities(p);
            return -(y * p.log()).sum(axis);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["from_logits"] = FromLogits;
            config["label_smoothing"] = LabelSmoothing;
            config["axis"] = -1;
            return config;
        }
    }
}
