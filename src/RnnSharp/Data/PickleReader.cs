using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Numerics;
using System.Text;

namespace RnnSharp.Data
{
    /// <summary>
    /// A minimal, safe pickle interpreter for what <c>np.save</c> writes for object arrays: protocols 2 to 5 of
    /// Python's pickle format, the opcodes that serialize tuples, lists, dicts, strings, bytes, ints, floats,
    /// booleans and <c>None</c>, and the handful of NumPy globals that rebuild an <c>ndarray</c> and its dtype.
    /// </summary>
    /// <remarks>
    /// No arbitrary code runs: <c>GLOBAL</c>/<c>STACK_GLOBAL</c> resolve only to a fixed allow-list
    /// (<c>numpy.core.multiarray._reconstruct</c> or its NumPy 2 name <c>numpy._core.multiarray._reconstruct</c>,
    /// <c>numpy.ndarray</c>, <c>numpy.dtype</c>, <c>numpy.core.multiarray.scalar</c>, <c>_codecs.encode</c>, which
    /// protocol 2 uses for bytes, and <c>bytes</c>). Anything else, and any opcode not listed in
    /// <see cref="Run"/>, raises <see cref="System.IO.InvalidDataException"/> naming the file and offset.
    /// <para>
    /// Kept instead of the Razorvine.Pickle package (1.5.0, measured as a replacement): Razorvine resolves globals
    /// through one process-wide static table with no overridable hook and turns every unknown global into a
    /// <c>ClassDict</c> constructor, so the allow-list could only be checked on the result (a disallowed global
    /// whose object is discarded went through), and it loaded an IMDB-sized <c>.npz</c> (50,000 reviews of ~240
    /// ints) 2.4 to 3.5 times slower, allocating about 3 times as much, as this reader.
    /// </para>
    /// </remarks>
    internal sealed class PickleReader
    {
        // Datasets such as IMDB pickle millions of small ints (word ranks); sharing their boxes keeps loading
        // from allocating one object per word.
        private static readonly Lazy<object[]> SmallInts = new(() =>
        {
            var boxes = new object[ushort.MaxValue + 1];
            for (int i = 0; i < boxes.Length; i++)
            {
                boxes[i] = (long)i;
            }

            return boxes;
        });

        private readonly byte[] data;
        private readonly string source;
        private readonly List<object?> stack = new();
        private readonly Stack<int> marks = new();
        private readonly Dictionary<long, object?> memo = new();
        private int position;
        private int opcodeOffset;

        private PickleReader(byte[] data, int start, string source)
        {
            this.data = data;
            position = start;
            this.source = source;
        }

        private enum Callable
        {
            Reconstruct,
            NdarrayType,
            DType,
            Scalar,
            CodecsEncode,
            Bytes,
        }

        /// <summary>Unpickles the object that starts at <paramref name="start"/> in <paramref name="data"/>.</summary>
        /// <param name="data">The whole file, so that error offsets are file offsets.</param>
        /// <param name="start">Where the pickle starts.</param>
        /// <param name="source">The file name for error messages.</param>
        /// <returns>The unpickled object (see <see cref="NpyArray"/> for the .NET types used).</returns>
        public static object? Load(byte[] data, int start, string source) => new PickleReader(data, start, source).Run();

