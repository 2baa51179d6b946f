using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using RnnSharp.Metrics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Distribution
{
    /// <summary>
    /// Keras 3's <c>keras.distribution.DataParallel</c>, across processes: every process holds the whole model, trains
    /// on its own shard of each batch, and the processes average their gradients every step, as Horovod does on MPI.
    /// Set it once with <see cref="Distribution.SetDistribution"/>; <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c> then
    /// run data-parallel when <see cref="Distribution.NumProcesses"/> is above 1, and exactly as without it otherwise.
    /// </summary>
    /// <remarks>
    /// <para>What the trainer does under it (docs/distributed.md has the details):</para>
    /// <list type="bullet">
    /// <item>At the start of each <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c> the processes compare their models'
    /// architecture, the number of samples and the batch size (a difference raises
    /// <see cref="DistributionMismatchException"/> on every process), then take rank 0's weights.</item>
    /// <item><c>batchSize</c> is the global batch, as in Keras: each batch of the epoch (the same shuffled order on every
    /// process: rank 0 draws it) is cut into <see cref="Distribution.NumProcesses"/> contiguous slices, one per rank, the
    /// first ranks one sample larger when it does not divide evenly (the last batch of an epoch may leave a rank
    /// empty).</item>
    /// <item>Before each optimizer update the gradients are averaged with one all-reduce over a flattened buffer (in
    /// buckets of <see cref="GradientBucketBytes"/>), each rank's gradient weighted by its share of the batch, so the
    /// update equals one process's on the whole batch, uneven last batch included.</item>
    /// <item>Metric states (Keras's <c>metric.variables</c>) are summed over the processes whenever logs are read, so
    /// every process logs what one process would, and callbacks decide the same everywhere.</item>
    /// <item><c>Predict</c> gathers the slices back into input order on every process.</item>
    /// <item>An exception inside <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c> on any process prints that process's error
    /// and ends the whole job (<see cref="ICommunicator.Abort"/>) rather than leaving the others waiting.</item>
    /// </list>
    /// </remarks>
    public sealed class DataParallel : Distribution
    {
        private long localCount;
        private long globalCount;
        private float[] gradientBuffer = Array.Empty<float>();

        /// <summary>Creates the distribution over the processes of <paramref name="communicator"/>.</summary>
        /// <param name="communicator">The processes' collectives (e.g. <c>RnnSharp.Distributed.MpiCommunicator.Create()</c>);
        /// null is this process alone (<see cref="LocalCommunicator"/>).</param>
        public DataParallel(ICommunicator? communicator = null)
            : base(communicator ?? LocalCommunicator.Instance)
        {
        }

        /// <summary>The most bytes of gradients one all-reduce call carries (PyTorch DDP's default bucket, 25 MiB).</summary>
        public int GradientBucketBytes { get; init; } = 25 << 20;

        /// <summary>
        /// The slice of a batch of <paramref name="length"/> samples that rank <paramref name="rank"/> of
        /// <paramref name="processes"/> takes: contiguous slices in rank order, the first <c>length % processes</c>
        /// ranks one sample larger.
        /// </summary>
        /// <param name="length">The batch's samples.</param>
        /// <param name="rank">The rank.</param>
        /// <param name="processes">The number of processes.</param>
        /// <returns>The slice's offset in the batch and its length (possibly 0).</returns>
        public static (long Offset, long Length) SliceOf(long length, int rank, int processes)
        {
            if (processes <= 0) throw new ArgumentOutOfRangeException(nameof(processes), processes, "Expected at least one process.");
            if (rank < 0 || rank >= processes)
                throw new ArgumentOutOfRangeException(nameof(rank), rank, $"Expected a rank in [0, {processes}).");
            long size = length / processes, extra = length % processes;
            return (rank * size + Math.Min(rank, extra), size + (rank < extra ? 1 : 0));
        }

        // This rank's part of the global batch [start, start + length), remembered for the gradient average.
        internal (long Start, long Length) Shard(long start, long length)
        {
            var (offset, count) = SliceOf(length, ProcessId, NumProcesses);
            localCount = count;
            globalCount = length;
            return (start + offset, count);
        }

        // The epoch's sample order: rank 0 draws it from torch's generator (as one process would) and sends it.
        internal Tensor Permutation(long count)
        {
            var order = new long[count];
            if (ProcessId == 0)
            {
                using var drawn = randperm(count, dtype: ScalarType.Int64);
                drawn.data<long>().CopyTo(order);
            }
            Communicator.Broadcast(MemoryMarshal.AsBytes(order.AsSpan()), root: 0);
            return tensor(order);
        }

        /// <summary>
        /// Checks that every process runs the same call on the same model and data, then gives every process rank 0's
        /// weights (parameters and buffers).
        /// </summary>
        internal void Synchronize(Model model, string call, long samples, int batchSize, long? validationSamples = null)
        {
            var state = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
                .Concat(model.named_buffers().Select(b => (b.name, b.buffer))).ToArray();
            var facts = new (string What, string Value)[]
            {
                ("call", call),
                ("number of samples", samples.ToString(CultureInfo.InvariantCulture)),
                ("batch size", batchSize.ToString(CultureInfo.InvariantCulture)),
                ("number of validation samples", validationSamples?.ToString(CultureInfo.InvariantCulture) ?? "none"),
                ("model", string.Join("; ", state.Select(s => $"{s.Item1} {s.Item2.dtype} ({string.Join(", ", s.Item2.shape)})"))),
            };
            var mine = string.Join("\n", facts.Select(f => f.Value));
            var all = Communicator.AllGather(System.Text.Encoding.UTF8.GetBytes(mine))
                .Select(b => System.Text.Encoding.UTF8.GetString(b).Split('\n')).ToArray();
            for (int rank = 1; rank < all.Length; rank++)
                for (int i = 0; i < facts.Length; i++)
                    if (all[rank][i] != all[0][i])
                        throw new DistributionMismatchException(
                            $"Data-parallel {call}: process {rank} of {NumProcesses} has a different {facts[i].What} than process 0. " +
                            $"Expected (process 0): {Shorten(all[0][i])}; actual (process {rank}): {Shorten(all[rank][i])}. Every process must " +
                            "build the same model and pass the same data and arguments (each takes its own shard of every batch).");
            if (batchSize < NumProcesses || samples < NumProcesses)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Data-parallel {call} over {NumProcesses} processes needs a (global) batch size and a number of samples of at least " +
                    $"{NumProcesses}, so that every process gets samples; received batchSize = {batchSize} and {samples} samples."));
            BroadcastWeights(state.Select(s => s.Item2).ToArray());
        }

        private void BroadcastWeights(IReadOnlyList<Tensor> state)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var host = state.Select(t => t.detach().cpu().contiguous()).ToArray();
            var buffer = new byte[host.Sum(t => t.NumberOfElements * t.ElementSize)];
            long at = 0;
            foreach (var t in host)
            {
                var bytes = t.bytes;
                bytes.CopyTo(buffer.AsSpan((int)at));
                at += bytes.Length;
            }
            Communicator.Broadcast(buffer, root: 0);
            if (ProcessId == 0) return;
            at = 0;
            for (int i = 0; i < state.Count; i++)
            {
                int length = (int)(host[i].NumberOfElements * host[i].ElementSize);
                var received = empty(host[i].shape, host[i].dtype);
                received.bytes = buffer.AsSpan((int)at, length);
                state[i].copy_(received);
                at += length;
            }
        }

        /// <summary>
        /// Averages the gradients of <paramref name="parameters"/> over the processes, each weighted by its share of the
        /// global batch, with one flattened buffer reduced in buckets. A parameter without a gradient on any process stays
        /// without one (the optimizer then skips it, as one process would).
        /// </summary>
        internal void ReduceGradients(IReadOnlyList<Parameter> parameters)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            int n = parameters.Count;
            var sizes = parameters.Select(p => p.NumberOfElements).ToArray();
            long total = sizes.Sum() + n;
            if (gradientBuffer.Length != total) gradientBuffer = new float[total];
            var buffer = gradientBuffer.AsSpan();
            float share = globalCount == 0 ? 0f : (float)((double)localCount / globalCount);
            var present = parameters.Select(p => p.grad is not null).ToArray();
            // One device-to-host copy of all gradients, scaled by this rank's share.
            var grads = parameters.Select((p, i) => present[i]
                ? p.grad!.detach().reshape(-1).to(ScalarType.Float32)
                : zeros(sizes[i], ScalarType.Float32, p.device)).ToArray();
            using (var flat = n == 0 ? zeros(0) : cat(grads, 0).mul_(share).cpu())
                MemoryMarshal.Cast<byte, float>(flat.bytes).CopyTo(buffer);
            for (int i = 0; i < n; i++) buffer[(int)(total - n + i)] = present[i] ? 1f : 0f;
            int bucket = Math.Max(1, GradientBucketBytes / sizeof(float));
            for (int start = 0; start < total; start += bucket)
                Communicator.AllReduceSum(buffer.Slice(start, (int)Math.Min(bucket, total - start)));
            long at = 0;
            for (int i = 0; i < n; i++)
            {
                var p = parameters[i];
                if (buffer[(int)(total - n + i)] == 0f)
                {
                    p.grad = null;
                }
                else
                {
                    var host = empty(p.shape, ScalarType.Float32);
                    host.bytes = MemoryMarshal.AsBytes(buffer.Slice((int)at, (int)sizes[i]));
                    var averaged = host.to(p.dtype, p.device);
                    if (p.grad is { } g) g.copy_(averaged);
                    else p.grad = averaged.DetachFromDisposeScope();
                }
                at += sizes[i];
            }
        }

        /// <summary>
        /// <paramref name="read"/>'s logs with every metric's state summed over the processes (Keras's
        /// <c>metric.variables</c>, which are sums for every built-in metric); each process's own state is restored after.
        /// A metric without variables reports this process's value.
        /// </summary>
        internal Dictionary<string, double> ReduceMetrics(IEnumerable<Metric> metrics, Func<Dictionary<string, double>> read)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var variables = metrics.SelectMany(m => m.Variables).ToArray();
            var saved = variables.Select(v => v.clone()).ToArray();
            var values = new double[variables.Sum(v => v.NumberOfElements) + 1];
            long at = 0;
            foreach (var v in variables)
            {
                using var host = v.detach().to(ScalarType.Float64).cpu().contiguous();
                MemoryMarshal.Cast<byte, double>(host.bytes).CopyTo(values.AsSpan((int)at));
                at += v.NumberOfElements;
            }
            // The last entry counts the processes: a process with other metrics would make it differ.
            values[^1] = 1;
            Communicator.AllReduceSum(values);
            if (values[^1] != NumProcesses)
                throw new InvalidOperationException("The processes do not track the same metrics.");
            at = 0;
            foreach (var v in variables)
            {
                var host = empty(v.shape, ScalarType.Float64);
                host.bytes = MemoryMarshal.AsBytes(values.AsSpan((int)at, (int)v.NumberOfElements));
                v.copy_(host.to(v.dtype, v.device));
                at += v.NumberOfElements;
            }
            try
            {
                return read();
            }
            finally
            {
                for (int i = 0; i < variables.Length; i++) variables[i].copy_(saved[i]);
            }
        }

        /// <summary>
        /// Reassembles <c>Predict</c>'s outputs in input order on every process: <paramref name="local"/> holds this
        /// rank's slices of the batches of <paramref name="batchSize"/> over <paramref name="samples"/> samples (the first
        /// <paramref name="batches"/> of them), one after the other.
        /// </summary>
        internal Tensor Gather(Tensor? local, long[] trailingShape, ScalarType dtype, long samples, int batchSize, int batches)
        {
            using var scope = NewDisposeScope();
            var mine = local?.cpu().contiguous();
            byte[][] parts = Communicator.AllGather(mine is null ? ReadOnlySpan<byte>.Empty : mine.bytes);
            long rowElements = trailingShape.Aggregate(1L, (a, b) => a * b);
            var rowBytes = rowElements * empty(0, dtype).ElementSize;
            var ranks = parts.Select(p =>
            {
                var t = empty(new[] { p.Length / Math.Max(1, rowBytes) }.Concat(trailingShape).ToArray(), dtype);
                if (p.Length > 0) t.bytes = p;
                return t;
            }).ToArray();
            var cursor = new long[NumProcesses];
            var pieces = new List<Tensor>();
            for (int b = 0; b < batches; b++)
            {
                long length = Math.Min(batchSize, samples - (long)b * batchSize);
                for (int r = 0; r < NumProcesses; r++)
                {
                    long count = SliceOf(length, r, NumProcesses).Length;
                    if (count > 0) pieces.Add(ranks[r].narrow(0, cursor[r], count));
                    cursor[r] += count;
                }
            }
            return cat(pieces, 0).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// For an exception filter around <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c>: prints this process's error and ends
        /// the job, so the other processes do not wait forever in a collective this one will never join. A
        /// <see cref="DistributionMismatchException"/> is raised on every process alike and passes through.
        /// </summary>
        internal bool AbortJob(Exception error, string call)
        {
            if (error is DistributionMismatchException) return false;
            var writer = Console.Error;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"RnnSharp: process {ProcessId} of {NumProcesses} failed in data-parallel {call}; ending the job.\n{error}\n"));
            writer.Flush();
            Console.Out.Flush();
            Communicator.Abort(1);
            return false;
        }

        private static string Shorten(string value) => value.Length <= 400 ? value : value[..400] + "...";
    }
}
