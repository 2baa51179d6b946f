using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Onnx;

namespace RnnSharp.Export
{
    /// <summary>
    /// The inputs and outputs of an ONNX model file as its graph declares them: names, element types (NumPy/Keras dtype
    /// names) and shapes, -1 for a dimension given by a name (<c>dim_param</c>, a dynamic axis) or not given.
    /// </summary>
    /// <param name="Inputs">The graph's inputs that are not initializers (weights), in order.</param>
    /// <param name="Outputs">The graph's outputs, in order.</param>
    public sealed record OnnxSignature(IReadOnlyList<ModelTensorInfo> Inputs, IReadOnlyList<ModelTensorInfo> Outputs)
    {
        /// <summary>Reads the signature of the ONNX model in <paramref name="path"/>.</summary>
        /// <param name="path">An ONNX model file.</param>
        /// <returns>Its inputs and outputs.</returns>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="InvalidDataException">The file is not an ONNX model, or an input or output is not a tensor of a known element type.</exception>
        public static OnnxSignature Read(string path)
        {
            ArgumentNullException.ThrowIfNull(path);
            ModelProto model;
            try
            {
                using FileStream stream = File.OpenRead(path);
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"\"{path}\" is not an ONNX model: {e.Message}", e);
            }

            if (model.Graph is null)
                throw new InvalidDataException($"\"{path}\" has no graph; expected an ONNX model.");
            // Before IR version 4 the weights were graph inputs too; they are not inputs a caller feeds.
            var weights = new HashSet<string>(model.Graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
            return new OnnxSignature(
                model.Graph.Input.Where(v => !weights.Contains(v.Name)).Select(v => Describe(v, path)).ToArray(),
                model.Graph.Output.Select(v => Describe(v, path)).ToArray());
        }

        private static ModelTensorInfo Describe(ValueInfoProto value, string path)
        {
            TypeProto.Types.Tensor tensor = value.Type?.TensorType
                ?? throw new InvalidDataException($"\"{value.Name}\" in \"{path}\" is not a tensor; expected tensor inputs and outputs.");
            string elementType = (TensorProto.Types.DataType)tensor.ElemType switch
            {
                TensorProto.Types.DataType.Bool => "bool",
                TensorProto.Types.DataType.Uint8 => "uint8",
                TensorProto.Types.DataType.Uint16 => "uint16",
                TensorProto.Types.DataType.Uint32 => "uint32",
                TensorProto.Types.DataType.Uint64 => "uint64",
                TensorProto.Types.DataType.Int8 => "int8",
                TensorProto.Types.DataType.Int16 => "int16",
                TensorProto.Types.DataType.Int32 => "int32",
                TensorProto.Types.DataType.Int64 => "int64",
                TensorProto.Types.DataType.Float16 => "float16",
                TensorProto.Types.DataType.Bfloat16 => "bfloat16",
                TensorProto.Types.DataType.Float => "float32",
                TensorProto.Types.DataType.Double => "float64",
                TensorProto.Types.DataType.String => "string",
                var other => throw new InvalidDataException($"\"{value.Name}\" in \"{path}\" has element type {other}, which has no NumPy dtype name here."),
            };
            long[] shape = tensor.Shape is null
                ? Array.Empty<long>()
                : tensor.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1L).ToArray();
            return new ModelTensorInfo(value.Name, elementType, shape);
        }
    }
}
