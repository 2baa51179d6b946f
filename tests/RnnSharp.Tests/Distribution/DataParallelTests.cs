using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RnnSharp.Distribution;
using RnnSharp.Metrics;
using RnnSharp.Tests.Support;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Distribution
{
    /// <summary>
    /// <see cref="DataParallel"/>'s parts that need no MPI: the slicing of a batch, the count-weighted gradient average
    /// (two ranks as two threads over an in-memory communicator), the summed metric states, and one process training
    /// exactly as without a distribution. The MPI runs are in tests/RnnSharp.Distributed.Tests.
    /// </summary>
    public class DataParallelTests
    {
        [Fact]
        public void SliceOfCutsABatchIntoContiguousSlicesInRankOrder()
        {
            for (int processes = 1; processes <= 5; processes++)
                for (long length = 0; length <= 23; length++)
                {
                    // Reference: deal the samples out one by one, round robin, then lay the ranks' piles end to end.
                    var counts = new long[processes];
                    for (long i = 0; i < length; i++) counts[i % processes]++;
                    long offset = 0;
                    for (int rank = 0; rank < processes; rank++)
                    {
                        Assert.Equal((offset, counts[rank]), DataParallel.SliceOf(length, rank, processes));
                        offset += counts[rank];
                    }
                }
            Assert.Throws<ArgumentOutOfRangeException>(() => DataParallel.SliceOf(4, 2, 2));
        }

        [Fact]
        public void GradientsAreAveragedWeightedByEachRanksShareOfTheBatch()
        {
            // A batch of 3: rank 0 takes 2 samples, rank 1 one. Parameter a has gradients on both ranks, b on rank 1
            // only, c on none.
            var world = new ThreadWorld(2);
            float[] a0 = { 1, 2, 3 }, a1 = { 10, 20, 30 }, b1 = { 6, -3 };
            var results = new (float[]? A, float[]? B, bool CHasGrad)[2];
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, rank =>
            {
                var distribution = new DataParallel(world.Rank(rank)) { GradientBucketBytes = 8 }; // two floats a bucket
                var a = new Parameter(zeros(3));
                var b = new Parameter(zeros(2));
                var c = new Parameter(zeros(1));
                a.grad = tensor(rank == 0 ? a0 : a1);
                if (rank == 1) b.grad = tensor(b1);
                distribution.Shard(0, 3);
                distribution.ReduceGradients(new[] { a, b, c });
                results[rank] = (a.grad?.data<float>().ToArray(), b.grad?.data<float>().ToArray(), c.grad is not null);
            });
            foreach (var (a, b, cHasGrad) in results)
            {
                Assert.Equal(a0.Zip(a1, (x, y) => (2 * x + y) / 3).ToArray(), a!, new ToleranceComparer(1e-6));
                Assert.Equal(b1.Select(v => v / 3).ToArray(), b!, new ToleranceComparer(1e-6));
                Assert.False(cHasGrad);
            }
        }

        [Fact]
        public void MetricStatesAreSummedForTheLogsAndRestoredAfter()
        {
            var world = new ThreadWorld(2);
            var results = new (double Reduced, double Own)[2];
            Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, rank =>
            {
                var distribution = new DataParallel(world.Rank(rank));
                using var mean = new Mean("loss");
                // Rank 0 saw 1, 2, 3; rank 1 saw 10: the mean over all is 4, rank 0's own 2 and rank 1's own 10.
                mean.UpdateState(rank == 0 ? tensor(new float[] { 1, 2, 3 }) : tensor(new float[] { 10 }));
                var logs = distribution.ReduceMetrics(new[] { mean }, () => new Dictionary<string, double> { ["loss"] = mean.ResultValue() });
                results[rank] = (logs["loss"], mean.ResultValue());
            });
            Assert.Equal(4.0, results[0].Reduced, 6);
            Assert.Equal(4.0, results[1].Reduced, 6);
            Assert.Equal(2.0, results[0].Own, 6);
            Assert.Equal(10.0, results[1].Own, 6);
        }

        [Fact]
        public void OneProcessTrainsExactlyAsWithoutADistribution()
        {
            float[] Train()
            {
                Backend.SetRandomSeed(3);
                var model = TestModels.Small();
                model.Compile("adam", "mse");
                var x = TestModels.Input(10);
                model.Fit(x, x.sum(new long[] { 1, 2 }).unsqueeze(1), batchSize: 4, epochs: 2, verbose: 0);
                return TestModels.Flat(model);
            }
            var plain = Train();
            try
            {
                RnnSharp.Distribution.Distribution.SetDistribution(new DataParallel());
                Assert.True(RnnSharp.Distribution.Distribution.IsChief);
                Assert.Equal(1, RnnSharp.Distribution.Distribution.Current!.NumProcesses);
                Assert.Equal(plain, Train());
            }
            finally
            {
                RnnSharp.Distribution.Distribution.SetDistribution(null);
            }
        }

        private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<float>
        {
            public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

            public int GetHashCode(float obj) => 0;
        }

        /// <summary>Ranks as threads: each collective waits for every rank, then each reads the combined result.</summary>
        private sealed class ThreadWorld(int size)
        {
            private readonly Barrier barrier = new(size);
            private readonly object[] posted = new object[size];

            public ICommunicator Rank(int rank) => new Member(this, rank);

            private T[][] Exchange<T>(int rank, T[] mine)
            {
                posted[rank] = mine;
                barrier.SignalAndWait();
                var all = posted.Select(p => (T[])p).ToArray();
                barrier.SignalAndWait();
                return all;
            }

            private sealed class Member(ThreadWorld world, int rank) : ICommunicator
            {
                public int Rank => rank;

                public int Size => world.posted.Length;

                public void AllReduceSum(Span<float> buffer)
                {
                    var all = world.Exchange(rank, buffer.ToArray());
                    for (int i = 0; i < buffer.Length; i++) buffer[i] = all.Sum(a => a[i]);
                }

                public void AllReduceSum(Span<double> buffer)
                {
                    var all = world.Exchange(rank, buffer.ToArray());
                    for (int i = 0; i < buffer.Length; i++) buffer[i] = all.Sum(a => a[i]);
                }

                public void Broadcast(Span<byte> buffer, int root) => world.Exchange(rank, buffer.ToArray())[root].CopyTo(buffer);

                public byte[][] AllGather(ReadOnlySpan<byte> data) => world.Exchange(rank, data.ToArray());

                public void Abort(int errorCode) => throw new InvalidOperationException($"abort {errorCode}");
            }
        }
    }
}
