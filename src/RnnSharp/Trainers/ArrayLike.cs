using System;
using System.Diagnostics.CodeAnalysis;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Data given to <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>, as Keras takes <c>x</c>, <c>y</c> and
    /// <c>sample_weight</c> as tensors or NumPy arrays: a <see cref="Tensor"/>, used as it is, or a .NET array (e.g.
    /// <c>float[,,]</c>, <c>int[,]</c>, <c>double[]</c>), converted to a CPU tensor when the trainer runs: floating data to
    /// float32, integer data to int64, booleans to float32 (<see cref="DataAdapter.FromArray"/>). Both convert
    /// implicitly, so <c>model.Fit(x, y)</c> takes either.
    /// </summary>
    public sealed class ArrayLike
    {
        private readonly Tensor? tensor;
        private readonly Array? array;

        private ArrayLike(Tensor? tensor, Array? array)
        {
            this.tensor = tensor;
            this.array = array;
        }

        /// <summary>Wraps a tensor (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(tensor))]
        public static implicit operator ArrayLike?(Tensor? tensor) => tensor is null ? null : new ArrayLike(tensor, null);

        /// <summary>Wraps a .NET array (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(array))]
        public static implicit operator ArrayLike?(Array? array) => array is null ? null : new ArrayLike(null, array);

        /// <summary>The data as a tensor: the given tensor itself, or a new CPU tensor made from the array, which the
        /// caller owns (<paramref name="owned"/>) and disposes.</summary>
        internal Tensor ToTensor(out bool owned)
        {
            owned = tensor is null;
            return tensor ?? DataAdapter.FromArray(array!);
        }
    }
}
