using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>SparseCategoricalCrossentropy</c> metric: the running mean of the per-sample sparse categorical
    /// cross-entropy (see <see cref="Losses.SparseCategoricalCrossentropy"/> for the exact formula).
    /// </summary>
    public sealed class SparseCategoricalCrossentropy : MeanMetricWrapper
    {
        private readonly Losses.SparseCategoricalCrossentropy loss;

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs.</param>
        /// <param name="fromLogits">Whether predictions are logits.</param>
        public SparseCategoricalCrossentropy(string name = "sparse_categorical_crossentropy", bool fromLogits = false) : base(name)
        {
            loss = new Losses.SparseCategoricalCrossentropy(fromLogits);
        }

        /// <inheritdoc/>
        protected override Tensor Compute(Tensor yTrue, Tensor yPred) => loss.PerSample(yTrue, yPred);
    }
}
