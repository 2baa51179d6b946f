using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Keras's array data adapter: holds the inputs, targets and sample weights of a <c>Fit</c>/<c>Evaluate</c>/
    /// <c>Predict</c> call on the CPU, splits off a validation tail and yields (shuffled) batches moved to the model's
    /// device.
    /// </summary>
    public sealed class DataAdapter
    {
        /// <summary>Creates an adapter for a model of one input and one output, after checking that all arrays have the
        /// same number of samples.</summary>
        public DataAdapter(Tensor x, Tensor? y = null, Tensor? sampleWeight = null)
            : this(new[] { x ?? throw new ArgumentNullException(nameof(x)) }, y is null ? null : new[] { y }, sampleWeight)
        {
        }

        /// <summary>Creates an adapter for the inputs <paramref name="x"/> and targets <paramref name="y"/> (one array per
        /// model input and output, in order), after checking that all arrays have the same number of samples (Keras's
        /// "Data cardinality is ambiguous" error, listing each array's size).</summary>
        public DataAdapter(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor>? y = null, Tensor? sampleWeight = null)
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.Count == 0) throw new ArgumentException("x must hold at least one array.", nameof(x));
            if (x.Any(t => t is null)) throw new ArgumentNullException(nameof(x), "x contains a null array.");
            if (y is not null && y.Any(t => t is null)) throw new ArgumentNullException(nameof(y), "y contains a null array.");
            if (x.Any(t => t.dim() == 0)) throw new ArgumentException("x must have a batch axis; received a scalar.", nameof(x));
            if (y is not null && y.Any(t => t.dim() == 0)) throw new ArgumentException("y must have a batch axis; received a scalar.", nameof(y));
            if (sampleWeight is not null && sampleWeight.dim() == 0)
                throw new ArgumentException("sampleWeight must have a batch axis; received a scalar.", nameof(sampleWeight));
            long n = x[0].shape[0];
            var all = x.Concat(y ?? Array.Empty<Tensor>()).Append(sampleWeight).OfType<Tensor>();
            if (all.Any(t => t.shape[0] != n))
            {
                // Keras's _check_data_cardinality.
                var message = new System.Text.StringBuilder("Data cardinality is ambiguous:\n");
                message.Append("  x sizes: ").Append(string.Join(", ", x.Select(t => t.shape[0]))).Append('\n');
                if (y is not null) message.Append("  y sizes: ").Append(string.Join(", ", y.Select(t => t.shape[0]))).Append('\n');
                if (sampleWeight is not null) message.Append("  sample_weight sizes: ").Append(sampleWeight.shape[0]).Append('\n');
                message.Append("Make sure all arrays contain the same number of samples.");
                throw new RnnSharp.Layers.ShapeMismatchException(message.ToString());
            }
            if (n == 0)
                throw new ArgumentException($"Expected input data to be non-empty: x has 0 samples (shape {ShapeUtils.Format(x[0].shape)}).", nameof(x));
            if (sampleWeight is not null && sampleWeight.dim() != 1)
                throw new RnnSharp.Layers.ShapeMismatchException(
                    $"sampleWeight must have shape ({n},), one weight per sample; received {ShapeUtils.Format(sampleWeight.shape)}.");
            X = x.ToArray();
            Y = y?.ToArray();
            SampleWeight = sampleWeight;
        }

        /// <summary>Inputs, one array per model input.</summary>
        public IReadOnlyList<Tensor> X { get; }
        /// <summary>Targets, one array per model output, or null (Predict).</summary>
        public IReadOnlyList<Tensor>? Y { get; }
        /// <summary>Per-sample weights, or null.</summary>
        public Tensor? SampleWeight { get; }
        /// <summary>Number of samples.</summary>
        public long Count => X[0].shape[0];

        /// <summary>Number of batches of <paramref name="batchSize"/> (the last may be smaller).</summary>
        public int Steps(int batchSize) => (int)((Count + batchSize - 1) / batchSize);

        /// <summary>
        /// Keras's <c>validation_split</c>: the last <paramref name="fraction"/> of the samples of every array, before any
        /// shuffling, become the validation data (<c>split_at = int(n * (1 - fraction))</c>).
        /// </summary>
        public (DataAdapter Train, DataAdapter Validation) Split(double fraction)
        {
            if (fraction <= 0 || fraction >= 1)
                throw new ArgumentException($"validationSplit must be in (0, 1); received {fraction}.", nameof(fraction));
            long splitAt = (long)(Count * (1 - fraction));
            if (splitAt == 0 || splitAt == Count)
                throw new ArgumentException(
                    $"Training data contains {Count} samples, which is not sufficient to split it into a validation and training set " +
                    $"as specified by `validationSplit={fraction}`. Either provide more data, or a different value for the `validationSplit` argument.");
            DataAdapter Part(long start, long length) => new(
                X.Select(t => t.narrow(0, start, length)).ToArray(), Y?.Select(t => t.narrow(0, start, length)).ToArray(),
                SampleWeight?.narrow(0, start, length));
            return (Part(0, splitAt), Part(splitAt, Count - splitAt));
        }

        /// <summary>
        /// The batches of one epoch, in a fresh random order when <paramref name="shuffle"/> (drawn from torch's seeded
        /// generator; the same order for every array), moved to <paramref name="device"/>.
        /// </summary>
        public IEnumerable<(IReadOnlyList<Tensor> X, IReadOnlyList<Tensor>? Y, Tensor? SampleWeight)> Batches(int batchSize, bool shuffle, Device device)
            => Batches(batchSize, shuffle, device, null);

        // With a data-parallel distribution: the same order on every process, and this process's slice of each batch.
        internal IEnumerable<(IReadOnlyList<Tensor> X, IReadOnlyList<Tensor>? Y, Tensor? SampleWeight)> Batches(
            int batchSize, bool shuffle, Device device, RnnSharp.Distribution.DataParallel? distribution)
        {
            if (batchSize <= 0) throw new ArgumentException($"batchSize must be positive; received {batchSize}.", nameof(batchSize));
            Tensor? order = !shuffle ? null
                : distribution is null ? randperm(Count, dtype: ScalarType.Int64) : distribution.Permutation(Count);
            try
            {
                for (long batchStart = 0; batchStart < Count; batchStart += batchSize)
                {
                    var (start, length) = (batchStart, Math.Min(batchSize, Count - batchStart));
                    if (distribution is not null) (start, length) = distribution.Shard(start, length);
                    if (order is null)
                    {
                        Tensor Take(Tensor t) => Move(t.narrow(0, start, length), device);
                        yield return (X.Select(Take).ToArray(), Y?.Select(Take).ToArray(), SampleWeight is null ? null : Take(SampleWeight));
                    }
                    else
                    {
                        using var index = order.narrow(0, start, length);
                        Tensor Take(Tensor t) => Move(t.index_select(0, index), device);
                        yield return (X.Select(Take).ToArray(), Y?.Select(Take).ToArray(), SampleWeight is null ? null : Take(SampleWeight));
                    }
                }
            }
            finally
            {
                order?.Dispose();
            }
        }

        private static Tensor Move(Tensor t, Device device)
            => DeviceUtils.OnDevice(t, device, nonBlocking: true);

        /// <summary>Converts .NET arrays to a CPU tensor (float32 for floating data, int64 for integer data).</summary>
        public static Tensor FromArray(Array data)
        {
            long[] shape = Enumerable.Range(0, data.Rank).Select(d => (long)data.GetLength(d)).ToArray();
            switch (data)
            {
                case float[] f: return tensor(f, shape);
                case double[] d: return tensor(d.Select(v => (float)v).ToArray(), shape);
                case int[] i: return tensor(i.Select(v => (long)v).ToArray(), shape);
                case long[] l: return tensor(l, shape);
                case bool[] b: return tensor(b.Select(v => v ? 1f : 0f).ToArray(), shape);
            }
            var element = data.GetType().GetElementType()!;
            var flat = data.Cast<object>();
            if (element == typeof(float) || element == typeof(double))
                return tensor(flat.Select(Convert.ToSingle).ToArray(), shape);
            if (element == typeof(int) || element == typeof(long) || element == typeof(short) || element == typeof(byte))
                return tensor(flat.Select(Convert.ToInt64).ToArray(), shape);
            throw new ArgumentException($"Arrays of {element.Name} are not supported; use float, double, int or long.", nameof(data));
        }

        /// <summary>Converts jagged int sequences (equal lengths) to an int64 tensor, e.g. the output of PadSequences.</summary>
        public static Tensor FromJagged(IReadOnlyList<IReadOnlyList<int>> rows)
        {
            if (rows.Count == 0) return zeros(0, 0, dtype: ScalarType.Int64);
            int width = rows[0].Count;
            if (rows.Any(r => r.Count != width))
                throw new ArgumentException("All sequences must have the same length: pad them first (RnnSharp.Data.Sequence.PadSequences).");
            return tensor(rows.SelectMany(r => r.Select(v => (long)v)).ToArray(), new long[] { rows.Count, width });
        }
    }
}
