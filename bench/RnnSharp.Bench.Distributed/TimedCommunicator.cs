using System;
using System.Diagnostics;
using RnnSharp.Distribution;

namespace RnnSharp.Bench.Distributed
{
    /// <summary>
    /// An <see cref="ICommunicator"/> that times the gradient all-reduce (the float one) of another, in two parts: first
    /// a one-number all-reduce that returns when every process has arrived (the wait for the slowest), then the
    /// gradients' all-reduce itself (the transfer and the sum).
    /// </summary>
    internal sealed class TimedCommunicator(ICommunicator inner) : ICommunicator
    {
        private readonly Stopwatch waiting = new();
        private readonly Stopwatch gradients = new();

        /// <summary>Time spent waiting for the other processes to reach the gradient all-reduce.</summary>
        public TimeSpan Waiting => waiting.Elapsed;

        /// <summary>Time spent in the gradient all-reduce once every process is there.</summary>
        public TimeSpan GradientAllReduce => gradients.Elapsed;

        public long GradientAllReduceCalls { get; private set; }

        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public void Reset()
        {
            waiting.Reset();
            gradients.Reset();
            GradientAllReduceCalls = 0;
        }

        public void AllReduceSum(Span<float> buffer)
        {
            Span<double> arrived = stackalloc double[1];
            waiting.Start();
            inner.AllReduceSum(arrived);
            waiting.Stop();
            gradients.Start();
            inner.AllReduceSum(buffer);
            gradients.Stop();
            GradientAllReduceCalls++;
        }

        public void AllReduceSum(Span<double> buffer) => inner.AllReduceSum(buffer);

        public void Broadcast(Span<byte> buffer, int root) => inner.Broadcast(buffer, root);

        public byte[][] AllGather(ReadOnlySpan<byte> data) => inner.AllGather(data);

        public void Abort(int errorCode) => inner.Abort(errorCode);
    }
}
