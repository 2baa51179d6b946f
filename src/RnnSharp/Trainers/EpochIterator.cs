using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Keras 3's <c>EpochIterator</c>: the batches of each epoch of a <see cref="DataAdapter"/>. Without
    /// <c>stepsPerEpoch</c> every epoch is one pass over the data (freshly shuffled when asked). With it, an epoch is that
    /// many batches and the pass carries over from one epoch to the next, a new (reshuffled) pass starting once the data
    /// is used up; an epoch that runs out of data ends early with Keras's warning.
    /// </summary>
    internal sealed class EpochIterator : IDisposable
    {
        private readonly DataAdapter data;
        private readonly int batchSize;
        private readonly bool shuffle;
        private readonly int? stepsPerEpoch;
        private readonly Device device;
        private readonly Action<string> warn;
        private readonly RnnSharp.Distribution.DataParallel? distribution = RnnSharp.Distribution.Distribution.Active;
        private IEnumerator<(IReadOnlyList<Tensor> X, IReadOnlyList<Tensor>? Y, Tensor? SampleWeight)>? pass;
        private int stepsSeen;

        /// <summary>Creates the iterator.</summary>
        /// <param name="data">The data.</param>
        /// <param name="batchSize">Samples per batch (positive).</param>
        /// <param name="shuffle">Reshuffle the samples for each pass.</param>
        /// <param name="stepsPerEpoch">Batches per epoch, or null for one pass.</param>
        /// <param name="device">Where the batches go.</param>
        /// <param name="warn">Where the out-of-data warning goes.</param>
        public EpochIterator(DataAdapter data, int batchSize, bool shuffle, int? stepsPerEpoch, Device device, Action<string> warn)
        {
            this.data = data;
            this.batchSize = batchSize;
            this.shuffle = shuffle;
            this.stepsPerEpoch = stepsPerEpoch;
            this.device = device;
            this.warn = warn;
        }

        /// <summary>The batches of an epoch as the progress bar counts them (Keras's <c>num_batches</c>).</summary>
        public int NumBatches => stepsPerEpoch ?? data.Steps(batchSize);

        /// <summary>The batches of the next epoch, with their step index within it.</summary>
        public IEnumerable<(int Step, IReadOnlyList<Tensor> X, IReadOnlyList<Tensor>? Y, Tensor? SampleWeight)> Epoch()
        {
            int batches = data.Steps(batchSize);
            if (pass is null || stepsPerEpoch is null) NewPass();
            for (int step = 0; step < (stepsPerEpoch ?? batches); step++)
            {
                if (stepsSeen >= batches)
                {
                    if (stepsPerEpoch is int steps)
                        warn("Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate " +
                             $"at least `stepsPerEpoch * epochs` batches (stepsPerEpoch = {steps}, {batches} batches of {batchSize} per pass over the data).");
                    break;
                }
                stepsSeen++;
                pass!.MoveNext();
                var (x, y, w) = pass.Current;
                yield return (step, x, y, w);
            }
            if (stepsSeen >= batches) NewPass();
        }

        /// <summary>Starts the next epoch from a new pass (Keras resets the validation iterator before each run).</summary>
        public void Reset()
        {
            pass?.Dispose();
            pass = null;
            stepsSeen = 0;
        }

        /// <summary>Frees the pass in progress.</summary>
        public void Dispose() => Reset();

        // The pass's permutation is drawn on its first batch, as a fresh enumeration of the data draws it.
        private void NewPass()
        {
            pass?.Dispose();
            pass = data.Batches(batchSize, shuffle, device, distribution).GetEnumerator();
            stepsSeen = 0;
        }
    }
}
