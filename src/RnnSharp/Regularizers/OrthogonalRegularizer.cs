using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Regularizers
{
    /// <summary>
    /// Keras's <c>OrthogonalRegularizer</c>: encourages the rows (<c>mode: "rows"</c>) or columns
    /// (<c>"columns"</c>) of a rank-2 weight to be orthogonal: <c>factor · 0.5 · Σ_{i≠j} |v̂_i · v̂_j| / (n(n−1)/2)</c>
    /// over the L2-normalized vectors <c>v̂</c> (Keras's <c>normalize</c>: <c>v / √max(Σv², ε²)</c>, ε = 1e-7).
    /// The axes are those of Keras's layout (a <c>Dense</c> kernel is <c>(input_dim, units)</c>).
    /// </summary>
    public sealed class OrthogonalRegularizer : Regularizer
    {
        private const double Epsilon = 1e-7;

        /// <summary>Creates the regularizer.</summary>
        /// <param name="factor">The factor (non-negative).</param>
        /// <param name="mode"><c>"rows"</c> or <c>"columns"</c>.</param>
        public OrthogonalRegularizer(double factor = 0.01, string mode = "rows")
        {
            Factor = ValidateFactor(factor, "factor");
            if (mode is not ("rows" or "columns"))
                throw new ArgumentException($"Invalid value for argument `mode`. Expected one of {{\"rows\", \"columns\"}}. Received: mode={mode}", nameof(mode));
            Mode = mode;
        }

        /// <summary>The factor.</summary>
        public double Factor { get; }

        /// <summary><c>"rows"</c> or <c>"columns"</c>.</summary>
        public string Mode { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor x)
        {
            if (x.dim() != 2)
                throw new ArgumentException(
                    $"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape=({string.Join(", ", x.shape)}{(x.dim() == 1 ? "," : "")})", nameof(x));
            int axis = Mode == "rows" ? 1 : 0;
            var normalized = x * x.square().sum(axis, keepdim: true).clamp_min(Epsilon * Epsilon).rsqrt();
            var product = Mode == "rows" ? normalized.matmul(normalized.t()) : normalized.t().matmul(normalized);
            long size = x.shape[1 - axis];
            var offDiagonal = product * (1.0 - eye(size, dtype: x.dtype, device: x.device));
            double pairs = size * (size - 1.0) / 2.0;
            return offDiagonal.abs().sum() * (Factor * 0.5 / pairs);
        }

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig()
            => new Dictionary<string, object?> { ["factor"] = AsFloat32(Factor), ["mode"] = Mode };

        // Keras 3 keeps factor as a float32 tensor.
        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetKeras3Config() => GetConfig();
    }
}
