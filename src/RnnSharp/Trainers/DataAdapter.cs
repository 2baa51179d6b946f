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
        /// <summary>Creates an adapter after checking that all arrays have the same number of samples.</summary>
        public DataAdapter(Tensor x, Tensor? y = null, Tensor? sampleWeight = null)
        {
            if (x.dim() == 0) throw new ArgumentException("x must have a batch axis; received a scalar.", nameof(x));
            long n = x.shape[0];
            if (n == 0)
                throw new ArgumentException($"Expected input data to be non-empty: x has 0 samples (shape {ShapeUtils.Format(x.shape)}).", nameof(x));
            if (y is not null && y.shape[0] != n)
                throw new RnnSharp.Layers.ShapeMismatchException(
                    $"Data cardinality is ambiguous: x sizes: {n}, y sizes: {y.shape[0]}. Make sure all arrays contain the same number of samples. " +
                    $"(x shape {ShapeUtils.Format(x.shape)}, y shape {ShapeUtils.Format(y.shape)})");
            if (sampleWeight is not null && (sampleWeight.dim() != 1 || sampleWeight.shape[0] != n))
                throw new RnnSharp.Layers.ShapeMismatchException(
                    $"sampleWeight must have shape ({n},), one weight per sample; received {ShapeUtils.Format(sampleWeight.shape)}.");
            X = x;
            Y = y;
            SampleWeight = sampleWeight;
        }

        /// <summary>Inputs.</summary>
        public Tensor X { get; }
        /// <summary>Targets, or null (Predict).</summary>
        public Tensor? Y { get; }
        /// <summary>Per-sample weights, or null.</summary>
        public Tensor? SampleWeight { get; }
        /// <summary>Number of samples.</summary>
        public long Count => X.shape[0];

        /// <summary>Number of batches of <paramref name="batchSize"/> (the last may be smaller).</summary>
        public int Steps(int batchSize) => (int)((Count + batchSize - 1) / batchSize);

        /// <summary>
        /// Keras's <c>validation_split</c>: the last <paramref name="fraction"/> of the samples, before any shuffling,
        /// become the validation data (<c>split_at = int(n * (1 - fraction))</c>).
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
                X.narrow(0, start, length), Y?.narrow(0, start, length), SampleWeight?.narrow(0, start, length));
            return (Part(0, splitAt), Part(splitAt, Count - splitAt));
        }

        /// <summary>
        /// The batches of one epoch, in a fresh random order when <paramref name="shuffle"/> (drawn from torch's seeded
        /// generator), moved to <paramref name="device"/>.
        /// </summary>
        public IEnumerable<(Tensor X, Tensor? Y, Tensor? SampleWeight)> Batches(int batchSize, bool shuffle, Device device)
        {
            if (batchSize <= 0) throw new ArgumentException($"batchSize must be positive; received {batchSize}.", nameof(batchSize));
            Tensor? order = shuffle ? randperm(Count, dtype: ScalarType.Int64) : null;
            try
            {
                for (long start = 0; start < Count; start += batchSize)
                {
                    long length = Math.Min(batchSize, Count - start);
                    if (order is null)
                    {
                        yield return (Move(X.narrow(0, start, length), device), Y is null ? null : Move(Y.narrow(0, start, length), device),
                            SampleWeight is null ? null : Move(SampleWeight.narrow(0, start, length), device));
                    }
                    else
                    {
                        using var index = order.narrow(0, start, length);
                        yield return (Move(X.index_select(0, index), device), Y is null ? null : Move(Y.index_select(0, index), device),
                            SampleWeight is null ? null : Move(SampleWeight.index_select(0, index), device));
                    }
                }
            }
            finally
            {
                order?.Dispose();
            }
        }

        private static Tensor Move(Tensor t, Device device)
            => t.device_type == device.type && t.device_index == device.index ? t : t.to(device, non_blocking: true);

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
