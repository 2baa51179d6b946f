using System.Threading;

namespace RnnSharp.Distribution
{
    /// <summary>
    /// Keras 3's <c>keras.distribution.Distribution</c>: how training is spread over processes. Set one with
    /// <see cref="SetDistribution"/> (Keras's <c>set_distribution</c>); <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>
    /// then follow <see cref="Current"/> (Keras's <c>distribution()</c>). The only kind is <see cref="DataParallel"/>.
    /// </summary>
    public abstract class Distribution
    {
        private static Distribution? current;

        /// <summary>Creates a distribution over the processes of <paramref name="communicator"/>.</summary>
        /// <param name="communicator">The processes' collectives.</param>
        private protected Distribution(ICommunicator communicator)
        {
            System.ArgumentNullException.ThrowIfNull(communicator);
            Communicator = communicator;
        }

        /// <summary>The collectives of the processes this distribution spans.</summary>
        public ICommunicator Communicator { get; }

        /// <summary>Keras's <c>num_processes</c>: the number of cooperating processes.</summary>
        public int NumProcesses => Communicator.Size;

        /// <summary>Keras's <c>process_id</c>: this process's index (its MPI rank).</summary>
        public int ProcessId => Communicator.Rank;

        /// <summary>Keras's <c>distribution()</c>: the distribution set by <see cref="SetDistribution"/>, or null.</summary>
        public static Distribution? Current => Volatile.Read(ref current);

        /// <summary>
        /// True in the process that writes (rank 0, or a process without a distribution): the progress bar, checkpoints,
        /// CSV logs and anything else a single copy of is wanted (plots, printed results).
        /// </summary>
        public static bool IsChief => Current is not { } d || d.ProcessId == 0;

        /// <summary>Keras's <c>set_distribution</c>: the distribution <c>Fit</c>/<c>Evaluate</c>/<c>Predict</c> follow
        /// from now on; null goes back to one process.</summary>
        /// <param name="value">The distribution, or null.</param>
        public static void SetDistribution(Distribution? value) => Volatile.Write(ref current, value);

        /// <summary>The distribution the trainer acts on: the current one when it spans several processes (one process
        /// alone trains exactly as without a distribution).</summary>
        internal static DataParallel? Active => Current is DataParallel { NumProcesses: > 1 } d ? d : null;
    }
}
