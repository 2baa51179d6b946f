using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace RnnSharp.Data
{
    /// <summary>
    /// An array read from a NumPy <c>.npy</c> file (or a member of an <c>.npz</c> archive): its shape, its type
    /// string and its elements flattened in C (row-major) order.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <see cref="Data"/> is a one-dimensional .NET array whose element type follows the NumPy type:
    /// <c>bool</c> for <c>b1</c>; <c>sbyte</c>, <c>short</c>, <c>int</c>, <c>long</c> for <c>i1</c>..<c>i8</c>;
    /// <c>byte</c>, <c>ushort</c>, <c>uint</c>, <c>ulong</c> for <c>u1</c>..<c>u8</c>; <c>Half</c>, <c>float</c>,
    /// <c>double</c> for <c>f2</c>..<c>f8</c>; and <c>object?</c> for object arrays (<c>|O</c>).
    /// </para>
    /// <para>
    /// The elements of an object array are the unpickled Python objects: <see langword="null"/> for <c>None</c>,
    /// <see cref="long"/> (or <see cref="BigInteger"/> when larger) for <c>int</c>, <see cref="double"/> for
    /// <c>float</c>, <see cref="bool"/>, <see cref="string"/>, <c>byte[]</c> for <c>bytes</c>,
    /// <see cref="List{T}"/> of <c>object?</c> for <c>list</c>, <c>object?[]</c> for <c>tuple</c>,
    /// <see cref="Dictionary{TKey, TValue}"/> for <c>dict</c> and <see cref="NpyArray"/> for nested arrays.
    /// </para>
    /// </remarks>
    public sealed class NpyArray
    {
        private int[] shape;

        private NpyArray(int[] shape, string dtype, Array data)
        {
            this.shape = shape;
            DType = dtype;
            Data = data;
        }

        /// <summary>The dimensions of the array; empty for a zero-dimensional array.</summary>
        public IReadOnlyList<int> Shape => shape;

        /// <summary>NumPy's type string of the elements, e.g. <c>"&lt;i8"</c>, <c>"|b1"</c> or <c>"|O"</c>.</summary>
        public string DType { get; private set; }

        /// <summary>The elements in C order, as a one-dimensional array typed as described in the remarks.</summary>
        public Array Data { get; private set; }

        /// <summary>The number of elements (the product of <see cref="Shape"/>).</summary>
        public int Length => Data.Length;

        /// <summary>Whether this is an object array, whose elements are unpickled Python objects.</summary>
        public bool IsObjectArray => Data is object?[];

        /// <summary>
        /// The elements as 64-bit integers: every integer and boolean type, and object arrays of Python ints.
        /// </summary>
        /// <returns>A new array of <see cref="Length"/> values in C order.</returns>
        /// <exception cref="InvalidOperationException">An element is not an integer or does not fit 64 bits.</exception>
        public long[] ToInt64Array()
        {
            if (Data is long[] longs)
            {
                return (long[])longs.Clone();
            }

            var result = new long[Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = ElementToInt64(Data.GetValue(i), i);
            }

            return result;
        }

        /// <summary>The elements as 32-bit integers, with the same rules as <see cref="ToInt64Array"/>.</summary>
        /// <returns>A new array of <see cref="Length"/> values in C order.</returns>
        /// <exception cref="InvalidOperationException">An element is not an integer or does not fit 32 bits.</exception>
        public int[] ToInt32Array()
        {
            if (Data is int[] ints)
            {
                return (int[])ints.Clone();
            }

            var result = new int[Length];
            if (Data is long[] longs)
            {
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = ToInt32(longs[i], i);
                }

                return result;
            }

            for (int i = 0; i < result.Length; i++)
            {
                result[i] = ToInt32(ElementToInt64(Data.GetValue(i), i), i);
            }

            return result;
        }

        /// <summary>The elements as doubles: every numeric and boolean type, and object arrays of Python numbers.</summary>
        /// <returns>A new array of <see cref="Length"/> values in C order.</returns>
        /// <exception cref="InvalidOperationException">An element is not a number.</exception>
        public double[] ToDoubleArray()
        {
            var result = new double[Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = Data.GetValue(i) switch
                {
                    double d => d,
                    float f => f,
                    Half h => (double)h,
                    BigInteger b => (double)b,
                    ulong u => u,
                    var other => ElementToInt64(other, i),
                };
            }

            return result;
        }

        /// <summary>
        /// The array as a list of integer sequences: for a one-dimensional object array whose elements are
        /// Python lists or tuples of ints (or one-dimensional integer arrays), as Keras's datasets store
        /// variable-length sequences; or for a two-dimensional integer array, its rows.
        /// </summary>
        /// <returns>One array per element (or row).</returns>
        /// <exception cref="InvalidOperationException">The array has another layout, or a value does not fit 32 bits.</exception>
        public int[][] ToInt32Sequences()
        {
            if (!IsObjectArray)
            {
                if (shape.Length != 2)
                {
                    throw new InvalidOperationException(
                        $"Only a 1-D object array or a 2-D integer array holds sequences; this array is {DType} of shape {FormatShape(shape)}.");
                }

                int[] flat = ToInt32Array();
                var rows = new int[shape[0]][];
                for (int r = 0; r < rows.Length; r++)
                {
                    rows[r] = flat.AsSpan(r * shape[1], shape[1]).ToArray();
                }

                return rows;
            }

            if (shape.Length != 1)
            {
                throw new InvalidOperationException(
                    $"An object array of sequences must be one-dimensional; this one has shape {FormatShape(shape)}.");
            }

            var objects = (object?[])Data;
            var sequences = new int[objects.Length][];
            for (int i = 0; i < objects.Length; i++)
            {
                sequences[i] = objects[i] switch
                {
                    List<object?> list => SequenceToInt32(list, i),
                    object?[] tuple => SequenceToInt32(tuple, i),
                    NpyArray { IsObjectArray: false, Shape.Count: 1 } array => array.ToInt32Array(),
                    var other => throw new InvalidOperationException(
                        $"Element {i} is {Describe(other)}, not a sequence of integers."),
                };
            }

            return sequences;
        }

        /// <summary>Creates an array from decoded elements already in C order.</summary>
        internal static NpyArray Create(int[] shape, NpyDType dtype, Array data) => new(shape, dtype.Descr, data);

        /// <summary>Creates the empty array that <c>numpy.core.multiarray._reconstruct</c> returns before BUILD fills it in.</summary>
        internal static NpyArray CreatePending() => new(new[] { 0 }, "|u1", Array.Empty<byte>());

        /// <summary>
        /// Fills in a pickled array, as <c>ndarray.__setstate__</c> does with the state that
        /// <c>ndarray.__reduce__</c> produced: <c>(version, shape, dtype, is_fortran, data)</c>, or the older
        /// <c>(shape, dtype, is_fortran, data)</c>.
        /// </summary>
        internal void SetState(object?[] state, string source, long offset)
        {
            int first = state.Length switch
            {
                5 => 1,
                4 => 0,
                _ => throw NpyReader.Error(source, offset, $"ndarray state has {state.Length} items, expected 4 or 5"),
            };
            if (state[first] is not object?[] shapeTuple
                || state[first + 1] is not PickledDType pickledDType
                || state[first + 2] is not bool fortranOrder)
            {
                throw NpyReader.Error(source, offset, "ndarray state is not (shape tuple, dtype, is_fortran bool, data)");
            }

            int[] shape = ShapeFromTuple(shapeTuple, source, offset);
            int count = ElementCount(shape, source, offset);
            NpyDType dtype = pickledDType.ToNpyDType(source, offset);
            Array data;
            if (dtype.IsObject)
            {
                IReadOnlyList<object?> items = state[first + 3] switch
                {
                    List<object?> list => list,
                    object?[] tuple => tuple,
                    var other => throw NpyReader.Error(
                        source, offset, $"object ndarray data is {Describe(other)}, expected a list"),
                };
                if (items.Count != count)
                {
                    throw NpyReader.Error(
                        source, offset, $"object ndarray of shape {FormatShape(shape)} has {items.Count} items");
                }

                var objects = new object?[count];
                for (int i = 0; i < count; i++)
                {
                    objects[i] = items[i];
                }

                data = objects;
            }
            else
            {
                byte[] raw = state[first + 3] switch
                {
                    byte[] bytes => bytes,

                    // Python 2 pickles carry the buffer as a str, which unpickles as latin-1 text.
                    string text => System.Text.Encoding.Latin1.GetBytes(text),
                    var other => throw NpyReader.Error(
                        source, offset, $"ndarray data is {Describe(other)}, expected bytes"),
                };
                long needed = (long)count * dtype.ItemSize;
                if (raw.Length != needed)
                {
                    throw NpyReader.Error(
                        source, offset, $"ndarray of {dtype.Descr} and shape {FormatShape(shape)} needs {needed} bytes, the pickle holds {raw.Length}");
                }

                data = dtype.Decode(raw, count);
            }

            this.shape = shape;
            DType = dtype.Descr;
            Data = fortranOrder ? FortranToC(data, shape) : data;
        }

        /// <summary>Reorders elements stored in Fortran (column-major) order into C order.</summary>
        internal static Array FortranToC(Array data, int[] shape)
        {
            if (shape.Length < 2)
            {
                return data;
            }

            Array result = Array.CreateInstance(data.GetType().GetElementType()!, data.Length);
            var index = new int[shape.Length];
            for (int c = 0; c < data.Length; c++)
            {
                // Column-major offset of the multi-index currently in `index`.
                int f = 0;
                for (int axis = shape.Length - 1; axis >= 0; axis--)
                {
                    f = (f * shape[axis]) + index[axis];
                }

                result.SetValue(data.GetValue(f), c);

                // Advance `index` in row-major order.
                for (int axis = shape.Length - 1; axis >= 0; axis--)
                {
                    if (++index[axis] < shape[axis])
                    {
                        break;
                    }

                    index[axis] = 0;
                }
            }

            return result;
        }

        /// <summary>Converts a Python shape tuple to dimensions, checking each is a non-negative int.</summary>
        internal static int[] ShapeFromTuple(IReadOnlyList<object?> tuple, string source, long offset)
        {
            var shape = new int[tuple.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                if (tuple[i] is not long dimension || dimension < 0 || dimension > int.MaxValue)
                {
                    throw NpyReader.Error(source, offset, $"invalid shape dimension {Describe(tuple[i])}");
                }

                shape[i] = (int)dimension;
            }

            return shape;
        }

        /// <summary>The product of the dimensions, checked to fit a .NET array.</summary>
        internal static int ElementCount(int[] shape, string source, long offset)
        {
            long count = 1;
            foreach (int dimension in shape)
            {
                count *= dimension;
                if (count > Array.MaxLength)
                {
                    throw NpyReader.Error(source, offset, $"shape {FormatShape(shape)} has too many elements");
                }
            }

            return (int)count;
        }

        /// <summary>Formats a shape as Python prints a tuple: <c>()</c>, <c>(3,)</c>, <c>(2, 3)</c>.</summary>
        internal static string FormatShape(IReadOnlyList<int> shape) =>
            shape.Count == 1
                ? $"({shape[0].ToString(CultureInfo.InvariantCulture)},)"
                : "(" + string.Join(", ", shape) + ")";

        /// <summary>A short description of an unpickled value for error messages.</summary>
        internal static string Describe(object? value) => value switch
        {
            null => "None",
            string s => $"str '{s}'",
            long or BigInteger => $"int {value}",
            List<object?> => "a list",
            object?[] => "a tuple",
            byte[] => "bytes",
            _ => value.GetType().Name,
        };

        private static int[] SequenceToInt32(IReadOnlyList<object?> items, int sequenceIndex)
        {
            var values = new int[items.Count];
            for (int j = 0; j < values.Length; j++)
            {
                values[j] = ToInt32(ElementToInt64(items[j], sequenceIndex, j), sequenceIndex, j);
            }

            return values;
        }

        private static long ElementToInt64(object? value, int i, int j = -1) => value switch
        {
            long l => l,
            int n => n,
            short s => s,
            sbyte sb => sb,
            byte b => b,
            ushort us => us,
            uint ui => ui,
            bool flag => flag ? 1 : 0,
            ulong ul when ul <= long.MaxValue => (long)ul,
            BigInteger big when big >= long.MinValue && big <= long.MaxValue => (long)big,
            _ => throw new InvalidOperationException(
                $"Element {Position(i, j)} is {Describe(value)}, not an integer that fits 64 bits."),
        };

        private static int ToInt32(long value, int i, int j = -1) =>
            value is >= int.MinValue and <= int.MaxValue
                ? (int)value
                : throw new InvalidOperationException($"Element {Position(i, j)} = {value} does not fit 32 bits.");

        private static string Position(int i, int j) =>
            j < 0 ? $"[{i}]" : $"[{i}][{j}]";
    }
}
