using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Keras 2's <c>preprocess_weights_for_loading</c> for the layers RnnSharp has: a Bidirectional's weights are the
    /// forward layer's then the backward layer's, a TimeDistributed's are its inner layer's, and the weights of
    /// <c>CuDNNLSTM</c>/<c>CuDNNGRU</c> layers (biases of <c>8*units</c> / <c>6*units</c>, per-gate kernels in
    /// cuDNN's order) are converted to LSTM/GRU(resetAfter) ones, as Keras converts them on load. A nested model's
    /// weights are stored as Keras 2's <c>_legacy_weights</c> lists them (its trainable weights, then its non-trainable
    /// ones) and put back in layer order on load (Keras's <c>convert_nested_model</c>), each layer's converted in turn.
    /// </summary>
    internal static class KerasWeightConversion
    {
        public static IReadOnlyList<SavedWeight> Preprocess(Layer layer, IReadOnlyList<SavedWeight> weights)
        {
            switch (layer)
            {
                case Model model when weights.Count == model.Weights.Count:
                {
                    var inLayerOrder = new SavedWeight[weights.Count];
                    var order = LegacyOrder(model);
                    for (int i = 0; i < order.Count; i++) inLayerOrder[order[i]] = weights[i];
                    var converted = new List<SavedWeight>();
                    int offset = 0;
                    foreach (var inner in model.Layers)
                    {
                        int count = inner.Weights.Count;
                        converted.AddRange(Preprocess(inner, inLayerOrder.Skip(offset).Take(count).ToList()));
                        offset += count;
                    }
                    return converted;
                }
                case Bidirectional b:
                {
                    int half = weights.Count / 2;
                    return Preprocess(b.ForwardLayer, weights.Take(half).ToList()).Concat(Preprocess(b.BackwardLayer, weights.Skip(half).ToList())).ToList();
                }
                case TimeDistributed td:
                    return Preprocess(td.Layer, weights);
                case RNN { Cell: LSTMCell cell } when weights.Count == 3 && weights[2].Shape.Count == 1 && weights[2].Shape[0] == 8L * cell.Units:
                    // CuDNNLSTM keeps an input and a recurrent bias; Keras's LSTM their sum.
                    return FromCudnn(weights, 4, cell.Units, bias =>
                    {
                        long n = bias.Values.LongLength / 2;
                        var sum = new float[n];
                        for (long i = 0; i < n; i++) sum[i] = bias.Values[i] + bias.Values[n + i];
                        return bias with { Shape = new[] { n }, Values = sum };
                    });
                case RNN { Cell: GRUCell { ResetAfter: true } cell } when weights.Count == 3 && weights[2].Shape.Count == 1 && weights[2].Shape[0] == 6L * cell.Units:
                    return FromCudnn(weights, 3, cell.Units, bias => bias with { Shape = new[] { 2L, bias.Values.LongLength / 2 } });
                default:
                    return weights;
            }
        }

        /// <summary>A layer's weights in the order Keras 2's HDF5 files store them: as <see cref="Layer.Weights"/>, except
        /// that a nested model lists its trainable weights first, then the non-trainable ones (frozen layers').</summary>
        public static IReadOnlyList<SavedWeight> ForSaving(Layer layer, IReadOnlyList<SavedWeight> weights)
            => layer is Model model ? LegacyOrder(model).Select(i => weights[i]).ToList() : weights;

        // The indices of a model's weights (layer order) in Keras 2's legacy order: trainable ones, then the others.
        private static IReadOnlyList<int> LegacyOrder(Model model)
        {
            var trainable = Trainability(model, enclosing: true).ToList();
            var indices = Enumerable.Range(0, trainable.Count);
            return indices.Where(i => trainable[i]).Concat(indices.Where(i => !trainable[i])).ToList();
        }

        private static IEnumerable<bool> Trainability(Layer layer, bool enclosing)
            => layer is Model model
                ? model.Layers.SelectMany(inner => Trainability(inner, enclosing && model.Trainable))
                : layer.Weights.Select(w => enclosing && layer.Trainable && w.Trainable);

        // Input kernels per gate: cuDNN's (units, input_dim) Fortran-order block read back as Keras's (input_dim, units);
        // recurrent kernels per gate transposed.
        private static IReadOnlyList<SavedWeight> FromCudnn(IReadOnlyList<SavedWeight> w, int gates, int units, System.Func<SavedWeight, SavedWeight> bias)
            => new[] { PerGate(w[0], gates, units, fortran: true), PerGate(w[1], gates, units, fortran: false), bias(w[2]) };

        private static SavedWeight PerGate(SavedWeight kernel, int gates, int units, bool fortran)
        {
            if (kernel.Shape.Count != 2 || kernel.Shape[1] != (long)gates * units) return kernel;
            long rows = kernel.Shape[0], cols = kernel.Shape[1];
            var result = new float[kernel.Values.Length];
            for (int g = 0; g < gates; g++)
            {
                // Block g: columns [g*units, (g+1)*units), shape (rows, units), row-major within the whole matrix.
                var block = new float[rows * units];
                for (long r = 0; r < rows; r++)
                    for (long c = 0; c < units; c++)
                        block[r * units + c] = kernel.Values[r * cols + g * units + c];
                for (long r = 0; r < rows; r++)
                    for (long c = 0; c < units; c++)
                    {
                        // fortran: k.T.reshape(k.shape, order='F') = k.reshape(units, rows).T; else k.T (a square block).
                        float v = fortran ? block[c * rows + r] : block[c * units + r];
                        result[r * cols + g * units + c] = v;
                    }
            }
            return kernel with { Values = result };
        }
    }
}
