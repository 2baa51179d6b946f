using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>MeanAbsoluteError</c> metric: the running mean of the per-sample <c>mean(|y_pred - y_true|, axis=-1)</c> (the same
    /// per-sample function as <see cref="Losses.MeanAbsoluteError"/>).
    /// </summary>
    public sealed class MeanAbsoluteError : MeanMetricWrapper
    {
        private readonly Losses.MeanAbsoluteError loss = new();

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs (Keras's <c>"mse"</c>/<c>"mae"</c> strings keep that spelling).</param>
        public MeanAbsoluteError(string name = "mean_absolute_error") : base(name)
        {
        }

        /// <inheritdoc/>
        protected override Tensor Compute(Tensor yTrue, Tensor yPred) => loss.PerSample(yTrue, yPred);
    }
}
