using System;
using System.Diagnostics;
using RnnSharp.Distribution;

namespace RnnSharp.Bench.Distributed
{
    /// <summary>An <see cref="ICommunicator"/> that times the gradient all-reduce (the float one) of another.</summary>
    internal sealed class TimedCommunicator(ICommunicator inner) : ICommunicator
    {
        private readonly Stopwatch gradients = new();

        /// <summary>Time spent in the gradient all-reduce, waiting for the other processes included.</summary>
        public TimeSpan GradientAllReduce => gradients.Elapsed;

        public long GradientAllReduceCalls { get; private set; }

        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public void Reset()
        {
            gradients.Reset();
            GradientAllReduceCalls = 0;
        }

        public void AllReduceSum(Span<float> buffer)
        {
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
