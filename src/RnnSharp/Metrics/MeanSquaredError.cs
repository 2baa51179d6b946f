using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Keras's <c>MeanSquaredError</c> metric: the running mean of the per-sample <c>mean((y_pred - y_true)^2, axis=-1)</c> (the same
    /// per-sample function as <see cref="Losses.MeanSquaredError"/>).
    /// </summary>
    public sealed class MeanSquaredError : MeanMetricWrapper
    {
        private readonly Losses.MeanSquaredError loss = new();

        /// <summary>Creates the metric.</summary>
        /// <param name="name">The name shown in logs (Keras's <c>"mse"</c>/<c>"mae"</c> strings keep that spelling).</param>
        public MeanSquaredError(string name = "mean_squared_error") : base(name)
        {
        }

        /// <inheritdoc/>
        protected override Tensor Compute(Tensor yTrue, Tensor yPred) => loss.PerSample(yTrue, yPred);
    }
}
