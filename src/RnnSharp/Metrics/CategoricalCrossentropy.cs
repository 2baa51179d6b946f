using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>CategoricalCrossentropy</c> metric: the running mean of the per-sample categorical cross-entropy
    /// (see <see cref="Losses.CategoricalCrossentropy"/> for the exact formula).
    /// </summary>
    public sealed class CategoricalCrossentropy : MeanMetricWrapper
    {
        private readonly Losses.CategoricalCrossentropy loss;

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs.</param>
        /// <param name="fromLogits">Whether predictions are logits.</param>
        /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
        public CategoricalCrossentropy(string name = "categorical_crossentropy", bool fromLogits = false, double labelSmoothing = 0) : base(name)
        {
            loss = new Losses.CategoricalCrossentropy(fromLogits, labelSmoothing);
        }

        /// <inheritdoc/>
        protected override Tensor Compute(Tensor yTrue, Tensor yPred) => loss.PerSample(yTrue, yPred);
    }
}
