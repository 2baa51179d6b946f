using System;
using System.Linq;
using System.Threading;
using RnnSharp.Distribution;

namespace RnnSharp.Distributed
{
    /// <summary>
    /// RnnSharp's <see cref="ICommunicator"/> on MPI's world communicator (Open MPI): the processes <c>mpirun -np N</c>
    /// or Slurm's <c>srun</c> started. Create it once per process with <see cref="Create"/> and hand it to
    /// <see cref="DataParallel"/>; dispose it at the end (MPI_Finalize). In a process no MPI launcher started it is rank
    /// 0 of 1 and never touches MPI, so the same program runs alone, as usual, without Open MPI installed.
    /// </summary>
    /// <example>
    /// <code>
    /// using var world = MpiCommunicator.Create();
    /// Distribution.SetDistribution(new DataParallel(world));
    /// model.Fit(x, y, batchSize: 64, epochs: 5);   // 64 samples per step in all, 64 / N on each process
    /// if (Distribution.IsChief) model.Save("model.keras");
    /// </code>
    /// </example>
    public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
    {
        // One MPI_Init per process: MPI cannot be initialized again after MPI_Finalize.
        private static MpiCommunicator? instance;
        private static readonly object Gate = new();
        private readonly OpenMpi.Library? mpi;
        private int finalized;

        private MpiCommunicator(OpenMpi.Library? mpi, int rank, int size)
        {
            this.mpi = mpi;
            Rank = rank;
            Size = size;
        }

        /// <summary>
        /// True when an MPI launcher started this process (Open MPI's <c>mpirun</c>/<c>mpiexec</c>, or a PMI/PMIx launcher
        /// such as Slurm's <c>srun</c>): the environment variables they set are present.
        /// </summary>
        public static bool IsLaunchedByMpi
            => new[] { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE" }.Any(v => Environment.GetEnvironmentVariable(v) is not null);

        /// <summary>
        /// The communicator of this process: MPI's world (after <c>MPI_Init_thread</c>) when an MPI launcher started it,
        /// otherwise this process alone (rank 0 of 1, MPI untouched). Later calls return the same instance.
        /// </summary>
        /// <returns>The communicator; dispose it before the process ends.</returns>
        /// <exception cref="DllNotFoundException">An MPI launcher started the process but Open MPI's library is missing.</exception>
        public static MpiCommunicator Create()
        {
            lock (Gate)
            {
                if (instance is not null) return instance;
                if (!IsLaunchedByMpi) return instance = new MpiCommunicator(null, 0, 1);
                var mpi = OpenMpi.Lib;
                int initialized, provided, rank, size;
                OpenMpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
                // Serialized: the trainer calls from one thread at a time, not always the same one (e.g. the exit handler).
                if (initialized == 0) OpenMpi.Check(mpi.InitThread(IntPtr.Zero, IntPtr.Zero, OpenMpi.ThreadSerialized, &provided), "MPI_Init_thread");
                OpenMpi.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
                OpenMpi.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
                instance = new MpiCommunicator(mpi, rank, size);
                // A program that forgets to dispose still finalizes, so the launcher does not report a failure.
                AppDomain.CurrentDomain.ProcessExit += (_, _) => instance.Dispose();
                return instance;
            }
        }

        /// <inheritdoc />
        public int Rank { get; }

        /// <inheritdoc />
        public int Size { get; }

        /// <summary>True when this process is one of several started by an MPI launcher (MPI is initialized).</summary>
        public bool IsMpi => mpi is not null;

        /// <inheritdoc />
        public void AllReduceSum(Span<float> buffer)
        {
            var lib = Require();
            if (lib is null || buffer.IsEmpty) return;
            fixed (float* p = buffer)
                OpenMpi.Check(lib.Allreduce(lib.InPlace, (IntPtr)p, buffer.Length, lib.Float, lib.Sum, lib.CommWorld), "MPI_Allreduce");
        }

        /// <inheritdoc />
        public void AllReduceSum(Span<double> buffer)
        {
            var lib = Require();
            if (lib is null || buffer.IsEmpty) return;
            fixed (double* p = buffer)
                OpenMpi.Check(lib.Allreduce(lib.InPlace, (IntPtr)p, buffer.Length, lib.Double, lib.Sum, lib.CommWorld), "MPI_Allreduce");
        }

        /// <inheritdoc />
        public void Broadcast(Span<byte> buffer, int root)
        {
            if (root < 0 || root >= Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"Expected a rank in [0, {Size}).");
            var lib = Require();
            if (lib is null) return;
            // MPI counts are ints: large models go in pieces of 1 GiB.
            const int Piece = 1 << 30;
            fixed (byte* p = buffer)
                for (long at = 0; at < buffer.Length; at += Piece)
                    OpenMpi.Check(lib.Bcast((IntPtr)(p + at), (int)Math.Min(Piece, buffer.Length - at), lib.Byte, root, lib.CommWorld), "MPI_Bcast");
        }

        /// <inheritdoc />
        public byte[][] AllGather(ReadOnlySpan<byte> data)
        {
            var lib = Require();
            if (lib is null) return new[] { data.ToArray() };
            var counts = new int[Size];
            int mine = data.Length;
            fixed (int* c = counts)
                OpenMpi.Check(lib.Allgather((IntPtr)(&mine), 1, lib.Int, (IntPtr)c, 1, lib.Int, lib.CommWorld), "MPI_Allgather");
            var displacements = new int[Size];
            long total = 0;
            for (int r = 0; r < Size; r++)
            {
                if (total > int.MaxValue) throw new InvalidOperationException($"AllGather: more than {int.MaxValue} bytes in all.");
                displacements[r] = (int)total;
                total += counts[r];
            }
            var all = new byte[total];
            fixed (byte* send = data)
            fixed (byte* receive = all)
            fixed (int* c = counts)
            fixed (int* d = displacements)
                OpenMpi.Check(lib.Allgatherv((IntPtr)send, mine, lib.Byte, (IntPtr)receive, c, d, lib.Byte, lib.CommWorld), "MPI_Allgatherv");
            return Enumerable.Range(0, Size).Select(r => all.AsSpan(displacements[r], counts[r]).ToArray()).ToArray();
        }

        /// <inheritdoc />
        public void Abort(int errorCode)
        {
            if (mpi is null || Volatile.Read(ref finalized) != 0) Environment.Exit(errorCode);
            mpi!.AbortMpi(mpi.CommWorld, errorCode);
            Environment.Exit(errorCode);
        }

        /// <summary>Ends MPI in this process (MPI_Finalize, collective: every process disposes); later calls do nothing.</summary>
        public void Dispose()
        {
            if (mpi is null || Interlocked.Exchange(ref finalized, 1) != 0) return;
            int done;
            if (mpi.Finalized(&done) == OpenMpi.Success && done == 0) mpi.FinalizeMpi();
        }

        private OpenMpi.Library? Require()
        {
            if (Volatile.Read(ref finalized) != 0) throw new ObjectDisposedException(nameof(MpiCommunicator), "MPI was finalized in this process.");
            return mpi;
        }
    }
}
