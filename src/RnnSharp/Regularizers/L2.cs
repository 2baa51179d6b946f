using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Regularizers
{
    /// <summary>Keras's <c>L2</c>: <c>l2 · Σx²</c>. The string <c>"l2"</c> gives <c>l2 = 0.01</c>.</summary>
    public sealed class L2 : Regularizer
    {
        /// <summary>Creates the regularizer.</summary>
        /// <param name="l2">The L2 factor (non-negative).</param>
        public L2(double l2 = 0.01) => Factor = ValidateFactor(l2, "l2");

        /// <summary>The L2 factor.</summary>
        public double Factor { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor x) => x.square().sum() * Factor;

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?> { ["l2"] = AsFloat32(Factor) };

        // Keras 3 keeps l2 as a Python float.
        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetKeras3Config() => new Dictionary<string, object?> { ["l2"] = Factor };
    }
}
