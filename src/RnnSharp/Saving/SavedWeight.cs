using System.Collections.Generic;

namespace RnnSharp.Saving
{
    /// <summary>One stored weight: its Keras name (<c>kernel</c>, <c>recurrent_kernel</c>, <c>bias</c>,
    /// <c>embeddings</c>), its Keras-layout shape and its float32 values in row-major (C) order.</summary>
    /// <param name="Name">Keras weight name.</param>
    /// <param name="Shape">Shape in Keras's layout.</param>
    /// <param name="Values">The values, row-major.</param>
    public sealed record SavedWeight(string Name, IReadOnlyList<long> Shape, float[] Values)
    {
        /// <summary>The weight's variable name in Keras 2 (<c>lstm/lstm_cell/kernel:0</c>), the dataset path of Keras's
        /// HDF5 files; null where not known.</summary>
        public string? KerasName { get; init; }

        /// <summary>The weight's dataset path in Keras 3's weights files (<c>layers/lstm/cell/vars/0</c>); null where not
        /// known.</summary>
        public string? Keras3Path { get; init; }
    }
}
