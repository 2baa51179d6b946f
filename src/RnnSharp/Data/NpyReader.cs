using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace RnnSharp.Data
{
    /// <summary>
    /// Reads NumPy's <c>.npy</c> files and <c>.npz</c> archives (what <c>np.save</c>, <c>np.savez</c> and
    /// <c>np.savez_compressed</c> write), including object arrays, without Python.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A <c>.npy</c> file is the magic <c>\x93NUMPY</c>, a major and a minor version byte, the header length
    /// (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header (a Python dict literal with
    /// <c>descr</c>, <c>fortran_order</c> and <c>shape</c>; latin-1 in 1.0/2.0, UTF-8 in 3.0) and the data: raw
    /// elements, or for object arrays a pickle of the whole array.
    /// </para>
    /// <para>
    /// Supported element types: <c>bool</c>, signed and unsigned integers of 1 to 8 bytes, <c>float16/32/64</c>
    /// in either byte order, C or Fortran order (returned in C order), and object arrays, whose pickle is read by
    /// a minimal interpreter that only rebuilds plain Python values and NumPy arrays (never runs code).
    /// An <c>.npz</c> is a zip archive of <c>.npy</c> members, stored or deflated.
    /// </para>
    /// <para>
    /// Malformed or truncated input raises <see cref="InvalidDataException"/> whose message names the file
    /// (and the archive member) and the byte offset where reading failed.
    /// </para>
    /// </remarks>
    public static class NpyReader
    {
        private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        /// <summary>Reads a <c>.npy</c> file.</summary>
        /// <param name="path">The file's path.</param>
        /// <returns>The array.</returns>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        /// <exception cref="InvalidDataException">The file is not a valid, supported .npy file.</exception>
        public static NpyArray Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            ThrowIfMissing(path);
            return Parse(File.ReadAllBytes(path), path);
        }

        /// <summary>Reads a <c>.npy</c> array from the rest of <paramref name="stream"/>.</summary>
        /// <param name="stream">The stream, positioned at the magic string.</param>
        /// <param name="sourceName">The name used in error messages.</param>
        /// <returns>The array.</returns>
        /// <exception cref="InvalidDataException">The data is not a valid, supported .npy file.</exception>
        public static NpyArray Read(Stream stream, string sourceName = "<stream>")
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(sourceName);
            return Parse(ReadToEnd(stream), sourceName);
        }

        /// <summary>
        /// Reads every <c>.npy</c> member of a <c>.npz</c> archive, keyed as <c>np.load</c> keys them: by member name
        /// without the <c>.npy</c> extension (e.g. <c>"x_train"</c>).
        /// </summary>
        /// <param name="path">The archive's path.</param>
        /// <returns>The arrays by name, in archive order.</returns>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        /// <exception cref="InvalidDataException">The archive or one of its members is invalid.</exception>
        public static IReadOnlyDictionary<string, NpyArray> ReadNpz(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            ThrowIfMissing(path);
            using FileStream stream = File.OpenRead(path);
            return ReadNpz(stream, path);
        }

        /// <summary>Reads every <c>.npy</c> member of a <c>.npz</c> archive from a seekable stream.</summary>
        /// <param name="stream">The archive.</param>
        /// <param name="sourceName">The name used in error messages.</param>
        /// <returns>The arrays by name (without <c>.npy</c>), in archive order.</returns>
        /// <exception cref="InvalidDataException">The archive or one of its members is invalid.</exception>
        public static IReadOnlyDictionary<string, NpyArray> ReadNpz(Stream stream, string sourceName = "<stream>")
        {
            ArgumentNullException.ThrowIfNull(stream);
            ArgumentNullException.ThrowIfNull(sourceName);
            var arrays = new OrderedDictionary<string, NpyArray>(StringComparer.Ordinal);
            ZipArchive archive;
            try
            {
                archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{sourceName}: not a valid .npz (zip) archive: {e.Message}", e);
            }

            using (archive)
            {
                foreach (ZipArchiveEntry entry in archive.Entries)
                {
                    if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    string member = $"{sourceName}:{entry.FullName}";
                    byte[] bytes;
                    try
                    {
                        using Stream entryStream = entry.Open();
                        bytes = ReadToEnd(entryStream);
                    }
                    catch (InvalidDataException e)
                    {
                        throw new InvalidDataException($"{member}: cannot decompress the archive member: {e.Message}", e);
                    }

                    arrays[entry.FullName[..^".npy".Length]] = Parse(bytes, member);
                }
            }

            return arrays;
        }

        /// <summary>Parses a whole .npy file held in memory.</summary>
        internal static NpyArray Parse(byte[] bytes, string source)
        {
            (NpyDType dtype, bool fortranOrder, int[] shape, int count, int dataStart) = ReadHeader(bytes, source);

            if (dtype.IsObject)
            {
                object? value = PickleReader.Load(bytes, dataStart, source);
                if (value is not NpyArray array || !array.IsObjectArray)
                {
                    throw Error(source, dataStart, $"the pickled data is {NpyArray.Describe(value)}, not an object ndarray");
                }

                if (!ShapesEqual(array.Shape, shape))
                {
                    throw Error(
                        source,
                        dataStart,
                        $"the pickled array has shape {NpyArray.FormatShape(array.Shape)} but the header says {NpyArray.FormatShape(shape)}");
                }

                return array;
            }

            long needed = (long)count * dtype.ItemSize;
            long available = bytes.Length - dataStart;
            if (available < needed)
            {
                throw Error(
                    source,
                    bytes.Length,
                    $"truncated file: {dtype.Descr} data of shape {NpyArray.FormatShape(shape)} needs {needed} bytes from offset {dataStart}, only {available} remain");
            }

            Array data = dtype.Decode(bytes.AsSpan(dataStart, (int)needed), count);
            if (fortranOrder)
            {
                data = NpyArray.FortranToC(data, shape);
            }

            return NpyArray.Create(shape, dtype, data);
        }

        /// <summary>
        /// Parses a .npy file that must hold a little-endian float32 array in C order with nothing after its data,
        /// as <see cref="NpyWriter.EncodeFloat32"/> writes it (the weight files of RnnSharp's native format).
        /// </summary>
        /// <param name="bytes">The whole file.</param>
        /// <param name="source">The name used in error messages.</param>
        /// <returns>The shape and the values in C order.</returns>
        /// <exception cref="InvalidDataException">The bytes are not such an array.</exception>
        internal static (long[] Shape, float[] Values) ParseFloat32(byte[] bytes, string source)
        {
            (NpyDType dtype, bool fortranOrder, int[] shape, int count, int dataStart) = ReadHeader(bytes, source);
            if (dtype.Descr != "<f4")
            {
                throw new InvalidDataException($"{source} holds dtype '{dtype.Descr}', expected float32 ('<f4').");
            }

            if (fortranOrder)
            {
                throw new InvalidDataException($"{source} is in Fortran order; expected C order.");
            }

            long expectedBytes = (long)count * dtype.ItemSize;
            if (bytes.Length - dataStart != expectedBytes)
            {
                throw new InvalidDataException(
                    $"{source} has {bytes.Length - dataStart} bytes of data, expected {expectedBytes} for shape {NpyArray.FormatShape(shape)}.");
            }

            var values = (float[])dtype.Decode(bytes.AsSpan(dataStart, (int)expectedBytes), count);
            return (Array.ConvertAll(shape, d => (long)d), values);
        }

        /// <summary>Creates the exception for malformed input, naming the file and the offset.</summary>
        internal static InvalidDataException Error(string source, long offset, string message) =>
            new($"{source}: {message} (at byte offset {offset.ToString(CultureInfo.InvariantCulture)}).");

        /// <summary>
        /// Checks the magic string and version and parses the header of a .npy file held in memory: the element
        /// type, the order, the shape, its element count and where the data starts.
        /// </summary>
        private static (NpyDType DType, bool FortranOrder, int[] Shape, int Count, int DataStart) ReadHeader(byte[] bytes, string source)
        {
            for (int i = 0; i < Magic.Length; i++)
            {
                if (i >= bytes.Length)
                {
                    throw Error(source, bytes.Length, "truncated file: the .npy magic string is incomplete");
                }

                if (bytes[i] != Magic[i])
                {
                    throw Error(source, i, "not a NumPy .npy file (the magic string \\x93NUMPY is missing)");
                }
            }

            if (bytes.Length < 8)
            {
                throw Error(source, bytes.Length, "truncated file: the format version is missing");
            }

            byte major = bytes[6];
            byte minor = bytes[7];
            int lengthSize = major switch
            {
                1 => 2,
                2 or 3 => 4,
                _ => throw Error(source, 6, $"unsupported .npy format version {major}.{minor}"),
            };
            if (minor != 0)
            {
                throw Error(source, 7, $"unsupported .npy format version {major}.{minor}");
            }

            int headerStart = 8 + lengthSize;
            if (bytes.Length < headerStart)
            {
                throw Error(source, bytes.Length, "truncated file: the header length is missing");
            }

            long headerLength = lengthSize == 2
                ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2))
                : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8, 4));
            if (headerStart + headerLength > bytes.Length)
            {
                throw Error(
                    source,
                    bytes.Length,
                    $"truncated file: the header of {headerLength} bytes starting at offset {headerStart} is incomplete");
            }

            Encoding encoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
            string header = encoding.GetString(bytes, headerStart, (int)headerLength);
            int dataStart = headerStart + (int)headerLength;
            (NpyDType dtype, bool fortranOrder, int[] shape) = ParseHeader(header, source, headerStart);
            int count = NpyArray.ElementCount(shape, source, headerStart);
            return (dtype, fortranOrder, shape, count, dataStart);
        }

        private static (NpyDType DType, bool FortranOrder, int[] Shape) ParseHeader(string header, string source, int headerStart)
        {
            if (PythonLiteral.Parse(header, source, headerStart) is not Dictionary<object, object?> dict)
            {
                throw Error(source, headerStart, "the .npy header is not a dict");
            }

            foreach (object key in dict.Keys)
            {
                if (key is not ("descr" or "fortran_order" or "shape"))
                {
                    throw Error(source, headerStart, $"the .npy header has an unexpected key {NpyArray.Describe(key)}");
                }
            }

            if (!dict.TryGetValue("descr", out object? descr) || descr is not string descrText)
            {
                throw Error(
                    source,
                    headerStart,
                    dict.ContainsKey("descr")
                        ? "the .npy header 'descr' is not a type string (structured dtypes are not supported)"
                        : "the .npy header has no 'descr'");
            }

            if (!dict.TryGetValue("fortran_order", out object? fortran) || fortran is not bool fortranOrder)
            {
                throw Error(source, headerStart, "the .npy header has no boolean 'fortran_order'");
            }

            if (!dict.TryGetValue("shape", out object? shapeValue) || shapeValue is not object?[] shapeTuple)
            {
                throw Error(source, headerStart, "the .npy header has no 'shape' tuple");
            }

            return (NpyDType.Parse(descrText, source, headerStart), fortranOrder, NpyArray.ShapeFromTuple(shapeTuple, source, headerStart));
        }

        private static bool ShapesEqual(IReadOnlyList<int> left, IReadOnlyList<int> right)
        {
            if (left.Count != right.Count)
            {
                return false;
            }

            for (int i = 0; i < left.Count; i++)
            {
                if (left[i] != right[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static void ThrowIfMissing(string path)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"No such file: '{path}'.", path);
            }
        }

        private static byte[] ReadToEnd(Stream stream)
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
    }
}
