using System.Collections.Generic;
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Losses
{
    /// <summary>
    /// Keras's <c>BinaryCrossentropy</c>: cross-entropy between binary labels and predicted probabilities (or logits).
    /// </summary>
    /// <remarks>
    /// Per-sample loss (Keras 2 <c>losses.binary_crossentropy</c> + <c>backend.binary_crossentropy</c>), averaged over the last axis:
    /// <list type="bullet">
    /// <item>label smoothing (when non-zero): <c>y = y * (1 - labelSmoothing) + 0.5 * labelSmoothing</c>;</item>
    /// <item>probabilities: <c>p = clip(p, eps, 1 - eps)</c>, <c>-(y * log(p + eps) + (1 - y) * log(1 - p + eps))</c>
    /// with <c>eps = 1e-7</c> (Keras 2 clips and also adds epsilon inside the logarithms);</item>
    /// <item>logits (<c>fromLogits</c>): <c>max(x, 0) - x * y + log(1 + exp(-|x|))</c> (TF's <c>sigmoid_cross_entropy_with_logits</c>).</item>
    /// </list>
    /// Keras 2 silently switches to the logits path when <c>y_pred</c> comes straight out of a sigmoid op; tensors carry no
    /// such history here, so probabilities always take the clipped path.
    /// </remarks>
    public sealed class BinaryCrossentropy : Loss
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="fromLogits">Whether predictions are logits rather than probabilities.</param>
        /// <param name="labelSmoothing">Smoothing in [0, 1]: labels move towards 0.5 by this fraction.</param>
        /// <param name="name">The loss's name.</param>
        public BinaryCrossentropy(bool fromLogits = false, double labelSmoothing = 0, string name = "binary_crossentropy")
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
            var y = LabelSmoothing != 0 ? yTrue * (1.0 - LabelSmoothing) + 0.5 * LabelSmoothing : yTrue;
            Tensor elementwise;
            if (FromLogits)
            {
                elementwise = nn.functional.binary_cross_entropy_with_logits(yPred, y, reduction: nn.Reduction.None);
            }
            else
            {
                var p = ClipProbabilities(yPred);
                var positive = y * (p + Epsilon).log();
                var negative = (1 - y) * ((1 - p) + Epsilon).log();
                elementwise = -(positive + negative);
            }
            return elementwise.mean(new long[] { -1 });
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
