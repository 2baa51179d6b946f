using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Base class of <see cref="Attention"/> and <see cref="AdditiveAttention"/> (Keras's <c>BaseDenseAttention</c>):
    /// called on <c>[query, value]</c> or <c>[query, value, key]</c> (<c>(batch, Tq, dim)</c>, <c>(batch, Tv, dim)</c>,
    /// <c>(batch, Tv, dim)</c>; the key defaults to the value), it computes scores <c>(batch, Tq, Tv)</c>
    /// (<see cref="CalculateScores"/>), masks them, takes their softmax over the values and returns the weighted sum of
    /// the values, <c>(batch, Tq, value_dim)</c>. Masks (<c>[query_mask, value_mask]</c>, from upstream layers such as
    /// <c>Embedding(maskZero: true)</c>, or given): a false value-mask entry (or, with <c>useCausalMask</c>, a later
    /// value step) lowers its score by 1e9 before the softmax (Keras 3's <c>where(mask, scores, scores - 1e9)</c>, the
    /// same numbers as Keras 2's <c>scores -= 1e9 * (1 - mask)</c>), and the output is zero at query steps the query
    /// mask marks false (Keras 3's <c>where</c>; Keras 2 multiplies by the mask, which differs only for non-finite
    /// values). The output's mask is the query mask. Runs on plain matmul/softmax (the scores are needed, and the
    /// concat/additive scores are not a dot product), not on a fused kernel.
    /// </summary>
    public abstract class BaseDenseAttention : Layer
    {
        private Generator? generator;

        /// <summary>Creates the layer with the common arguments.</summary>
        /// <param name="dropout">Fraction of the attention weights dropped in training.</param>
        /// <param name="seed">Seed of the dropout's random numbers (Keras 3's <c>seed</c>); null uses the global generator.</param>
        /// <param name="name">Layer name; null gives Keras's automatic name.</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        protected BaseDenseAttention(double dropout, int? seed, string? name, bool trainable)
            : base(name, trainable: trainable)
        {
            if (dropout < 0 || dropout >= 1 || double.IsNaN(dropout))
                throw new ArgumentException($"Invalid value received for argument `dropout`. Expected a float value between 0 and 1. Received: dropout={dropout}", nameof(dropout));
            Dropout = dropout;
            Seed = seed;
        }

        /// <summary>Fraction of the attention weights dropped in training.</summary>
        public double Dropout { get; }

        /// <summary>Seed of the dropout, or null.</summary>
        public int? Seed { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        internal override bool TakesInputList => true;

        /// <summary>The scores <c>(batch, Tq, Tv)</c> of <paramref name="query"/> against <paramref name="key"/> (Keras's <c>_calculate_scores</c>).</summary>
        protected abstract Tensor CalculateScores(Tensor query, Tensor key);

        /// <summary>Creates the weights for the checked shapes (batch axis included).</summary>
        protected abstract void BuildWeights(int?[] queryShape, int?[] valueShape, int?[] keyShape);

        /// <inheritdoc />
        protected sealed override void BuildCore(IReadOnlyList<int?[]> inputShapes)
        {
            ValidateShapes(inputShapes);
            BuildWeights(inputShapes[0], inputShapes[1], inputShapes.Count > 2 ? inputShapes[2] : inputShapes[1]);
        }

        /// <summary>Called on one shape: Keras's error, the layer takes a list.</summary>
        protected sealed override void BuildCore(int?[] inputShape) => throw NotAList(ShapeUtils.Format(inputShape));

        /// <summary>Called on one tensor: Keras's error, the layer takes a list.</summary>
        protected sealed override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => throw NotAList($"Tensor(shape={ShapeUtils.Format(inputs.shape)})");

        /// <inheritdoc />
        protected sealed override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
            => Attend(inputs, masks, training, returnAttentionScores: false, useCausalMask: false);

        /// <summary>Keras's call arguments <c>use_causal_mask</c> and <c>return_attention_scores</c>, which a functional
        /// model records and replays.</summary>
        public override IReadOnlyCollection<string> CallArgumentNames => CallArgumentKeys;

        private static readonly string[] CallArgumentKeys = { "use_causal_mask", "return_attention_scores" };

        /// <summary>Runs a functional model's call with its recorded <c>use_causal_mask</c>/<c>return_attention_scores</c>.</summary>
        protected override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training, IReadOnlyDictionary<string, object?> callArguments)
        {
            ValidateCount(inputs.Count, masks?.Count);
            return Attend(inputs, masks, training, callArguments.GetValueOrDefault("return_attention_scores") is true, callArguments.GetValueOrDefault("use_causal_mask") is true);
        }

        /// <summary>
        /// Records a call on symbolic inputs with Keras's call arguments, <c>layer([query, value(, key)],
        /// use_causal_mask=..., return_attention_scores=...)</c> in a functional model. With
        /// <paramref name="returnAttentionScores"/> the call has two outputs, the output and the attention weights
        /// <c>(batch, Tq, Tv)</c> (no mask): <c>var (output, scores) = attention.Call(new[] { query, value }, returnAttentionScores: true);</c>.
        /// </summary>
        /// <param name="inputs"><c>[query, value]</c> or <c>[query, value, key]</c>.</param>
        /// <param name="mask">Explicit masks, one per input (null entries: the input's own mask), or null.</param>
        /// <param name="training">Fixes the layer's mode for this call; null follows the model's mode.</param>
        /// <param name="returnAttentionScores">Whether the call returns the attention weights too.</param>
        /// <param name="useCausalMask">Whether query step <c>i</c> may only attend to value steps <c>j ≤ i</c>.</param>
        public SymbolicOutput Call(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor?>? mask = null, bool? training = null, bool returnAttentionScores = false, bool useCausalMask = false)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            // As Keras writes them: only the arguments given, here those off their defaults.
            var arguments = new Dictionary<string, object?>();
            if (useCausalMask) arguments["use_causal_mask"] = true;
            if (returnAttentionScores) arguments["return_attention_scores"] = true;
            return CallWithArguments(inputs, arguments, mask, training);
        }

        /// <summary>The output shape, and with <c>return_attention_scores</c> the scores' <c>(batch, Tq, Tv)</c>.</summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes, IReadOnlyDictionary<string, object?> callArguments)
        {
            var shapes = ComputeOutputShapes(inputShapes);
            if (callArguments.GetValueOrDefault("return_attention_scores") is not true) return shapes;
            return new[] { shapes[0], new[] { inputShapes[0][0], inputShapes[0][1], inputShapes[1][1] } };
        }

        /// <summary>
        /// Runs the layer with Keras's call arguments: <c>layer([query, value(, key)], mask=[query_mask, value_mask],
        /// training=..., return_attention_scores=..., use_causal_mask=...)</c>. With <paramref name="returnAttentionScores"/>
        /// the result's second tensor is the attention weights <c>(batch, Tq, Tv)</c> after masking, softmax and dropout.
        /// (Declared here, it is the overload C# picks for <c>layer.Call(new[] { query, value })</c>; through a
        /// <c>Layer</c> reference the list call is <c>Layer</c>'s, which runs the same computation.)
        /// </summary>
        /// <param name="inputs"><c>[query, value]</c> or <c>[query, value, key]</c>.</param>
        /// <param name="mask"><c>[query_mask, value_mask]</c> (a third entry, the key's, is ignored as in Keras), or null.</param>
        /// <param name="training">Training mode: enables dropout.</param>
        /// <param name="returnAttentionScores">Whether to return the attention weights too.</param>
        /// <param name="useCausalMask">Whether query step <c>i</c> may only attend to value steps <c>j ≤ i</c>.</param>
        public LayerOutput Call(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? mask = null, bool training = false, bool returnAttentionScores = false, bool useCausalMask = false)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ValidateCount(inputs.Count, mask?.Count);
            if (!Built) Build(inputs.Select(ShapeUtils.Of).ToArray());
            foreach (var input in inputs) CheckInputDevice(input);
            return Attend(inputs, mask, training, returnAttentionScores, useCausalMask);
        }

        private LayerOutput Attend(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training, bool returnAttentionScores, bool useCausalMask)
        {
            ValidateCount(inputs.Count, masks?.Count);
            ValidateShapes(inputs.Select(ShapeUtils.Of).ToArray());
            Tensor query = inputs[0], value = inputs[1], key = inputs.Count > 2 ? inputs[2] : value;
            Tensor? queryMask = masks is { Count: > 0 } ? masks[0] : null;
            Tensor? valueMask = masks is { Count: > 1 } ? masks[1] : null;
            var scores = CalculateScores(query, key);
            Tensor? scoresMask = valueMask?.to_type(ScalarType.Bool).unsqueeze(-2);
            if (useCausalMask)
            {
                // Lower triangular (1, Tq, Tv): query step i sees value steps j <= i.
                var causal = ones(scores.shape[^2], scores.shape[^1], dtype: ScalarType.Bool, device: scores.device).tril().unsqueeze(0);
                scoresMask = scoresMask is null ? causal : scoresMask.logical_and(causal);
            }
            if (scoresMask is not null) scores = where(scoresMask, scores, scores - 1e9);
            var weights = scores.softmax(-1);
            if (training && Dropout > 0)
            {
                if (Seed is int s && generator is null) generator = new Generator((ulong)s, weights.device);
                using var keep = bernoulli(full(weights.shape, 1.0 - Dropout, dtype: weights.dtype, device: weights.device), generator);
                weights = weights * keep / (1.0 - Dropout);
            }
            var output = matmul(weights, value);
            if (queryMask is not null) output = where(queryMask.to_type(ScalarType.Bool).unsqueeze(-1), output, zeros_like(output));
            return returnAttentionScores ? new LayerOutput(output, weights) : new LayerOutput(output);
        }

        /// <summary>One shape instead of a list: Keras's error.</summary>
        public override int?[] ComputeOutputShape(int?[] inputShape) => throw NotAList(ShapeUtils.Format(inputShape));

        /// <summary>The output shape, as Keras 3's <c>compute_output_shape</c>: the query's shape with the value's last
        /// axis, <c>(batch, Tq, value_dim)</c>.</summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            ValidateShapes(inputShapes);
            return new[] { inputShapes[0][..^1].Append(inputShapes[1][^1]).ToArray() };
        }

        /// <summary>A list is required: one tensor with a mask is Keras's error, without one there is no mask.</summary>
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => mask is null ? null : throw NotAList($"Tensor(shape={ShapeUtils.Format(inputs.shape)})");

        /// <summary>The output mask: the query mask (Keras's <c>compute_mask</c>), or null.</summary>
        public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
        {
            ValidateCount(inputs.Count, masks?.Count);
            return masks is { Count: > 0 } && masks[0] is { } queryMask ? queryMask : null;
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["dropout"] = Dropout;
            return config;
        }

        /// <summary>Keras 3's config: Keras 2's keys and the dropout's <c>seed</c> (Keras 2's layers do not take it).</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            config["seed"] = Seed;
            return config;
        }

        private ArgumentException NotAList(string received)
            => new($"{ClassName} layer \"{Name}\" must be called on a list of inputs, namely [query, value] or [query, value, key]. Received: inputs={received}.");

        // Keras's _validate_inputs: 2 or 3 inputs, and a mask list of 2 or 3.
        private void ValidateCount(int inputs, int? masks)
        {
            if (inputs < 2 || inputs > 3)
                throw new ArgumentException(
                    $"{ClassName} layer \"{Name}\" accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. Received length: {inputs}.", nameof(inputs));
            if (masks is int m && (m < 2 || m > 3))
                throw new ArgumentException($"{ClassName} layer \"{Name}\" accepts mask list of length 2 or 3, namely [query_mask, value_mask]. Received length: {m}.", "mask");
        }

        /// <summary>Checks the shapes (batch axis included): rank 3, the value and key of one length, and what
        /// <see cref="CheckDims"/> asks of the feature sizes; Keras leaves these to its ops' errors, RnnSharp names the
        /// layer and the shapes.</summary>
        private protected void ValidateShapes(IReadOnlyList<int?[]> shapes)
        {
            ValidateCount(shapes.Count, null);
            int?[] query = shapes[0], value = shapes[1], key = shapes.Count > 2 ? shapes[2] : value;
            string Received() => $"query_shape={ShapeUtils.Format(query)}, value_shape={ShapeUtils.Format(value)}" + (shapes.Count > 2 ? $", key_shape={ShapeUtils.Format(key)}" : "");
            if (shapes.Take(3).Any(s => s.Length != 3))
                throw new ShapeMismatchException($"{ClassName} layer \"{Name}\" expects inputs of shape (batch_size, steps, dim). Received: {Received()}");
            if (value[1] is int tv && key[1] is int tk && tv != tk)
                throw new ShapeMismatchException($"{ClassName} layer \"{Name}\": `value` and `key` must have the same number of steps. Received: {Received()}");
            string? problem = CheckDims(query[^1], key[^1]);
            if (problem is not null)
                throw new ShapeMismatchException($"{ClassName} layer \"{Name}\": {problem}. Received: {Received()}");
        }

        /// <summary>What is wrong with the query's and key's feature sizes (null: nothing): both scores need them equal.</summary>
        private protected virtual string? CheckDims(int? queryDim, int? keyDim)
            => queryDim is int q && keyDim is int k && q != k ? $"the last axis of `query` ({q}) and of `key` ({k}) must be equal" : null;
    }
}
