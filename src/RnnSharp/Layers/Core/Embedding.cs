using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Embedding</c>: turns non-negative integer indices into dense vectors. Weight:
    /// <c>embeddings (input_dim, output_dim)</c>. With <c>maskZero</c>, index 0 is padding and the mask
    /// (<c>inputs != 0</c>) flows to the next layers. Runs on TorchSharp's <c>nn.Embedding</c>.
    /// </summary>
    public class Embedding : Layer
    {
        private TorchSharp.Modules.Embedding? table;

        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="inputDim">Vocabulary size: largest index + 1.</param>
        /// <param name="outputDim">Dimension of the dense embedding.</param>
        /// <param name="embeddingsInitializer">Initializer of <c>embeddings</c>; null is <c>uniform</c> (±0.05).</param>
        /// <param name="embeddingsRegularizer">Penalty on <c>embeddings</c>, or null.</param>
        /// <param name="activityRegularizer">Penalty on the output, or null.</param>
        /// <param name="embeddingsConstraint">Constraint on <c>embeddings</c>, or null.</param>
        /// <param name="maskZero">Treat index 0 as padding and emit a mask.</param>
        /// <param name="inputLength">Fixed sequence length, when known.</param>
        /// <param name="inputShape">Input shape without batch; defaults to <c>[inputLength]</c>, as in Keras 2.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with the input shape.</param>
        /// <param name="name">Layer name; null gives <c>embedding</c>, <c>embedding_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public Embedding(
            int inputDim, int outputDim, Initializer? embeddingsInitializer = null,
            Regularizer? embeddingsRegularizer = null, Regularizer? activityRegularizer = null, Constraint? embeddingsConstraint = null,
            bool maskZero = false, int? inputLength = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            // Keras 2 gives every Embedding an input shape, (input_length,) or (None,), so a model that starts with one is built.
            : base(name, batchInputShape is null ? inputShape ?? new[] { inputLength } : null, batchInputShape, batchSize, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
            if (inputDim <= 0 || outputDim <= 0)
                throw new ArgumentException(
                    $"Both `inputDim` and `outputDim` should be positive, received inputDim={inputDim} and outputDim={outputDim}");
            InputDim = inputDim;
            OutputDim = outputDim;
            EmbeddingsInitializer = embeddingsInitializer ?? "uniform";
            EmbeddingsRegularizer = embeddingsRegularizer;
            ActivityRegularizer = activityRegularizer;
            EmbeddingsConstraint = embeddingsConstraint;
            MaskZero = maskZero;
            InputLength = inputLength;
        }

        /// <summary>Penalty on the embeddings, or null.</summary>
        public Regularizer? EmbeddingsRegularizer { get; }
        /// <summary>Constraint on the embeddings, or null.</summary>
        public Constraint? EmbeddingsConstraint { get; }

        /// <inheritdoc />
        protected override Regularizer? GetWeightRegularizer(string weightName) => weightName == "embeddings" ? EmbeddingsRegularizer : null;

        /// <inheritdoc />
        protected override Constraint? GetWeightConstraint(string weightName) => weightName == "embeddings" ? EmbeddingsConstraint : null;

        /// <summary>Vocabulary size.</summary>
        public int InputDim { get; }
        /// <summary>Embedding dimension.</summary>
        public int OutputDim { get; }
        /// <summary>Initializer of the embeddings.</summary>
        public Initializer EmbeddingsInitializer { get; }
        /// <summary>Whether index 0 is padding that produces a mask.</summary>
        public bool MaskZero { get; }
        /// <summary>Fixed input length, or null.</summary>
        public int? InputLength { get; }

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            table = nn.Embedding(InputDim, OutputDim);
            register_module("table", table);
            using (no_grad()) WriteWeights(new[] { EmbeddingsInitializer.Generate(InputDim, OutputDim) });
        }

        /// <summary>
        /// Set by the trainer around its own forward pass on a batch of data it has already passed to
        /// <see cref="CheckIndices"/> as a whole, so the batch skips the range check (a host synchronisation on a GPU).
        /// </summary>
        internal bool IndicesPrechecked { get; set; }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            var indices = inputs.dtype == ScalarType.Int64 ? inputs : inputs.to(ScalarType.Int64);
            if (!IndicesPrechecked) CheckIndices(indices);
            // Keras casts the looked-up rows to the compute dtype.
            return new LayerOutput(Autocast(table!.call(indices)));
        }

        /// <summary>
        /// Throws a clear error naming the layer when an index is outside <c>[0, inputDim)</c>; a bad index would
        /// otherwise surface as a native error without the layer's name.
        /// </summary>
        internal void CheckIndices(Tensor inputs)
        {
            if (inputs.numel() == 0) return;
            using var scope = NewDisposeScope();
            var indices = inputs.dtype == ScalarType.Int64 ? inputs : inputs.to(ScalarType.Int64);
            long min = indices.min().item<long>(), max = indices.max().item<long>();
            if (min < 0 || max >= InputDim)
                throw new ArgumentOutOfRangeException(nameof(inputs),
                    $"Layer \"{Name}\" (Embedding): input index {(min < 0 ? min : max)} is out of range [0, {InputDim}) — inputDim is the vocabulary size, largest index + 1.");
        }

        /// <inheritdoc />
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => MaskZero ? inputs.ne(0) : null;

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            var shape = inputShape.ToArray();
            if (InputLength is int length && shape.Length == 2) shape[1] = length;
            return shape.Append(OutputDim).ToArray();
        }

        /// <summary>Keras 2 traces a symbolic call, and the lookup keeps the input's axes as they are: an
        /// <c>input_length</c> does not fill an unknown one (<c>Input((None,))</c> gives <c>(None, None, dim)</c>).</summary>
        internal override IReadOnlyList<int?[]> SymbolicOutputShapes(int?[] inputShape) => new[] { inputShape.Append(OutputDim).ToArray() };

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
            => new[] { new WeightInfo("embeddings", new long[] { InputDim, OutputDim }, true) };

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => new Tensor[] { table!.weight! };

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights) => table!.weight!.copy_(weights[0]);

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["input_dim"] = InputDim;
            config["output_dim"] = OutputDim;
            config["embeddings_initializer"] = EmbeddingsInitializer.Serialize();
            config["embeddings_regularizer"] = EmbeddingsRegularizer?.Serialize();
            config["activity_regularizer"] = ActivityRegularizer?.Serialize();
            config["embeddings_constraint"] = EmbeddingsConstraint?.Serialize();
            config["mask_zero"] = MaskZero;
            config["input_length"] = InputLength;
            return config;
        }

        /// <summary>Keras 3's config, without Keras 2's <c>input_length</c> (Keras 3 deprecated it).</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            config.Remove("input_length");
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Embedding FromConfig(Saving.LayerConfig config) => FromConfig<Embedding>(config);
    }
}
