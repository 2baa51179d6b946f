using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Regularizers
{
    /// <summary>Keras's <c>L1</c>: <c>l1 · Σ|x|</c>. The string <c>"l1"</c> gives <c>l1 = 0.01</c>.</summary>
    public sealed class L1 : Regularizer
    {
        /// <summary>Creates the regularizer.</summary>
        /// <param name="l1">The L1 factor (non-negative).</param>
        public L1(double l1 = 0.01) => Factor = ValidateFactor(l1, "l1");

        /// <summary>The L1 factor.</summary>
        public double Factor { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor x) => x.abs().sum() * Factor;

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?> { ["l1"] = AsFloat32(Factor) };

        // Keras 3 keeps l1 as a float32 tensor: its config is the float32 value.
        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetKeras3Config() => GetConfig();
    }
}
