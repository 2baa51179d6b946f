using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace RnnSharp.Tests.Data
{
    /// <summary>
    /// Writes NumPy files byte for byte from the formats' specifications, independently of the reader under
    /// test: the .npy layout of numpy/lib/format.py (NEP 1), the zip layout of CPython's zipfile as np.savez
    /// uses it, and a protocol-3 pickler that emits the opcodes CPython's C pickler emits.
    /// </summary>
    internal static class NumpyFiles
    {
        // One instance per global, as Python has one object per class or function: the pickler memoizes them.
        private static readonly Global ReconstructGlobal = new("numpy.core.multiarray", "_reconstruct");
        private static readonly Global NdarrayGlobal = new("numpy", "ndarray");
        private static readonly Global DTypeGlobal = new("numpy", "dtype");

        // CPython caches one-byte bytes objects, so every b'b' argument of _reconstruct is the same object.
        private static readonly byte[] TypeCodeB = { (byte)'b' };

        /// <summary>
        /// A .npy file as numpy's <c>_write_array_header</c> writes it: the magic <c>\x93NUMPY</c>, the version,
        /// the header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0), then the dict repr with keys in sorted
        /// order, padded with spaces and a final newline so that the data starts at a multiple of 64.
        /// </summary>
        public static byte[] Npy(string descr, bool fortranOrder, string shapeRepr, byte[] data, int major = 1)
        {
            string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {shapeRepr}, }}";
            int lengthSize = major == 1 ? 2 : 4;
            int unpadded = 8 + lengthSize + dict.Length + 1;
            int padding = (64 - (unpadded % 64)) % 64;
            string header = dict + new string(' ', padding) + "\n";
            byte[] headerBytes = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header);

            var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
            if (lengthSize == 2)
            {
                file.AddRange(LittleEndian16((ushort)headerBytes.Length));
            }
            else
            {
                file.AddRange(LittleEndian32((uint)headerBytes.Length));
            }

            file.AddRange(headerBytes);
            file.AddRange(data);
            return file.ToArray();
        }

        /// <summary>A version 1.0 .npy with the given header text used verbatim (no padding added).</summary>
        public static byte[] RawNpy(string header, byte[] data) =>
            Bytes(Hex("93"), "NUMPY", Hex("01 00"), LittleEndian16((ushort)header.Length), header, data);

        /// <summary>An object-array .npy (descr '|O') whose data is the given pickle.</summary>
        public static byte[] ObjectNpy(string shapeRepr, byte[] pickle, int major = 1) =>
            Npy("|O", false, shapeRepr, pickle, major);

        /// <summary>Little-endian int64 elements, as a '&lt;i8' array stores them.</summary>
        public static byte[] Int64Data(params long[] values)
        {
            var bytes = new byte[values.Length * 8];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
            }

            return bytes;
        }

        /// <summary>
        /// The pickle <c>np.save</c> writes with protocol 3 for a one-dimensional object array whose elements are
        /// Python lists of ints, i.e. <c>pickle.dumps(np.array(lists, dtype=object), protocol=3)</c> on NumPy 1.x.
        /// </summary>
        public static byte[] ObjectArrayOfIntLists(IReadOnlyList<IReadOnlyList<long>> lists) =>
            ObjectArrayPickle(lists.Select(l => (object?)l.Select(v => (object?)v).ToList()).ToList());

        /// <summary>
        /// The protocol-3 pickle of a one-dimensional object ndarray with the given elements:
        /// <c>_reconstruct(ndarray, (0,), b'b')</c> then BUILD with
        /// <c>(1, (n,), dtype('O8', False, True) built with (3, '|', None, None, None, -1, -1, 63), False, [elements])</c>,
        /// which is what <c>ndarray.__reduce__</c> returns for an object array.
        /// </summary>
        public static byte[] ObjectArrayPickle(List<object?> elements)
        {
            var pickler = new Protocol3Pickler();
            pickler.Dump(NdarrayNode(new object?[] { (long)elements.Count }, ObjectDType(), elements));
            return pickler.ToArray();
        }

        /// <summary>The reduce/build node of a pickled ndarray.</summary>
        public static Build NdarrayNode(object?[] shape, Build dtype, object? data) =>
            new(
                new Reduce(ReconstructGlobal, new object?[] { NdarrayGlobal, new object?[] { 0L }, TypeCodeB }),
                new object?[] { 1L, shape, dtype, false, data });

        /// <summary>A pickled <c>dtype('O')</c>.</summary>
        public static Build ObjectDType() => DType("O8", "|", 63);

        /// <summary>A pickled dtype: <c>numpy.dtype(kind_and_size, False, True)</c> then its version-3 state.</summary>
        public static Build DType(string kindAndSize, string byteOrder, long flags) =>
            new(
                new Reduce(DTypeGlobal, new object?[] { kindAndSize, false, true }),
                new object?[] { 3L, byteOrder, null, null, null, -1L, -1L, flags });

        /// <summary>
        /// A zip archive of stored members laid out as CPython's zipfile writes np.savez's members
        /// (<c>zipf.open(name, 'w', force_zip64=True)</c>): each local header carries 0xFFFFFFFF sizes, version 45
        /// and a ZIP64 extra field (id 1) with the real sizes; the central directory has the plain sizes.
        /// </summary>
        public static byte[] ZipLikeNumpySavez(IEnumerable<(string Name, byte[] Data)> members)
        {
            var file = new List<byte>();
            var central = new List<byte>();
            int count = 0;
            foreach ((string name, byte[] data) in members)
            {
                byte[] nameBytes = Encoding.UTF8.GetBytes(name);
                uint crc = Crc32(data);
                int localOffset = file.Count;

                file.AddRange(LittleEndian32(0x04034b50));
                file.AddRange(LittleEndian16(45)); // version needed: ZIP64
                file.AddRange(LittleEndian16(0)); // flags
                file.AddRange(LittleEndian16(0)); // method: stored
                file.AddRange(LittleEndian16(0)); // time 00:00:00
                file.AddRange(LittleEndian16(0x21)); // date 1980-01-01
                file.AddRange(LittleEndian32(crc));
                file.AddRange(LittleEndian32(0xFFFFFFFF)); // compressed size: see ZIP64 extra
                file.AddRange(LittleEndian32(0xFFFFFFFF)); // uncompressed size: see ZIP64 extra
                file.AddRange(LittleEndian16((ushort)nameBytes.Length));
                file.AddRange(LittleEndian16(20)); // extra length
                file.AddRange(nameBytes);
                file.AddRange(LittleEndian16(1)); // ZIP64 extra id
                file.AddRange(LittleEndian16(16));
                file.AddRange(LittleEndian64((ulong)data.Length)); // uncompressed
                file.AddRange(LittleEndian64((ulong)data.Length)); // compressed
                file.AddRange(data);

                central.AddRange(LittleEndian32(0x02014b50));
                central.AddRange(LittleEndian16(45)); // version made by
                central.AddRange(LittleEndian16(45)); // version needed
                central.AddRange(LittleEndian16(0));
                central.AddRange(LittleEndian16(0));
                central.AddRange(LittleEndian16(0));
                central.AddRange(LittleEndian16(0x21));
                central.AddRange(LittleEndian32(crc));
                central.AddRange(LittleEndian32((uint)data.Length));
                central.AddRange(LittleEndian32((uint)data.Length));
                central.AddRange(LittleEndian16((ushort)nameBytes.Length));
                central.AddRange(LittleEndian16(0)); // extra
                central.AddRange(LittleEndian16(0)); // comment
                central.AddRange(LittleEndian16(0)); // disk
                central.AddRange(LittleEndian16(0)); // internal attributes
                central.AddRange(LittleEndian32(0x01800000)); // external attributes: -rw------- (0o600 << 16)
                central.AddRange(LittleEndian32((uint)localOffset));
                central.AddRange(nameBytes);
                count++;
            }

            int centralOffset = file.Count;
            file.AddRange(central);
            file.AddRange(LittleEndian32(0x06054b50));
            file.AddRange(LittleEndian16(0));
            file.AddRange(LittleEndian16(0));
            file.AddRange(LittleEndian16((ushort)count));
            file.AddRange(LittleEndian16((ushort)count));
            file.AddRange(LittleEndian32((uint)central.Count));
            file.AddRange(LittleEndian32((uint)centralOffset));
            file.AddRange(LittleEndian16(0));
            return file.ToArray();
        }

        /// <summary>A deflated zip archive, as np.savez_compressed writes, produced with .NET's own zip writer.</summary>
        public static byte[] ZipDeflated(IEnumerable<(string Name, byte[] Data)> members)
        {
            using var buffer = new MemoryStream();
            using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach ((string name, byte[] data) in members)
                {
                    using Stream entry = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
                    entry.Write(data);
                }
            }

            return buffer.ToArray();
        }

        /// <summary>Writes <paramref name="bytes"/> to a new temporary file and returns its path.</summary>
        public static string TempFile(TempDirectory directory, string name, byte[] bytes)
        {
            string path = Path.Combine(directory.Path, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>Parses "80 03 63 ..." (whitespace-separated hex byte pairs).</summary>
        public static byte[] Hex(string hex) =>
            hex.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToByte(h, 16)).ToArray();

        /// <summary>Concatenates byte sequences, strings being written as ASCII.</summary>
        public static byte[] Bytes(params object[] parts)
        {
            var all = new List<byte>();
            foreach (object part in parts)
            {
                all.AddRange(part switch
                {
                    byte[] bytes => bytes,
                    string text => Encoding.ASCII.GetBytes(text),
                    _ => throw new ArgumentException("byte[] or string expected"),
                });
            }

            return all.ToArray();
        }

        private static uint Crc32(byte[] data)
        {
            // CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zip requires.
            uint crc = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
                }
            }

            return ~crc;
        }

        private static byte[] LittleEndian16(ushort value)
        {
            var bytes = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
            return bytes;
        }

        private static byte[] LittleEndian32(uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            return bytes;
        }

        private static byte[] LittleEndian64(ulong value)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            return bytes;
        }

        /// <summary>A pickled module global (GLOBAL opcode).</summary>
        public sealed record Global(string Module, string Name);

        /// <summary>A pickled call <c>callable(*args)</c> (REDUCE opcode).</summary>
        public sealed record Reduce(object Callable, object?[] Args);

        /// <summary>A pickled object followed by <c>__setstate__(state)</c> (BUILD opcode).</summary>
        public sealed record Build(object Target, object? State);

        /// <summary>
        /// Writes pickle protocol 3 the way CPython's C pickler does for these types: BININT1/BININT2/BININT or
        /// LONG1 by magnitude, BINUNICODE for str, SHORT_BINBYTES for short bytes, NEWTRUE/NEWFALSE, TUPLE1-3 or
        /// MARK..TUPLE, EMPTY_LIST then APPEND (one item) or MARK..APPENDS batches of up to 1000, GLOBAL, and a
        /// BINPUT (LONG_BINPUT past 255) after every memoized object: str, bytes, tuples, lists and globals.
        /// </summary>
        private sealed class Protocol3Pickler
        {
            private readonly List<byte> output = new();
            private readonly Dictionary<object, int> memo = new(ReferenceEqualityComparer.Instance);
            private int nextIndex;

            public void Dump(object? value)
            {
                output.AddRange(new byte[] { 0x80, 3 });
                Save(value);
                output.Add((byte)'.');
            }

            public byte[] ToArray() => output.ToArray();

            private void Save(object? value)
            {
                if (value is not null and not long and not bool && memo.TryGetValue(value, out int index))
                {
                    // An object pickled before (same identity) is fetched from the memo: BINGET / LONG_BINGET.
                    if (index < 256)
                    {
                        output.Add((byte)'h');
                        output.Add((byte)index);
                    }
                    else
                    {
                        output.Add((byte)'j');
                        output.AddRange(LittleEndian32((uint)index));
                    }

                    return;
                }

                switch (value)
                {
                    case null:
                        output.Add((byte)'N');
                        break;
                    case bool flag:
                        output.Add(flag ? (byte)0x88 : (byte)0x89);
                        break;
                    case long number:
                        SaveInt(number);
                        break;
                    case string text:
                        {
                            byte[] utf8 = Encoding.UTF8.GetBytes(text);
                            output.Add((byte)'X');
                            output.AddRange(LittleEndian32((uint)utf8.Length));
                            output.AddRange(utf8);
                            Put(text);
                            break;
                        }

                    case byte[] bytes:
                        if (bytes.Length < 256)
                        {
                            output.Add((byte)'C');
                            output.Add((byte)bytes.Length);
                        }
                        else
                        {
                            output.Add((byte)'B');
                            output.AddRange(LittleEndian32((uint)bytes.Length));
                        }

                        output.AddRange(bytes);
                        Put(bytes);
                        break;
                    case object?[] tuple:
                        SaveTuple(tuple);
                        break;
                    case List<object?> list:
                        output.Add((byte)']');
                        Put(list);
                        for (int start = 0; start < list.Count; start += 1000)
                        {
                            int batch = Math.Min(1000, list.Count - start);
                            if (batch == 1)
                            {
                                Save(list[start]);
                                output.Add((byte)'a');
                            }
                            else
                            {
                                output.Add((byte)'(');
                                for (int i = start; i < start + batch; i++)
                                {
                                    Save(list[i]);
                                }

                                output.Add((byte)'e');
                            }
                        }

                        break;
                    case Global global:
                        output.Add((byte)'c');
                        output.AddRange(Encoding.ASCII.GetBytes($"{global.Module}\n{global.Name}\n"));
                        Put(global);
                        break;
                    case Reduce reduce:
                        Save(reduce.Callable);
                        Save(reduce.Args);
                        output.Add((byte)'R');
                        Put(reduce);
                        break;
                    case Build build:
                        // save_reduce: the built object is the reduce result, memoized before its state is saved.
                        Save(build.Target);
                        memo[build] = memo[build.Target];
                        Save(build.State);
                        output.Add((byte)'b');
                        break;
                    default:
                        throw new ArgumentException($"cannot pickle {value.GetType()}");
                }
            }

            private void SaveTuple(object?[] tuple)
            {
                if (tuple.Length == 0)
                {
                    output.Add((byte)')');
                    return;
                }

                if (tuple.Length <= 3)
                {
                    foreach (object? item in tuple)
                    {
                        Save(item);
                    }

                    output.Add((byte)(0x84 + tuple.Length)); // TUPLE1 0x85, TUPLE2 0x86, TUPLE3 0x87
                }
                else
                {
                    output.Add((byte)'(');
                    foreach (object? item in tuple)
                    {
                        Save(item);
                    }

                    output.Add((byte)'t');
                }

                Put(tuple);
            }

            private void SaveInt(long number)
            {
                if (number is >= 0 and <= 0xff)
                {
                    output.Add((byte)'K');
                    output.Add((byte)number);
                }
                else if (number is >= 0 and <= 0xffff)
                {
                    output.Add((byte)'M');
                    output.AddRange(LittleEndian16((ushort)number));
                }
                else if (number is >= int.MinValue and <= int.MaxValue)
                {
                    output.Add((byte)'J');
                    output.AddRange(LittleEndian32(unchecked((uint)(int)number)));
                }
                else
                {
                    // LONG1: the shortest two's-complement little-endian encoding.
                    byte[] bytes = new System.Numerics.BigInteger(number).ToByteArray();
                    output.Add(0x8a);
                    output.Add((byte)bytes.Length);
                    output.AddRange(bytes);
                }
            }

            private void Put(object value)
            {
                int index = nextIndex++;
                if (index < 256)
                {
                    output.Add((byte)'q');
                    output.Add((byte)index);
                }
                else
                {
                    output.Add((byte)'r');
                    output.AddRange(LittleEndian32((uint)index));
                }

                memo[value] = index;
            }
        }
    }
}
