using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Constraints
{
    /// <summary>
    /// Keras's <c>MinMaxNorm</c>: rescales each weight vector along <see cref="Axis"/> towards a norm in
    /// [<see cref="MinValue"/>, <see cref="MaxValue"/>]: the new norm is
    /// <c>rate · clip(‖w‖, min, max) + (1 − rate) · ‖w‖</c>, applied as <c>w · desired / (ε + ‖w‖)</c>.
    /// </summary>
    public sealed class MinMaxNorm : Constraint
    {
        private readonly bool axisIsList;

        /// <summary>Creates the constraint.</summary>
        /// <param name="minValue">The smallest norm.</param>
        /// <param name="maxValue">The largest norm.</param>
        /// <param name="rate">How strictly to enforce the bounds each step (1 is exactly).</param>
        /// <param name="axis">The axis the norms are computed over, in Keras's layout.</param>
        public MinMaxNorm(double minValue = 0.0, double maxValue = 1.0, double rate = 1.0, int axis = 0)
            : this(minValue, maxValue, rate, new[] { axis }) => axisIsList = false;

        /// <summary>Creates the constraint with norms over several axes.</summary>
        /// <param name="minValue">The smallest norm.</param>
        /// <param name="maxValue">The largest norm.</param>
        /// <param name="rate">How strictly to enforce the bounds each step (1 is exactly).</param>
        /// <param name="axis">The axes the norms are computed over, in Keras's layout.</param>
        public MinMaxNorm(double minValue, double maxValue, double rate, int[] axis)
        {
            MinValue = minValue;
            MaxValue = maxValue;
            Rate = rate;
            Axis = (int[])axis.Clone();
            axisIsList = true;
        }

        /// <summary>The smallest norm.</summary>
        public double MinValue { get; }
        /// <summary>The largest norm.</summary>
        public double MaxValue { get; }
        /// <summary>How strictly the bounds are enforced each step.</summary>
        public double Rate { get; }
        /// <summary>The axes the norms are computed over.</summary>
        public IReadOnlyList<int> Axis { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor w)
        {
            var norms = Norms(w, (int[])Axis);
            var desired = norms.clamp(MinValue, MaxValue) * Rate + norms * (1 - Rate);
            return w * (desired / (norms + Epsilon));
        }

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>
        {
            ["min_value"] = MinValue,
            ["max_value"] = MaxValue,
            ["rate"] = Rate,
            ["axis"] = AxisConfig((int[])Axis, axisIsList),
        };
    }
}
