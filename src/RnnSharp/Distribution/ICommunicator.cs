using System;

namespace RnnSharp.Distribution
{
    /// <summary>
    /// The collective operations data-parallel training needs from the processes it runs on (MPI's world
    /// communicator, or one process alone): the core trainer calls only these, so RnnSharp itself does not depend on
    /// MPI. <c>RnnSharp.Distributed</c>'s <c>MpiCommunicator</c> implements it on Open MPI; <see cref="LocalCommunicator"/>
    /// is the one-process implementation. Every member except <see cref="Rank"/>, <see cref="Size"/> and
    /// <see cref="Abort"/> is collective: every process calls it, in the same order, with buffers of the same length.
    /// </summary>
    public interface ICommunicator
    {
        /// <summary>This process's index, 0 to <see cref="Size"/> − 1 (MPI's rank); rank 0 is the chief.</summary>
        int Rank { get; }

        /// <summary>The number of processes (MPI's world size).</summary>
        int Size { get; }

        /// <summary>Replaces <paramref name="buffer"/> by its element-wise sum over all processes, in one call (MPI_Allreduce).</summary>
        /// <param name="buffer">This process's values; the sums on return.</param>
        void AllReduceSum(Span<float> buffer);

        /// <summary>Replaces <paramref name="buffer"/> by its element-wise sum over all processes (MPI_Allreduce).</summary>
        /// <param name="buffer">This process's values; the sums on return.</param>
        void AllReduceSum(Span<double> buffer);

        /// <summary>Copies <paramref name="root"/>'s <paramref name="buffer"/> into every other process's (MPI_Bcast).</summary>
        /// <param name="buffer">The data on the root; overwritten elsewhere.</param>
        /// <param name="root">The rank whose data is sent.</param>
        void Broadcast(Span<byte> buffer, int root);

        /// <summary>Every process's <paramref name="data"/> (their lengths may differ), in rank order (MPI_Allgatherv).</summary>
        /// <param name="data">This process's bytes.</param>
        /// <returns>One array per rank.</returns>
        byte[][] AllGather(ReadOnlySpan<byte> data);

        /// <summary>Ends every process of the job with <paramref name="errorCode"/> (MPI_Abort); not collective, does not return
        /// in a job of several processes.</summary>
        /// <param name="errorCode">The exit code the launcher reports.</param>
        void Abort(int errorCode);
    }
}