        private object? Run()
        {
            while (true)
            {
                opcodeOffset = position;
                byte opcode = ReadByte();
                switch (opcode)
                {
                    case 0x80: // PROTO
                        {
                            byte protocol = ReadByte();
                            if (protocol > 5)
                            {
                                throw Error($"unsupported pickle protocol {protocol}");
                            }

                            break;
                        }

                    case 0x95: // FRAME: a length prefix for buffering; the content follows inline.
                        {
                            ulong length = ReadUInt64();
                            if (length > (ulong)(data.Length - position))
                            {
                                throw Error($"pickle frame of {length} bytes runs past the end of the data (truncated file)");
                            }

                            break;
                        }

                    case (byte)'.': // STOP
                        return Pop();
                    case (byte)'(': // MARK
                        marks.Push(stack.Count);
                        break;
                    case (byte)'0': // POP
                        Pop();
                        break;
                    case (byte)'1': // POP_MARK
                        PopMark();
                        break;
                    case (byte)'2': // DUP
                        Push(Peek());
                        break;

                    case (byte)'N': // NONE
                        Push(null);
                        break;
                    case 0x88: // NEWTRUE
                        Push(true);
                        break;
                    case 0x89: // NEWFALSE
                        Push(false);
                        break;
                    case (byte)'J': // BININT: signed 4-byte little-endian
                        Push(Int(BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4))));
                        break;
                    case (byte)'K': // BININT1: unsigned byte
                        Push(SmallInts.Value[ReadByte()]);
                        break;
                    case (byte)'M': // BININT2: unsigned 2-byte little-endian
                        Push(SmallInts.Value[BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2))]);
                        break;
                    case 0x8a: // LONG1: 1-byte length, two's complement little-endian
                        Push(ReadLong(ReadByte()));
                        break;
                    case 0x8b: // LONG4: 4-byte length
                        Push(ReadLong(ReadLength(4)));
                        break;
                    case (byte)'G': // BINFLOAT: big-endian double
                        Push(BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8)));
                        break;

                    case (byte)'X': // BINUNICODE: 4-byte length, UTF-8
                        Push(Encoding.UTF8.GetString(ReadSpan(ReadLength(4))));
                        break;
                    case 0x8c: // SHORT_BINUNICODE: 1-byte length, UTF-8
                        Push(Encoding.UTF8.GetString(ReadSpan(ReadByte())));
                        break;
                    case 0x8d: // BINUNICODE8
                        Push(Encoding.UTF8.GetString(ReadSpan(ReadLength(8))));
                        break;
                    case (byte)'T': // BINSTRING: Python 2 str, 4-byte length; read as latin-1 like np.load does
                        Push(Encoding.Latin1.GetString(ReadSpan(ReadLength(4))));
                        break;
                    case (byte)'U': // SHORT_BINSTRING: Python 2 str, 1-byte length
                        Push(Encoding.Latin1.GetString(ReadSpan(ReadByte())));
                        break;
                    case (byte)'B': // BINBYTES: 4-byte length
                        Push(ReadSpan(ReadLength(4)).ToArray());
                        break;
                    case (byte)'C': // SHORT_BINBYTES: 1-byte length
                        Push(ReadSpan(ReadByte()).ToArray());
                        break;
                    case 0x8e: // BINBYTES8
                        Push(ReadSpan(ReadLength(8)).ToArray());
                        break;

                    case (byte)')': // EMPTY_TUPLE
                        Push(Array.Empty<object?>());
                        break;
                    case 0x85: // TUPLE1
                        Push(new[] { Pop() });
                        break;
                    case 0x86: // TUPLE2
                        {
                            object? second = Pop();
                            object? first = Pop();
                            Push(new[] { first, second });
                            break;
                        }

                    case 0x87: // TUPLE3
                        {
                            object? third = Pop();
                            object? second = Pop();
                            object? first = Pop();
                            Push(new[] { first, second, third });
                            break;
                        }

                    case (byte)'t': // TUPLE: everything since the last MARK
                        Push(PopMark().ToArray());
                        break;
                    case (byte)']': // EMPTY_LIST
                        Push(new List<object?>());
                        break;
                    case (byte)'l': // LIST
                        Push(PopMark());
                        break;
                    case (byte)'a': // APPEND
                        {
                            object? item = Pop();
                            PeekList().Add(item);
                            break;
                        }

                    case (byte)'e': // APPENDS
                        {
                            List<object?> items = PopMark();
                            PeekList().AddRange(items);
                            break;
                        }

                    case (byte)'}': // EMPTY_DICT
                        Push(new Dictionary<object, object?>());
                        break;
                    case (byte)'d': // DICT
                        {
                            var dict = new Dictionary<object, object?>();
                            SetItems(dict, PopMark());
                            Push(dict);
                            break;
                        }

                    case (byte)'s': // SETITEM
                        {
                            object? value = Pop();
                            object? key = Pop();
                            SetItems(PeekDict(), new List<object?> { key, value });
                            break;
                        }

                    case (byte)'u': // SETITEMS
                        {
                            List<object?> items = PopMark();
                            SetItems(PeekDict(), items);
                            break;
                        }

                    case (byte)'q': // BINPUT: 1-byte memo index
                        memo[ReadByte()] = Peek();
                        break;
                    case (byte)'r': // LONG_BINPUT: 4-byte memo index
                        memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))] = Peek();
                        break;
                    case 0x94: // MEMOIZE: the next memo index is the memo's size
                        memo[memo.Count] = Peek();
                        break;
                    case (byte)'h': // BINGET
                        Push(MemoGet(ReadByte()));
                        break;
                    case (byte)'j': // LONG_BINGET
                        Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))));
                        break;

                    case (byte)'c': // GLOBAL: "module\nname\n"
                        {
                            string module = ReadLine();
                            string name = ReadLine();
                            Push(ResolveGlobal(module, name));
                            break;
                        }

                    case 0x93: // STACK_GLOBAL
                        {
                            object? name = Pop();
                            object? module = Pop();
                            if (module is not string moduleName || name is not string globalName)
                            {
                                throw Error("STACK_GLOBAL needs a module name and a global name");
                            }

                            Push(ResolveGlobal(moduleName, globalName));
                            break;
                        }

                    case (byte)'R': // REDUCE: callable(*args)
                        {
                            object? args = Pop();
                            object? callable = Pop();
                            if (callable is not Callable function || args is not object?[] arguments)
                            {
                                throw Error($"REDUCE needs an allowed global and an argument tuple, got {NpyArray.Describe(callable)}");
                            }

                            Push(Call(function, arguments));
                            break;
                        }

                    case (byte)'b': // BUILD: obj.__setstate__(state)
                        {
                            object? state = Pop();
                            Build(Peek(), state);
                            break;
                        }

                    default:
                        throw Error(opcode is >= 0x20 and < 0x7f
                            ? $"unsupported pickle opcode 0x{opcode:x2} ('{(char)opcode}')"
                            : $"unsupported pickle opcode 0x{opcode:x2}");
                }
            }
        }

        private object ResolveGlobal(string module, string name)
        {
            Callable? callable = (module, name) switch
            {
                ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") => Callable.Reconstruct,
                ("numpy.core.multiarray" or "numpy._core.multiarray", "scalar") => Callable.Scalar,
                ("numpy", "ndarray") => Callable.NdarrayType,
                ("numpy", "dtype") => Callable.DType,
                ("_codecs", "encode") => Callable.CodecsEncode,
                ("builtins" or "__builtin__", "bytes") => Callable.Bytes,
                _ => null,
            };
            return callable ?? throw Error($"pickle global '{module}.{name}' is not allowed");
        }

        private object? Call(Callable function, object?[] args)
        {
            switch (function)
            {
                case Callable.Reconstruct:
                    // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD then fills in.
                    if (args.Length != 3 || args[0] is not Callable.NdarrayType)
                    {
                        throw Error("_reconstruct expects (numpy.ndarray, shape, dtype)");
                    }

                    return NpyArray.CreatePending();

                case Callable.DType:
                    if (args.Length < 1 || args[0] is not string kindAndSize)
                    {
                        throw Error("numpy.dtype expects a type string");
                    }

                    return new PickledDType(kindAndSize);

                case Callable.Scalar:
                    return Scalar(args);

                case Callable.CodecsEncode:
                    // Protocol 2 pickles bytes as _codecs.encode(text, 'latin1').
                    if (args.Length != 2 || args[0] is not string text || args[1] is not string encoding)
                    {
                        throw Error("_codecs.encode expects (str, encoding)");
                    }

                    return encoding.ToLowerInvariant() switch
                    {
                        "latin1" or "latin-1" or "iso-8859-1" => Encoding.Latin1.GetBytes(text),
                        "utf-8" or "utf8" => Encoding.UTF8.GetBytes(text),
                        "ascii" => Encoding.ASCII.GetBytes(text),
                        _ => throw Error($"_codecs.encode with unsupported encoding '{encoding}'"),
                    };

                case Callable.Bytes:
                    return args.Length switch
                    {
                        0 => Array.Empty<byte>(),
                        1 when args[0] is byte[] bytes => bytes,
                        _ => throw Error("bytes() call with unsupported arguments"),
                    };

                default:
                    throw Error($"{function} is not callable");
            }
        }

        private object? Scalar(object?[] args)
        {
            // numpy.core.multiarray.scalar(dtype, raw_bytes) rebuilds a NumPy scalar such as np.int64(5).
            if (args.Length != 2 || args[0] is not PickledDType pickled)
            {
                throw Error("scalar expects (dtype, data)");
            }

            NpyDType dtype = pickled.ToNpyDType(source, opcodeOffset);
            if (dtype.IsObject)
            {
                return args[1];
            }

            byte[] raw = args[1] switch
            {
                byte[] bytes => bytes,
                string text => Encoding.Latin1.GetBytes(text),
                _ => throw Error("scalar data must be bytes"),
            };
            if (raw.Length != dtype.ItemSize)
            {
                throw Error($"scalar of {dtype.Descr} needs {dtype.ItemSize} bytes, got {raw.Length}");
            }

            Array decoded = dtype.Decode(raw, 1);
            object value = decoded.GetValue(0)!;

            // Python code sees NumPy integer and float scalars as numbers: normalize to the pickle's own types.
            return value switch
            {
                bool flag => flag,
                float f => (double)f,
                Half h => (double)h,
                double d => d,
                ulong u when u > long.MaxValue => new BigInteger(u),
                _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
            };
        }

        private void Build(object? target, object? state)
        {
            if (state is not object?[] tuple)
            {
                throw Error($"BUILD state is {NpyArray.Describe(state)}, expected a tuple");
            }

            switch (target)
            {
                case NpyArray array:
                    array.SetState(tuple, source, opcodeOffset);
                    break;
                case PickledDType dtype:
                    dtype.SetState(tuple, source, opcodeOffset);
                    break;
                default:
                    throw Error($"BUILD on unsupported object {NpyArray.Describe(target)}");
            }
        }

        private void SetItems(Dictionary<object, object?> dict, List<object?> items)
        {
            if (items.Count % 2 != 0)
            {
                throw Error("odd number of items for a dict");
            }

            for (int i = 0; i < items.Count; i += 2)
            {
                object key = items[i] ?? throw Error("None as a dict key is not supported");
                if (key is List<object?> or Dictionary<object, object?>)
                {
                    throw Error("unhashable dict key");
                }

                dict[key] = items[i + 1];
            }
        }

        private static object Int(long value) =>
            value is >= 0 and <= ushort.MaxValue ? SmallInts.Value[value] : value;

        private object ReadLong(int length)
        {
            ReadOnlySpan<byte> bytes = ReadSpan(length);
            var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
            return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
        }

        private int ReadLength(int width)
        {
            ulong length = width switch
            {
                4 => BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4)),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8)),
            };
            if (length > (ulong)(data.Length - position))
            {
                throw Error($"pickle item of {length} bytes runs past the end of the data (truncated file)");
            }

            return (int)length;
        }

        private string ReadLine()
        {
            int end = Array.IndexOf(data, (byte)'\n', position);
            if (end < 0)
            {
                throw Error("unexpected end of data in a GLOBAL name (truncated file)");
            }

            string line = Encoding.UTF8.GetString(data, position, end - position);
            position = end + 1;
            return line;
        }

        private byte ReadByte() => ReadSpan(1)[0];

        private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(ReadSpan(8));

        private ReadOnlySpan<byte> ReadSpan(int length)
        {
            if (length > data.Length - position)
            {
                throw Error("unexpected end of pickle data (truncated file)");
            }

            var span = new ReadOnlySpan<byte>(data, position, length);
            position += length;
            return span;
        }

        private void Push(object? value) => stack.Add(value);

        private object? Peek() => stack.Count > CurrentFloor()
            ? stack[^1]
            : throw Error("pickle stack underflow");

        private object? Pop()
        {
            object? value = Peek();
            stack.RemoveAt(stack.Count - 1);
            return value;
        }

        private List<object?> PeekList() =>
            Peek() as List<object?> ?? throw Error($"APPEND to {NpyArray.Describe(Peek())}, not a list");

        private Dictionary<object, object?> PeekDict() =>
            Peek() as Dictionary<object, object?> ?? throw Error($"SETITEM on {NpyArray.Describe(Peek())}, not a dict");

        private List<object?> PopMark()
        {
            if (marks.Count == 0)
            {
                throw Error("no MARK on the pickle stack");
            }

            int mark = marks.Pop();
            List<object?> items = stack.GetRange(mark, stack.Count - mark);
            stack.RemoveRange(mark, stack.Count - mark);
            return items;
        }

        private int CurrentFloor() => marks.Count == 0 ? 0 : marks.Peek();

        private object? MemoGet(long index) =>
            memo.TryGetValue(index, out object? value) ? value : throw Error($"memo index {index} was never stored");

        private System.IO.InvalidDataException Error(string message) => NpyReader.Error(source, opcodeOffset, message);
    }
}
