using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// Builds one ONNX graph: unique value names, nodes, weight initializers and small constants (shared by value).
    /// Converters add nodes through it and never touch protobuf types beyond the attributes they pass.
    /// </summary>
    internal sealed class OnnxGraphBuilder
    {
        private readonly HashSet<string> names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> weights = new(StringComparer.Ordinal);

        /// <summary>The graph being built.</summary>
        public GraphProto Graph { get; } = new() { Name = "rnnsharp" };

        /// <summary>A name not used yet in the graph, from <paramref name="hint"/> (a layer name and what the value is).</summary>
        public string Unique(string hint)
        {
            string name = hint;
            for (int i = 1; !names.Add(name); i++) name = $"{hint}_{i}";
            return name;
        }

        /// <summary>Adds a node with one output; returns the output's name.</summary>
        public string Add(string op, IEnumerable<string> inputs, string hint, params AttributeProto[] attributes)
            => Add(op, inputs, hint, 1, attributes)[0];

        /// <summary>Adds a node with <paramref name="outputs"/> outputs; returns their names.</summary>
        public string[] Add(string op, IEnumerable<string> inputs, string hint, int outputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = Unique(hint + "/" + op) };
            node.Input.AddRange(inputs);
            var results = Enumerable.Range(0, outputs).Select(i => Unique(outputs == 1 ? hint : $"{hint}_{i}")).ToArray();
            node.Output.AddRange(results);
            node.Attribute.AddRange(attributes);
            Graph.Node.Add(node);
            return results;
        }

        /// <summary>Adds a float initializer (a weight) of shape <paramref name="dims"/>, or returns the one already added
        /// with the same shape and values.</summary>
        public string Initializer(string hint, float[] values, params long[] dims)
        {
            if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
                throw new ArgumentException($"Initializer \"{hint}\": {values.Length} values do not fill shape [{string.Join(", ", dims)}].");
            var bytes = MemoryMarshal.AsBytes(values.AsSpan());
            // A layer called several times (shared) gives the same weights each call: they are stored once.
            string key = string.Join(",", dims) + ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
            if (weights.TryGetValue(key, out var existing)) return existing;
            var tensor = new TensorProto { Name = Unique(hint), DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(dims);
            tensor.RawData = ByteString.CopyFrom(bytes);
            Graph.Initializer.Add(tensor);
            weights[key] = tensor.Name;
            return tensor.Name;
        }

        /// <summary>Adds a weight from a TorchSharp tensor (any float dtype, any device), keeping its shape.</summary>
        public string Initializer(string hint, Tensor value)
        {
            using var scope = NewDisposeScope();
            var data = value.detach().cpu().to(ScalarType.Float32).contiguous();
            return Initializer(hint, data.data<float>().ToArray(), data.shape);
        }

        /// <summary>A 1-D int64 constant (shapes, axes, indices), shared by value.</summary>
        public string Int64s(params long[] values) => Constant("i64", TensorProto.Types.DataType.Int64, new long[] { values.Length },
            MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), string.Join(",", values));

        /// <summary>A scalar int64 constant, shared by value.</summary>
        public string Int64(long value) => Constant("i64s", TensorProto.Types.DataType.Int64, Array.Empty<long>(),
            BitConverter.GetBytes(value), value.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>A scalar float constant, shared by value.</summary>
        public string Float(float value) => Constant("f", TensorProto.Types.DataType.Float, Array.Empty<long>(),
            BitConverter.GetBytes(value), value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));

        private string Constant(string kind, TensorProto.Types.DataType type, long[] dims, byte[] raw, string key)
        {
            string cacheKey = kind + ":" + key;
            if (constants.TryGetValue(cacheKey, out var existing)) return existing;
            var tensor = new TensorProto { Name = Unique("const_" + kind + "_" + key.Replace(',', '_').Replace('-', 'm')), DataType = (int)type };
            tensor.Dims.AddRange(dims);
            tensor.RawData = ByteString.CopyFrom(raw);
            Graph.Initializer.Add(tensor);
            constants[cacheKey] = tensor.Name;
            return tensor.Name;
        }

        /// <summary>Reserves a graph input's name (the model's input names) so no node output takes it.</summary>
        public void Reserve(string name)
        {
            if (!names.Add(name)) throw new InvalidOperationException($"The ONNX graph already has a value named \"{name}\".");
        }

        // Attribute helpers.
        public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
        public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
        public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

        public static AttributeProto Attr(string name, IEnumerable<long> values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        public static AttributeProto Attr(string name, IEnumerable<float> values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
            a.Floats.AddRange(values);
            return a;
        }

        public static AttributeProto Attr(string name, IEnumerable<string> values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
            a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
            return a;
        }

        // Small graph idioms used by several converters.

        /// <summary><paramref name="x"/> reversed along <paramref name="axis"/> (a Slice with step -1).</summary>
        public string Reverse(string x, long axis, string hint)
            => Add("Slice", new[] { x, Int64s(-1), Int64s(long.MinValue), Int64s(axis), Int64s(-1) }, hint);

        /// <summary><paramref name="x"/> with axes inserted at <paramref name="axes"/>.</summary>
        public string Unsqueeze(string x, string hint, params long[] axes) => Add("Unsqueeze", new[] { x, Int64s(axes) }, hint);

        /// <summary><paramref name="x"/> without the size-1 axes <paramref name="axes"/>.</summary>
        public string Squeeze(string x, string hint, params long[] axes) => Add("Squeeze", new[] { x, Int64s(axes) }, hint);

        /// <summary>Element <paramref name="index"/> of axis <paramref name="axis"/>, that axis removed.</summary>
        public string Select(string x, long axis, long index, string hint) => Add("Gather", new[] { x, Int64(index) }, hint, Attr("axis", axis));

        /// <summary>A transpose of <paramref name="x"/>.</summary>
        public string Transpose(string x, string hint, params long[] perm) => Add("Transpose", new[] { x }, hint, Attr("perm", perm));

        /// <summary>A cast of <paramref name="x"/> to <paramref name="type"/>.</summary>
        public string Cast(string x, TensorProto.Types.DataType type, string hint) => Add("Cast", new[] { x }, hint, Attr("to", (long)type));
    }
}
