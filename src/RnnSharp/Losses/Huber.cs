using System.Collections.Generic;
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Losses
{
    /// <summary>
    /// Keras's <c>Huber</c> loss: with <c>e = y_pred - y_true</c>, elementwise <c>0.5 * e^2</c> where <c>|e| &lt;= delta</c>
    /// and <c>delta * |e| - 0.5 * delta^2</c> elsewhere, averaged over the last axis.
    /// </summary>
    public sealed class Huber : Loss
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="delta">The point where the loss turns from quadratic to linear (positive).</param>
        /// <param name="name">The loss's name.</param>
        public Huber(double delta = 1.0, string name = "huber_loss") : base(name)
        {
            if (!(delta > 0) || double.IsInfinity(delta))
                throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be positive and finite.");
            Delta = delta;
        }

        /// <summary>The quadratic-to-linear threshold.</summary>
        public double Delta { get; }

        /// <inheritdoc/>
        protected override Tensor ComputePerSample(Tensor yTrue, Tensor yPred) =>
            // torch's huber_loss is the same piecewise function (both branches agree at |e| = delta).
            nn.functional.huber_loss(yPred, yTrue, Delta, nn.Reduction.None).mean(new long[] { -1 });

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["delta"] = Delta;
            return config;
        }
    }
}
