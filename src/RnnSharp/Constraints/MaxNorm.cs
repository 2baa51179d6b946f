using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Constraints
{
    /// <summary>
    /// Keras's <c>MaxNorm</c>: rescales the weight vectors along <see cref="Axis"/> whose L2 norm exceeds
    /// <see cref="MaxValue"/>: <c>w · clip(‖w‖, 0, max_value) / (ε + ‖w‖)</c>. For a <c>Dense</c> kernel
    /// <c>(input_dim, units)</c>, <c>axis: 0</c> bounds each unit's incoming weights.
    /// </summary>
    public sealed class MaxNorm : Constraint
    {
        private readonly bool axisIsList;

        /// <summary>Creates the constraint.</summary>
        /// <param name="maxValue">The largest norm allowed.</param>
        /// <param name="axis">The axis the norms are computed over, in Keras's layout.</param>
        public MaxNorm(double maxValue = 2, int axis = 0) : this(maxValue, new[] { axis }) => axisIsList = false;

        /// <summary>Creates the constraint with norms over several axes (Keras's <c>axis=[0, 1]</c>).</summary>
        /// <param name="maxValue">The largest norm allowed.</param>
        /// <param name="axis">The axes the norms are computed over, in Keras's layout.</param>
        public MaxNorm(double maxValue, int[] axis)
        {
            MaxValue = maxValue;
            Axis = (int[])axis.Clone();
            axisIsList = true;
        }

        /// <summary>The largest norm allowed.</summary>
        public double MaxValue { get; }

        /// <summary>The axes the norms are computed over.</summary>
        public IReadOnlyList<int> Axis { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor w)
        {
            var norms = Norms(w, (int[])Axis);
            var desired = norms.clamp(0, MaxValue);
            return w * (desired / (norms + Epsilon));
        }

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig()
            => new Dictionary<string, object?> { ["max_value"] = NumberConfig(MaxValue), ["axis"] = AxisConfig((int[])Axis, axisIsList) };
    }
}
