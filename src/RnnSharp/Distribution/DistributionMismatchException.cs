using System;

namespace RnnSharp.Distribution
{
    /// <summary>
    /// The processes of a data-parallel run disagree on what they run: another model architecture, number of samples,
    /// batch size or call. Raised on every process alike at the start of <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c>.
    /// </summary>
    public sealed class DistributionMismatchException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What differs, and between which processes.</param>
        public DistributionMismatchException(string message) : base(message)
        {
        }
    }
}
