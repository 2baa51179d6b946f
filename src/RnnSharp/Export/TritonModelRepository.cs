using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using RnnSharp.Saving;

namespace RnnSharp.Export
{
    /// <summary>
    /// One input or output of an exported model: its name in the model file, its element type and its shape, with
    /// -1 for a dynamic dimension (the batch axis, a variable time axis).
    /// </summary>
    /// <param name="Name">The tensor's name in the model file (an ONNX graph input or output name).</param>
    /// <param name="ElementType">
    /// The element type as a NumPy/Keras dtype name: <c>"bool"</c>, <c>"int8"</c>, <c>"int16"</c>, <c>"int32"</c>,
    /// <c>"int64"</c>, <c>"uint8"</c>, <c>"uint16"</c>, <c>"uint32"</c>, <c>"uint64"</c>, <c>"float16"</c>,
    /// <c>"bfloat16"</c>, <c>"float32"</c>, <c>"float64"</c> or <c>"string"</c>.
    /// </param>
    /// <param name="Shape">The shape, batch axis first; -1 marks a dynamic dimension.</param>
    public sealed record ModelTensorInfo(string Name, string ElementType, IReadOnlyList<long> Shape)
    {
        /// <summary>Whether two descriptions have the same name, element type and shape (the shape compared element by element).</summary>
        /// <param name="other">The other description.</param>
        /// <returns><see langword="true"/> when they describe the same tensor.</returns>
        public bool Equals(ModelTensorInfo? other) =>
            other is not null && Name == other.Name && ElementType == other.ElementType && Shape.SequenceEqual(other.Shape);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Name, ElementType, Shape.Count);

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: {ElementType}[{string.Join(", ", Shape)}]";
    }

    /// <summary>Where Triton Inference Server may place a model's instances (<c>ModelInstanceGroup.Kind</c>).</summary>
    public enum TritonInstanceKind
    {
        /// <summary><c>KIND_AUTO</c>: on the GPUs when there are any, else on the CPU.</summary>
        Auto,

        /// <summary><c>KIND_CPU</c>: on the CPU.</summary>
        Cpu,

        /// <summary><c>KIND_GPU</c>: on the GPUs.</summary>
        Gpu,
    }

    /// <summary>
    /// How to lay out a Triton Inference Server model repository for an exported ONNX model: the repository folder,
    /// the model's name and version, and the fields of its <c>config.pbtxt</c> (Triton's <c>ModelConfig</c>).
    /// </summary>
    /// <param name="Repository">The model repository folder (Triton's <c>--model-repository</c>); created if missing.</param>
    /// <param name="ModelName">The model's name: its folder in the repository and the <c>name</c> of its configuration.</param>
    public sealed record TritonOptions(string Repository, string ModelName)
    {
        /// <summary>The version folder the model file goes into (Triton serves the highest version by default).</summary>
        public int Version { get; init; } = 1;

        /// <summary>
        /// Triton's <c>max_batch_size</c>: the largest batch Triton forms or accepts. When it is above 0 the model's
        /// first axis is the batch axis and is left out of <c>dims</c>; 0 means the model is not batched by Triton.
        /// </summary>
        public int MaxBatchSize { get; init; } = 256;

        /// <summary>Whether to write <c>dynamic_batching</c>, so that Triton merges concurrent requests into one batch.</summary>
        public bool DynamicBatching { get; init; } = true;

        /// <summary>
        /// <c>dynamic_batching.preferred_batch_size</c>: batch sizes Triton runs as soon as it can form them; empty
        /// (the default) lets Triton form the largest batch it can within the queue delay.
        /// </summary>
        public IReadOnlyList<int> PreferredBatchSizes { get; init; } = Array.Empty<int>();

        /// <summary><c>dynamic_batching.max_queue_delay_microseconds</c>: how long a request may wait for others to join its batch.</summary>
        public long MaxQueueDelayMicroseconds { get; init; } = 100;

        /// <summary><c>instance_group.count</c>: how many instances of the model run (per GPU for <see cref="TritonInstanceKind.Gpu"/>).</summary>
        public int InstanceCount { get; init; } = 1;

        /// <summary><c>instance_group.kind</c>: where the instances run.</summary>
        public TritonInstanceKind InstanceKind { get; init; } = TritonInstanceKind.Auto;
    }

    /// <summary>
    /// Writes a model repository for Triton Inference Server's ONNX Runtime backend:
    /// <c>&lt;repository&gt;/&lt;model name&gt;/config.pbtxt</c> and
    /// <c>&lt;repository&gt;/&lt;model name&gt;/&lt;version&gt;/model.onnx</c>, with the configuration in the text format of
    /// Triton's <c>model_config.proto</c> (platform <c>onnxruntime_onnx</c>).
    /// </summary>
    /// <remarks>
    /// It knows the model only through its inputs and outputs (<see cref="ModelTensorInfo"/>), so it serves any ONNX
    /// file whose graph inputs and outputs are described. With <see cref="TritonOptions.MaxBatchSize"/> above 0 every
    /// tensor's first axis must be dynamic (-1): Triton stacks requests along it. Dynamic batching merges only requests
    /// whose other dimensions agree, so clients that pad to one sequence length batch best.
    /// </remarks>
    public static class TritonModelRepository
    {
        /// <summary>The file name Triton's ONNX Runtime backend looks for in a version folder (<c>default_model_filename</c>).</summary>
        public const string ModelFileName = "model.onnx";

        /// <summary>The name of a model's configuration file in its folder.</summary>
        public const string ConfigFileName = "config.pbtxt";

        private static readonly Dictionary<string, string> DataTypes = new(StringComparer.Ordinal)
        {
            ["bool"] = "TYPE_BOOL",
            ["uint8"] = "TYPE_UINT8",
            ["uint16"] = "TYPE_UINT16",
            ["uint32"] = "TYPE_UINT32",
            ["uint64"] = "TYPE_UINT64",
            ["int8"] = "TYPE_INT8",
            ["int16"] = "TYPE_INT16",
            ["int32"] = "TYPE_INT32",
            ["int64"] = "TYPE_INT64",
            ["float16"] = "TYPE_FP16",
            ["float32"] = "TYPE_FP32",
            ["float64"] = "TYPE_FP64",
            ["string"] = "TYPE_STRING",
            ["bfloat16"] = "TYPE_BF16",
        };

        /// <summary>
        /// Writes the repository entry of one model: copies the ONNX file to
        /// <c>&lt;repository&gt;/&lt;model name&gt;/&lt;version&gt;/model.onnx</c> and writes <c>config.pbtxt</c> beside the
        /// version folder, each atomically (a reader sees the old file or the complete new one).
        /// </summary>
        /// <param name="options">The repository, the model's name and version, and the configuration's options.</param>
        /// <param name="onnxModelPath">The exported ONNX file.</param>
        /// <param name="inputs">The model's graph inputs, in order.</param>
        /// <param name="outputs">The model's graph outputs, in order.</param>
        /// <returns>The model's folder in the repository.</returns>
        /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">The options or tensors are invalid (see <see cref="ConfigText"/>).</exception>
        /// <exception cref="FileNotFoundException"><paramref name="onnxModelPath"/> does not exist.</exception>
        public static string Write(TritonOptions options, string onnxModelPath, IReadOnlyList<ModelTensorInfo> inputs, IReadOnlyList<ModelTensorInfo> outputs)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(onnxModelPath);
            // The configuration is made first, so invalid options leave the repository untouched.
            string config = ConfigText(options, inputs, outputs);
            if (!File.Exists(onnxModelPath))
                throw new FileNotFoundException($"The ONNX model \"{onnxModelPath}\" to place in the Triton repository does not exist.", onnxModelPath);
            string modelDirectory = Path.Combine(options.Repository, options.ModelName);
            string modelFile = Path.Combine(modelDirectory, options.Version.ToString(CultureInfo.InvariantCulture), ModelFileName);
            AtomicFile.Write(modelFile, stream =>
            {
                using FileStream source = File.OpenRead(onnxModelPath);
                source.CopyTo(stream);
            });
            byte[] configBytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(config);
            AtomicFile.Write(Path.Combine(modelDirectory, ConfigFileName), stream => stream.Write(configBytes));
            return modelDirectory;
        }

        /// <summary>
        /// The <c>config.pbtxt</c> text of a model: Triton's <c>ModelConfig</c> in protobuf text format, with the fields
        /// <c>name</c>, <c>platform</c>, <c>max_batch_size</c>, <c>input</c>, <c>output</c>, <c>instance_group</c> and,
        /// when enabled, <c>dynamic_batching</c>.
        /// </summary>
        /// <param name="options">The model's name and the configuration's options.</param>
        /// <param name="inputs">The model's graph inputs, in order.</param>
        /// <param name="outputs">The model's graph outputs, in order.</param>
        /// <returns>The configuration text, lines ending in <c>\n</c>.</returns>
        /// <exception cref="ArgumentNullException">An argument or one of the tensors is <see langword="null"/>.</exception>
        /// <exception cref="ArgumentException">
        /// The model name is empty or not a plain folder name; the version, batch size, preferred batch sizes, queue delay
        /// or instance count is out of range; there is no input or no output; a tensor's element type is unknown or its
        /// shape has a dimension below -1 or, when batched, does not start with the dynamic batch axis (-1).
        /// </exception>
        public static string ConfigText(TritonOptions options, IReadOnlyList<ModelTensorInfo> inputs, IReadOnlyList<ModelTensorInfo> outputs)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(outputs);
            Validate(options);
            if (inputs.Count == 0)
                throw new ArgumentException("A Triton model needs at least one input; received none.", nameof(inputs));
            if (outputs.Count == 0)
                throw new ArgumentException("A Triton model needs at least one output; received none.", nameof(outputs));

            var text = new StringBuilder();
            text.Append("# Triton Inference Server model configuration (model_config.proto, text format), written by RnnSharp.\n");
            text.Append("name: ").Append(Quote(options.ModelName)).Append('\n');
            text.Append("platform: \"onnxruntime_onnx\"\n");
            text.Append("max_batch_size: ").Append(options.MaxBatchSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            AppendTensors(text, "input", inputs, options.MaxBatchSize, nameof(inputs));
            AppendTensors(text, "output", outputs, options.MaxBatchSize, nameof(outputs));
            text.Append("instance_group [\n  {\n");
            text.Append("    count: ").Append(options.InstanceCount.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("    kind: ").Append(options.InstanceKind switch
            {
                TritonInstanceKind.Cpu => "KIND_CPU",
                TritonInstanceKind.Gpu => "KIND_GPU",
                _ => "KIND_AUTO",
            }).Append('\n');
            text.Append("  }\n]\n");
            if (options.DynamicBatching)
            {
                text.Append("dynamic_batching {\n");
                if (options.PreferredBatchSizes.Count > 0)
                {
                    text.Append("  preferred_batch_size: [ ")
                        .Append(string.Join(", ", options.PreferredBatchSizes.Select(s => s.ToString(CultureInfo.InvariantCulture))))
                        .Append(" ]\n");
                }

                text.Append("  max_queue_delay_microseconds: ")
                    .Append(options.MaxQueueDelayMicroseconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
                text.Append("}\n");
            }

            return text.ToString();
        }

        /// <summary>The Triton data type (<c>TYPE_INT64</c>, ...) of a NumPy/Keras dtype name.</summary>
        /// <param name="elementType">The dtype name, e.g. <c>"int64"</c>.</param>
        /// <returns>The name of Triton's <c>DataType</c> enumerator.</returns>
        /// <exception cref="ArgumentException">The dtype has no Triton data type.</exception>
        public static string DataType(string elementType)
        {
            ArgumentNullException.ThrowIfNull(elementType);
            return DataTypes.TryGetValue(elementType, out string? type)
                ? type
                : throw new ArgumentException(
                    $"Element type \"{elementType}\" has no Triton data type; expected one of {string.Join(", ", DataTypes.Keys)}.",
                    nameof(elementType));
        }

        /// <summary>Checks the options alone (the tensors are checked by <see cref="ConfigText"/>).</summary>
        internal static void Validate(TritonOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            ArgumentNullException.ThrowIfNull(options.Repository, nameof(options));
            ArgumentNullException.ThrowIfNull(options.ModelName, nameof(options));
            if (options.Repository.Length == 0)
                throw new ArgumentException("The Triton repository folder must not be empty.", nameof(options));
            // The name is one folder of the repository: separators or "." / ".." would place the model elsewhere.
            if (options.ModelName.Length == 0 || options.ModelName is "." or ".." ||
                options.ModelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || options.ModelName.Contains('/') || options.ModelName.Contains('\\'))
                throw new ArgumentException($"The Triton model name must be a plain folder name; received \"{options.ModelName}\".", nameof(options));
            if (options.Version < 1)
                throw new ArgumentException($"The Triton model version must be at least 1; received {options.Version}.", nameof(options));
            if (options.MaxBatchSize < 0)
                throw new ArgumentException($"max_batch_size must be 0 (no batching) or positive; received {options.MaxBatchSize}.", nameof(options));
            if (options.InstanceCount < 1)
                throw new ArgumentException($"The instance count must be at least 1; received {options.InstanceCount}.", nameof(options));
            if (!Enum.IsDefined(options.InstanceKind))
                throw new ArgumentException($"Unknown instance kind {options.InstanceKind}; expected Auto, Cpu or Gpu.", nameof(options));
            if (!options.DynamicBatching)
                return;
            if (options.MaxBatchSize == 0)
                throw new ArgumentException("dynamic_batching needs max_batch_size above 0; received 0. Set MaxBatchSize or DynamicBatching = false.", nameof(options));
            ArgumentNullException.ThrowIfNull(options.PreferredBatchSizes, nameof(options));
            foreach (int size in options.PreferredBatchSizes)
            {
                if (size < 1 || size > options.MaxBatchSize)
                    throw new ArgumentException($"A preferred batch size must be between 1 and max_batch_size ({options.MaxBatchSize}); received {size}.", nameof(options));
            }

            if (options.MaxQueueDelayMicroseconds < 0)
                throw new ArgumentException($"max_queue_delay_microseconds must not be negative; received {options.MaxQueueDelayMicroseconds}.", nameof(options));
        }

        private static void AppendTensors(StringBuilder text, string field, IReadOnlyList<ModelTensorInfo> tensors, int maxBatchSize, string parameter)
        {
            text.Append(field).Append(" [\n");
            for (int i = 0; i < tensors.Count; i++)
            {
                ModelTensorInfo tensor = tensors[i] ?? throw new ArgumentNullException(parameter, $"{parameter}[{i}] is null.");
                if (string.IsNullOrEmpty(tensor.Name))
                    throw new ArgumentException($"{parameter}[{i}] has no name.", parameter);
                ArgumentNullException.ThrowIfNull(tensor.Shape, parameter);
                string dataType = DataTypes.TryGetValue(tensor.ElementType ?? "", out string? type)
                    ? type
                    : throw new ArgumentException(
                        $"{field} \"{tensor.Name}\" has element type \"{tensor.ElementType}\", which has no Triton data type; expected one of {string.Join(", ", DataTypes.Keys)}.",
                        parameter);
                if (tensor.Shape.Any(d => d < -1))
                    throw new ArgumentException($"{field} \"{tensor.Name}\" has shape [{string.Join(", ", tensor.Shape)}]; dimensions must be -1 (dynamic) or at least 0.", parameter);
                IEnumerable<long> dims = tensor.Shape;
                if (maxBatchSize > 0)
                {
                    // Triton adds the batch axis itself: dims are the shape of one sample.
                    if (tensor.Shape.Count == 0 || tensor.Shape[0] != -1)
                        throw new ArgumentException(
                            $"With max_batch_size {maxBatchSize}, {field} \"{tensor.Name}\" must have a dynamic first (batch) axis, -1; its shape is [{string.Join(", ", tensor.Shape)}].",
                            parameter);
                    dims = tensor.Shape.Skip(1);
                }

                text.Append("  {\n");
                text.Append("    name: ").Append(Quote(tensor.Name)).Append('\n');
                text.Append("    data_type: ").Append(dataType).Append('\n');
                if (dims.Any())
                {
                    text.Append("    dims: [ ").Append(string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(" ]\n");
                }
                else
                {
                    // A scalar per sample: Triton needs at least one dimension, and reshape maps [1] to the model's [].
                    text.Append("    dims: [ 1 ]\n");
                    text.Append("    reshape: { shape: [ ] }\n");
                }

                text.Append(i + 1 < tensors.Count ? "  },\n" : "  }\n");
            }

            text.Append("]\n");
        }

        // A protobuf text-format string literal: backslash, quotes and control characters escaped.
        private static string Quote(string value)
        {
            var quoted = new StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': quoted.Append("\\\""); break;
                    case '\\': quoted.Append("\\\\"); break;
                    case '\n': quoted.Append("\\n"); break;
                    case '\r': quoted.Append("\\r"); break;
                    case '\t': quoted.Append("\\t"); break;
                    default:
                        if (c < ' ')
                            quoted.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
                        else
                            quoted.Append(c);
                        break;
                }
            }

            return quoted.Append('"').ToString();
        }
    }
}
