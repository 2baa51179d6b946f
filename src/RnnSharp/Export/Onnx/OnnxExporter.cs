using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Google.Protobuf;
using Onnx;
using RnnSharp.Layers;
using RnnSharp.Ops;
using RnnSharp.Saving;

namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// Writes a built <see cref="Model"/> (a <see cref="Sequential"/> or a functional model, nested models inlined) as an
    /// ONNX model for inference: opset <see cref="Opset"/>, batch and time axes dynamic, weights as initializers,
    /// masks computed inside the graph, producer <c>RnnSharp</c>, and the model's Keras config JSON in the metadata
    /// (<c>keras_model_config</c>). Every layer is converted before anything is written, so an unsupported layer or
    /// option leaves no file; the file is written atomically (<see cref="AtomicFile"/>).
    /// </summary>
    internal static class OnnxExporter
    {
        /// <summary>The ONNX opset the files import (the default domain).</summary>
        public const long Opset = 17;

        /// <summary>The IR version of opset 17 (ONNX 1.12).</summary>
        public const long IrVersion = 8;

        /// <summary>The metadata key of the model's Keras config JSON (<see cref="Model.ToJson"/>).</summary>
        public const string ConfigMetadataKey = "keras_model_config";

        /// <summary>Exports <paramref name="model"/> to <paramref name="path"/>.</summary>
        public static void Export(Model model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(path);
            var proto = Build(model);
            AtomicFile.Write(path, stream => proto.WriteTo(stream));
        }

        /// <summary>The ONNX model of <paramref name="model"/> (not written anywhere).</summary>
        internal static ModelProto Build(Model model)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    $"Model \"{model.Name}\" is not built: build it (give the first layer an inputShape, call Build, or run it once) before exporting.");
            var graph = new OnnxGraphBuilder { Graph = { Name = model.Name } };
            var inputs = GraphInputs(model, graph);
            // The outputs' names are the model's: reserved first, so no inner value takes them.
            var outputNames = model.OutputNames;
            foreach (var name in outputNames) graph.Reserve(name);
            var outputs = EmitModel(graph, model, inputs, Array.Empty<OnnxValue>());
            bool oneTimeAxis = inputs.Count == 1;
            for (int i = 0; i < outputs.Count; i++)
            {
                string name = outputNames[i];
                graph.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = graph.Unique(name + "/Identity"), Input = { outputs[i].Name }, Output = { name } });
                graph.Graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, outputs[i].Shape, oneTimeAxis ? "time" : null));
            }
            var result = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "RnnSharp",
                ProducerVersion = ProducerVersion,
                Graph = graph.Graph,
                DocString = $"Exported by RnnSharp from Keras model \"{model.Name}\" ({model.ClassName}).",
            };
            result.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            result.MetadataProps.Add(new StringStringEntryProto { Key = ConfigMetadataKey, Value = model.ToJson() });
            return result;
        }

        /// <summary>RnnSharp's version (the assembly's informational version, without a source revision).</summary>
        public static string ProducerVersion
        {
            get
            {
                var assembly = typeof(Model).Assembly;
                string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
                int plus = version.IndexOf('+', StringComparison.Ordinal);
                return plus < 0 ? version : version[..plus];
            }
        }

        /// <summary>The error for a layer or option the export does not support: names the layer, what it has and, where
        /// it helps, what is supported.</summary>
        public static NotSupportedException Unsupported(Layer layer, string what, string? supported = null)
            => new($"Cannot export layer \"{layer.Name}\" ({layer.ClassName}) to ONNX: {what} is not supported" +
                   (supported is null ? "." : $" (supported: {supported}).") + " Nothing was written.");

        private static IReadOnlyList<OnnxValue> GraphInputs(Model model, OnnxGraphBuilder graph)
        {
            var names = model.InputNames;
            var result = new List<OnnxValue>();
            if (model is Sequential sequential)
            {
                var shape = sequential.InputShape ?? throw new InvalidOperationException($"Model \"{model.Name}\" has no input shape.");
                var type = sequential.Layers.FirstOrDefault() is Embedding ? TensorProto.Types.DataType.Int64 : TensorProto.Types.DataType.Float;
                result.Add(AddInput(graph, names[0], shape, type, "time"));
                return result;
            }
            if (!model.IsFunctional) throw new NotSupportedException(
                $"Cannot export model \"{model.Name}\" ({model.ClassName}) to ONNX: only Sequential and functional models (made from inputs and outputs) can be exported. Nothing was written.");
            var inputs = model.Inputs;
            for (int i = 0; i < inputs.Count; i++)
            {
                var type = inputs[i].DType switch
                {
                    "int64" => TensorProto.Types.DataType.Int64,
                    "int32" => TensorProto.Types.DataType.Int32,
                    "float32" => TensorProto.Types.DataType.Float,
                    var other => throw new NotSupportedException(
                        $"Cannot export model \"{model.Name}\" to ONNX: input \"{names[i]}\" has dtype {other} (supported: float32, int32, int64). Nothing was written."),
                };
                result.Add(AddInput(graph, names[i], inputs[i].ShapeArray, type, inputs.Count == 1 ? "time" : names[i] + "_time"));
            }
            return result;
        }

        private static OnnxValue AddInput(OnnxGraphBuilder graph, string name, int?[] shape, TensorProto.Types.DataType type, string timeName)
        {
            graph.Reserve(name);
            graph.Graph.Input.Add(ValueInfo(name, type, shape, timeName));
            return new OnnxValue(name, shape);
        }

        // Batch (axis 0) is "batch"; an unknown time axis (axis 1) is named, other unknown axes are left unnamed.
        private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, int?[] shape, string? timeName)
        {
            var tensorShape = new TensorShapeProto();
            for (int axis = 0; axis < shape.Length; axis++)
            {
                var dim = new TensorShapeProto.Types.Dimension();
                if (axis == 0) dim.DimParam = "batch";
                else if (shape[axis] is int size) dim.DimValue = size;
                else if (axis == 1 && timeName is not null) dim.DimParam = timeName;
                tensorShape.Dim.Add(dim);
            }
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
            };
        }

        /// <summary>Adds the nodes of a model called on <paramref name="inputs"/> (the top model, or a nested one):
        /// a Sequential layer by layer with its masks, a functional model node by node as <c>Functional.Run</c> runs it.</summary>
        internal static IReadOnlyList<OnnxValue> EmitModel(OnnxGraphBuilder graph, Model model, IReadOnlyList<OnnxValue> inputs, IReadOnlyList<OnnxValue> states)
        {
            if (states.Count > 0)
                throw Unsupported(model, "initial states given to a nested model");
            if (model is Sequential sequential)
            {
                var value = inputs.Count == 1 ? inputs[0] : throw Unsupported(model, $"{inputs.Count} inputs", "one input");
                foreach (var layer in sequential.Layers) value = EmitLayer(graph, layer, new[] { value }, Array.Empty<OnnxValue>())[0];
                return new[] { value };
            }
            if (!model.IsFunctional)
                throw Unsupported(model, "a model without a functional graph (a subclassed model)", "Sequential and functional models");
            var functional = model.Graph;
            var values = new Dictionary<KerasTensor, OnnxValue>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < functional.Inputs.Count; i++) values[functional.Inputs[i]] = inputs[i];
            foreach (var nodes in functional.NodesByDepth.Values)
            {
                foreach (var node in nodes)
                {
                    if (node.IsInput || node.KerasInputs.Any(t => !values.ContainsKey(t))) continue;
                    if (node.Layer is not Model)
                    {
                        var accepted = OnnxConverters.For(node.Layer).CallArgumentNames;
                        var refused = node.CallArguments.Where(kv => !accepted.Contains(kv.Key) || kv.Value is KerasTensor).Select(kv => kv.Key).ToArray();
                        if (refused.Length > 0) throw Unsupported(node.Layer, $"a call with the argument(s) {string.Join(", ", refused)}");
                    }
                    else if (node.CallArguments.Count > 0)
                        throw Unsupported(node.Layer, $"a call with arguments ({string.Join(", ", node.CallArguments.Keys)})");
                    if (node.Training == true)
                        throw Unsupported(node.Layer, "a call with a fixed training: true (the export is for inference)");
                    var masks = node.InputMasks<string>(t => graph.Cast(values[t].Name, TensorProto.Types.DataType.Bool, node.Layer.Name + "_mask"), t => values[t].Mask);
                    var args = node.InputTensors.Select((t, i) => values[t] with { Mask = masks[i] }).ToArray();
                    var outputs = EmitLayer(graph, node.Layer, args, node.InitialState.Select(t => values[t]).ToArray(), node.CallArguments);
                    for (int i = 0; i < node.Outputs.Count && i < outputs.Count; i++) values[node.Outputs[i]] = outputs[i];
                }
            }
            return functional.Outputs.Select(t => values[t]).ToArray();
        }

        private static IReadOnlyList<OnnxValue> EmitLayer(OnnxGraphBuilder graph, Layer layer, IReadOnlyList<OnnxValue> inputs, IReadOnlyList<OnnxValue> states,
            IReadOnlyDictionary<string, object?>? callArguments = null)
        {
            if (layer is Model nested) return EmitModel(graph, nested, inputs, states);
            var converter = OnnxConverters.For(layer);
            converter.Check(layer);
            return converter.Convert(new OnnxLayerCall(graph, layer, inputs, states, callArguments));
        }
    }
}
