using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>BinaryCrossentropy</c> metric: the running mean of the per-sample binary cross-entropy
    /// (see <see cref="Losses.BinaryCrossentropy"/> for the exact formula).
    /// </summary>
    public sealed class BinaryCrossentropy : MeanMetricWrapper
    {
        private readonly Losses.BinaryCrossentropy loss;

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs.</param>
        /// <param name="fromLogits">Whether predictions are logits.</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
        public BinaryCrossentropy(string name = "binary_crossentropy", bool fromLogits = false, double labelSmoothing = 0) : base(name)
        {
            loss = new Losses.BinaryCrossentropy(fromLogits, labelSmoothing);
        }

        /// <inheritdoc/>
        protected override Tensor Compute(Tensor yTrue, Tensor yPred) => loss.PerSample(yTrue, yPred);
    }
}
