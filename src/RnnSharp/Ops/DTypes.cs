using System;
using static TorchSharp.torch;

namespace RnnSharp.Ops
{
    /// <summary>Keras's dtype names and the TorchSharp types they stand for.</summary>
    internal static class DTypes
    {
        /// <summary>The TorchSharp type of a Keras dtype name.</summary>
        /// <exception cref="ArgumentException">An unknown dtype.</exception>
        public static ScalarType ToScalarType(string dtype) => dtype switch
        {
            "float32" => ScalarType.Float32,
            "float64" => ScalarType.Float64,
            "float16" => ScalarType.Float16,
            "bfloat16" => ScalarType.BFloat16,
            "int64" => ScalarType.Int64,
            "int32" => ScalarType.Int32,
            "int16" => ScalarType.Int16,
            "int8" => ScalarType.Int8,
            "uint8" => ScalarType.Byte,
            "bool" => ScalarType.Bool,
            _ => throw new ArgumentException(
                $"Invalid dtype: {dtype}. Expected one of float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool.", nameof(dtype)),
        };
    }
}
