using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Regularizers
{
    /// <summary>
    /// Keras's <c>L1L2</c>: <c>l1 · Σ|x| + l2 · Σx²</c>, a term left out when its factor is 0. The class defaults
    /// are 0 and 0 (so <c>new L1L2(l2: 0.1)</c> has no L1 term), and so is the string <c>"l1_l2"</c> in Keras 3, which
    /// builds the class with its defaults (Keras 2's string gave 0.01 and 0.01).
    /// </summary>
    public sealed class L1L2 : Regularizer
    {
        /// <summary>Creates the regularizer.</summary>
        /// <param name="l1">The L1 factor (non-negative).</param>
        /// <param name="l2">The L2 factor (non-negative).</param>
        public L1L2(double l1 = 0.0, double l2 = 0.0)
        {
            L1 = ValidateFactor(l1, "l1");
            L2 = ValidateFactor(l2, "l2");
        }

        /// <summary>The L1 factor.</summary>
        public double L1 { get; }
        /// <summary>The L2 factor.</summary>
        public double L2 { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor x)
        {
            Tensor total = zeros(1, dtype: x.dtype, device: x.device).squeeze();
            if (L1 != 0) total = total + x.abs().sum() * L1;
            if (L2 != 0) total = total + x.square().sum() * L2;
            return total;
        }

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig()
            => new Dictionary<string, object?> { ["l1"] = AsFloat32(L1), ["l2"] = AsFloat32(L2) };

        // Keras 3 keeps both as Python floats.
        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetKeras3Config()
            => new Dictionary<string, object?> { ["l1"] = L1, ["l2"] = L2 };
    }
}
