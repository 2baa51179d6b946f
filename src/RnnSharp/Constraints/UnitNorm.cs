using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Constraints
{
    /// <summary>Keras's <c>UnitNorm</c>: each weight vector along <see cref="Axis"/> divided by its L2 norm
    /// (<c>w / (ε + ‖w‖)</c>).</summary>
    public sealed class UnitNorm : Constraint
    {
        private readonly bool axisIsList;

        /// <summary>Creates the constraint.</summary>
        /// <param name="axis">The axis the norms are computed over, in Keras's layout.</param>
        public UnitNorm(int axis = 0) : this(new[] { axis }) => axisIsList = false;

        /// <summary>Creates the constraint with norms over several axes.</summary>
        /// <param name="axis">The axes the norms are computed over, in Keras's layout.</param>
        public UnitNorm(int[] axis)
        {
            Axis = (int[])axis.Clone();
            axisIsList = true;
        }

        /// <summary>The axes the norms are computed over.</summary>
        public IReadOnlyList<int> Axis { get; }

        /// <inheritdoc />
        public override Tensor Call(Tensor w) => w / (Norms(w, (int[])Axis) + Epsilon);

        /// <inheritdoc />
        public override IReadOnlyDictionary<string, object?> GetConfig()
            => new Dictionary<string, object?> { ["axis"] = AxisConfig((int[])Axis, axisIsList) };
    }
}
