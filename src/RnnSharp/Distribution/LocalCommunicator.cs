using System;

namespace RnnSharp.Distribution
{
    /// <summary>
    /// The <see cref="ICommunicator"/> of a process that runs alone (rank 0 of 1): every collective leaves the data as it
    /// is. A <see cref="DataParallel"/> on it trains exactly as without a distribution.
    /// </summary>
    public sealed class LocalCommunicator : ICommunicator
    {
        /// <summary>The one instance.</summary>
        public static LocalCommunicator Instance { get; } = new();

        private LocalCommunicator()
        {
        }

        /// <inheritdoc />
        public int Rank => 0;

        /// <inheritdoc />
        public int Size => 1;

        /// <inheritdoc />
        public void AllReduceSum(Span<float> buffer)
        {
        }

        /// <inheritdoc />
        public void AllReduceSum(Span<double> buffer)
        {
        }

        /// <inheritdoc />
        public void Broadcast(Span<byte> buffer, int root)
        {
            if (root != 0) throw new ArgumentOutOfRangeException(nameof(root), root, "A process alone has rank 0 only.");
        }

        /// <inheritdoc />
        public byte[][] AllGather(ReadOnlySpan<byte> data) => new[] { data.ToArray() };

        /// <inheritdoc />
        public void Abort(int errorCode) => Environment.Exit(errorCode);
    }
}
