using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>MultiHeadAttention</c> for inputs <c>query (batch, T, query_dim)</c>, <c>value (batch, S, value_dim)</c>
    /// and optionally <c>key (batch, S, key_dim)</c> (default: the value), or of any rank: <c>query (batch, T1..Tn,
    /// query_dim)</c>, <c>value (batch, S1..Sn, value_dim)</c>, attention running over <c>attentionAxes</c> (default: all
    /// axes but the batch and the features, jointly) and the other inner axes being batch-like. Each input is projected per head (Keras's
    /// <c>EinsumDense</c> sublayers <c>query</c>, <c>key</c>, <c>value</c>), scaled dot-product attention runs per head
    /// (the query scaled by <c>1/√keyDim</c>), and the heads are projected back (<c>attention_output</c>) to
    /// <c>(batch, T, outputShape)</c> (default: <c>query_dim</c>). Weights, in Keras's order and layout, whatever the rank:
    /// <c>query/kernel (query_dim, heads, keyDim)</c>, <c>query/bias (heads, keyDim)</c>, the same for <c>key</c> and
    /// <c>value</c> (<c>valueDim</c>), <c>attention_output/kernel (heads, valueDim, *outputShape)</c>,
    /// <c>attention_output/bias (*outputShape)</c> (no biases without <c>useBias</c>).
    /// <para>Masks, as Keras 3's <c>_compute_attention_mask</c>: the query's mask <c>(batch, T)</c>, the value's and
    /// the key's <c>(batch, S)</c> (from upstream layers, or given), the causal mask (<c>useCausalMask</c>: query
    /// step <c>i</c> sees steps <c>j ≤ i</c>) and an explicit <c>attentionMask (batch, T, S)</c> are combined with AND;
    /// a masked score is replaced by -1e9 before the softmax and its weight set to 0 after it (Keras 3's
    /// <c>Softmax</c>), so a query step that may attend to nothing gets zero attention (tf-keras instead gives it
    /// uniform weights). The output's mask is the query's.</para>
    /// <para>Computation: TorchSharp's fused <c>scaled_dot_product_attention</c> when neither the scores are returned
    /// nor dropout is active (training with <c>dropout &gt; 0</c>); otherwise plain matmul, softmax and dropout (seeded
    /// by <c>seed</c> when given). Inputs of rank above 3 take Keras's einsum equations (<c>_build_attention_equation</c>):
    /// scores <c>(batch, &lt;other inner axes&gt;, heads, &lt;query attention axes&gt;, &lt;key attention axes&gt;)</c>, a
    /// softmax over all the key attention axes jointly, and the masks built and broadcast as Keras builds them for
    /// <c>(batch, T, dim)</c> (the query's mask on the last axis, the value's before it, the causal mask from axis 1,
    /// each expanded before the attention axes): they line up with the scores only when attention runs over the last
    /// inner axis alone, and where they do not broadcast the call fails, as in Keras.</para>
    /// </summary>
    public class MultiHeadAttention : Layer
    {
        private static readonly string[] Parts = { "query", "key", "value", "attention_output" };
        private readonly int[]? outputShape;
        private readonly int[]? givenAxes;
        private Generator? generator;

        /// <summary>How the last call computed attention; tests check that the common case stays fused.</summary>
        internal enum AttentionPath { None, Fused, Plain, Einsum }

        /// <summary>The path the last eager call took.</summary>
        internal AttentionPath LastPath { get; private set; }

        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="numHeads">Number of attention heads.</param>
        /// <param name="keyDim">Size of each head for query and key.</param>
        /// <param name="valueDim">Size of each head for value; null is <paramref name="keyDim"/>.</param>
        /// <param name="dropout">Fraction of the attention weights dropped in training.</param>
        /// <param name="useBias">Whether the projections have biases.</param>
        /// <param name="outputShape">The output's shape past the time axis; null is the query's last axis.</param>
        /// <param name="attentionAxes">Axes of the query/value attention runs over, among the inner axes <c>1..rank-2</c>
        /// (negative ones count from the end of the input, <c>-2</c> being the last inner axis); null is all inner axes.</param>
        /// <param name="kernelInitializer">Initializer of the kernels; null is <c>glorot_uniform</c>.</param>
        /// <param name="biasInitializer">Initializer of the biases; null is <c>zeros</c>.</param>
        /// <param name="kernelRegularizer">Penalty on each of the four kernels, or null.</param>
        /// <param name="biasRegularizer">Penalty on each of the four biases, or null.</param>
        /// <param name="activityRegularizer">Penalty on the output of each of the four projections (query, key, value and
        /// output, as Keras gives it to its four <c>EinsumDense</c> layers), or null.</param>
        /// <param name="kernelConstraint">Constraint on each kernel, or null.</param>
        /// <param name="biasConstraint">Constraint on each bias, or null.</param>
        /// <param name="seed">Seed of the dropout (Keras 3); null uses the global generator.</param>
        /// <param name="name">Layer name; null gives <c>multi_head_attention</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public MultiHeadAttention(
            int numHeads, int keyDim, int? valueDim = null, double dropout = 0.0, bool useBias = true, int[]? outputShape = null,
            int[]? attentionAxes = null, Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? biasConstraint = null, int? seed = null,
            string? name = null, bool trainable = true)
            : base(name, trainable: trainable)
        {
            if (numHeads <= 0)
                throw new ArgumentException($"Received an invalid value for argument `num_heads`, expected a positive integer. Received: num_heads={numHeads}", nameof(numHeads));
            if (keyDim <= 0)
                throw new ArgumentException($"Received an invalid value for argument `key_dim`, expected a positive integer. Received: key_dim={keyDim}", nameof(keyDim));
            if (valueDim is <= 0)
                throw new ArgumentException($"Received an invalid value for argument `value_dim`, expected a positive integer or `None`. Received: value_dim={valueDim}", nameof(valueDim));
            if (dropout < 0 || dropout >= 1 || double.IsNaN(dropout))
                throw new ArgumentException($"Invalid value received for argument `dropout`. Expected a float value between 0 and 1. Received: dropout={dropout}", nameof(dropout));
            if (outputShape is not null && (outputShape.Length == 0 || outputShape.Any(d => d <= 0)))
                throw new ArgumentException($"Invalid `output_shape`: ({string.Join(", ", outputShape)}). When specified, the `output_shape` should be positive sizes.", nameof(outputShape));
            // Keras has no check of its own here: the batch axis or no axis at all would build meaningless equations.
            if (attentionAxes is not null && (attentionAxes.Length == 0 || attentionAxes.Contains(0)))
                throw new ArgumentException(
                    $"Invalid `attention_axes`: ({string.Join(", ", attentionAxes)}). The attention axes must be inner axes of the inputs, neither the batch nor the features.",
                    nameof(attentionAxes));
            NumHeads = numHeads;
            KeyDim = keyDim;
            ValueDim = valueDim ?? keyDim;
            Dropout = dropout;
            UseBias = useBias;
            this.outputShape = outputShape?.ToArray();
            givenAxes = attentionAxes?.ToArray();
            AttentionAxes = givenAxes;
            KernelInitializer = kernelInitializer ?? "glorot_uniform";
            BiasInitializer = biasInitializer ?? "zeros";
            KernelRegularizer = kernelRegularizer;
            BiasRegularizer = biasRegularizer;
            ProjectionActivityRegularizer = activityRegularizer;
            KernelConstraint = kernelConstraint;
            BiasConstraint = biasConstraint;
            Seed = seed;
        }

        /// <summary>Penalty on each kernel, or null.</summary>
        public Regularizer? KernelRegularizer { get; }
        /// <summary>Penalty on each bias, or null.</summary>
        public Regularizer? BiasRegularizer { get; }
        /// <summary>The <c>activityRegularizer</c> argument: Keras gives it to the four projections, so it penalizes the
        /// query, key and value projections and the output, each divided by its batch size.</summary>
        public Regularizer? ProjectionActivityRegularizer { get; }
        /// <summary>Constraint on each kernel, or null.</summary>
        public Constraint? KernelConstraint { get; }
        /// <summary>Constraint on each bias, or null.</summary>
        public Constraint? BiasConstraint { get; }

        /// <inheritdoc />
        protected override Regularizer? GetWeightRegularizer(string weightName)
            => weightName switch { "kernel" => KernelRegularizer, "bias" => BiasRegularizer, _ => null };

        /// <inheritdoc />
        protected override Constraint? GetWeightConstraint(string weightName)
            => weightName switch { "kernel" => KernelConstraint, "bias" => BiasConstraint, _ => null };

        /// <summary>Number of attention heads.</summary>
        public int NumHeads { get; }
        /// <summary>Size of each head for query and key.</summary>
        public int KeyDim { get; }
        /// <summary>Size of each head for value.</summary>
        public int ValueDim { get; }
        /// <summary>Fraction of the attention weights dropped in training.</summary>
        public double Dropout { get; }
        /// <summary>Whether the projections have biases.</summary>
        public bool UseBias { get; }
        /// <summary>The output's shape past the time axis as given, or null (the query's last axis).</summary>
        public IReadOnlyList<int>? OutputShape => outputShape;
        /// <summary>The attention axes as given (null: Keras's default); once built, the axes used, non-negative, as Keras
        /// reports them (e.g. <c>(1,)</c> for rank-3 inputs, <c>(1, 2)</c> by default for rank 4).</summary>
        public IReadOnlyList<int>? AttentionAxes { get; private set; }
        /// <summary>Initializer of the kernels.</summary>
        public Initializer KernelInitializer { get; }
        /// <summary>Initializer of the biases.</summary>
        public Initializer BiasInitializer { get; }
        /// <summary>Seed of the dropout, or null.</summary>
        public int? Seed { get; }

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        internal override bool TakesInputList => true;

        /// <summary>Keras's <c>call(query, value, key=None, ...)</c>: the inputs are separate arguments.</summary>
        internal override IReadOnlyList<string> InputArgumentNames { get; } = new[] { "query", "value", "key" };

        // The input shapes (query, value, key) the layer was built for.
        private int?[] QueryShape => BuiltInputShapes![0];
        private int?[] ValueShape => BuiltInputShapes![1];
        private int?[] KeyShape => BuiltInputShapes!.Count > 2 ? BuiltInputShapes[2] : BuiltInputShapes[1];
        private long[] OutShape => outputShape?.Select(d => (long)d).ToArray() ?? new[] { (long)QueryShape[^1]!.Value };

        /// <summary>Each weight: its sublayer (Keras 2 name scope; Keras 3 attribute <c>{part}_dense</c>, with
        /// <c>output_dense</c> for <c>attention_output</c>), its Keras name and its index in the sublayer.</summary>
        internal IReadOnlyList<(string Sublayer, string Keras3Attribute, int Index)> WeightOwners
            => Parts.SelectMany(p => (UseBias ? new[] { 0, 1 } : new[] { 0 })
                .Select(i => (p, p == "attention_output" ? "output_dense" : p + "_dense", i))).ToArray();

        /// <summary>Shapes (batch axis included) of <c>[query, value]</c> or <c>[query, value, key]</c>.</summary>
        protected override void BuildCore(IReadOnlyList<int?[]> inputShapes)
        {
            ValidateShapes(inputShapes);
            int?[] query = inputShapes[0], value = inputShapes[1], key = inputShapes.Count > 2 ? inputShapes[2] : value;
            long q = query[^1]!.Value, v = value[^1]!.Value, k = key[^1]!.Value;
            var outShape = outputShape?.Select(d => (long)d).ToArray() ?? new[] { q };
            var shapes = new List<(string, long[])>
            {
                ("query_kernel", new[] { q, NumHeads, KeyDim }), ("query_bias", new long[] { NumHeads, KeyDim }),
                ("key_kernel", new[] { k, NumHeads, KeyDim }), ("key_bias", new long[] { NumHeads, KeyDim }),
                ("value_kernel", new[] { v, NumHeads, ValueDim }), ("value_bias", new long[] { NumHeads, ValueDim }),
                ("attention_output_kernel", new long[] { NumHeads, ValueDim }.Concat(outShape).ToArray()), ("attention_output_bias", outShape),
            };
            foreach (var (name, shape) in shapes)
            {
                if (name.EndsWith("_bias", StringComparison.Ordinal) && !UseBias) continue;
                var init = name.EndsWith("_bias", StringComparison.Ordinal) ? BiasInitializer : KernelInitializer;
                register_parameter(name, new TorchSharp.Modules.Parameter(init.Generate(shape)));
            }
            // Keras's _build_attention replaces the given axes by the ones it uses.
            AttentionAxes = ResolveAxes(query.Length);
        }

        /// <summary>Called on one shape: the layer needs a query and a value.</summary>
        protected override void BuildCore(int?[] inputShape) => throw NotAList($"input_shape={ShapeUtils.Format(inputShape)}");

        /// <summary>Called on one tensor: the layer needs a query and a value.</summary>
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => throw NotAList($"inputs=Tensor(shape={ShapeUtils.Format(inputs.shape)})");

        /// <summary>Runs on <c>[query, value(, key)]</c> with their masks (a functional model's call).</summary>
        protected override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
        {
            Tensor? Mask(int i) => masks is not null && i < masks.Count ? masks[i] : null;
            return Attend(inputs[0], inputs[1], inputs.Count > 2 ? inputs[2] : null, null, false, training, false, Mask(0), Mask(1), inputs.Count > 2 ? Mask(2) : null);
        }

        /// <summary>Keras's call arguments <c>attention_mask</c> (a tensor), <c>use_causal_mask</c> and
        /// <c>return_attention_scores</c>, which a functional model records and replays.</summary>
        public override IReadOnlyCollection<string> CallArgumentNames => CallArgumentKeys;

        private static readonly string[] CallArgumentKeys = { "attention_mask", "use_causal_mask", "return_attention_scores" };

        /// <summary>Runs a functional model's call with its recorded call arguments.</summary>
        protected override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training, IReadOnlyDictionary<string, object?> callArguments)
        {
            if (inputs.Count < 2) throw NotAList($"{inputs.Count} input(s)");
            Tensor? Mask(int i) => masks is not null && i < masks.Count ? masks[i] : null;
            var attentionMask = callArguments.GetValueOrDefault("attention_mask") switch
            {
                null => null,
                Tensor t => t,
                var other => throw new ArgumentException($"MultiHeadAttention layer \"{Name}\": `attention_mask` must be a tensor. Received: {other}", nameof(callArguments)),
            };
            return Attend(inputs[0], inputs[1], inputs.Count > 2 ? inputs[2] : null, attentionMask, callArguments.GetValueOrDefault("return_attention_scores") is true,
                training, callArguments.GetValueOrDefault("use_causal_mask") is true, Mask(0), Mask(1), inputs.Count > 2 ? Mask(2) : null);
        }

        /// <summary>
        /// Records a call on symbolic inputs with Keras's call arguments, <c>mha(query, value, key=None,
        /// attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False)</c>, in a functional
        /// model; the inputs' own masks flow in. An <paramref name="attentionMask"/> becomes a further input of the graph.
        /// With <paramref name="returnAttentionScores"/> the call has two outputs, the output and the attention weights
        /// <c>(batch, heads, T, S)</c> (no mask): <c>var (output, scores) = mha.Call(query, value, returnAttentionScores: true);</c>.
        /// </summary>
        /// <param name="query">Query <c>(batch, T, query_dim)</c>.</param>
        /// <param name="value">Value <c>(batch, S, value_dim)</c>.</param>
        /// <param name="key">Key <c>(batch, S, key_dim)</c>; null uses the value.</param>
        /// <param name="attentionMask">Boolean <c>(batch, T, S)</c>: false entries may not be attended to; or null. For inputs
        /// of higher rank, as Keras: the scores' shape without the heads, <c>(batch, &lt;other inner axes&gt;, &lt;query
        /// attention axes&gt;, &lt;key attention axes&gt;)</c>, or fewer leading axes (broadcast).</param>
        /// <param name="returnAttentionScores">Whether the call returns the attention weights too.</param>
        /// <param name="training">Fixes the layer's mode for this call; null follows the model's mode.</param>
        /// <param name="useCausalMask">Whether query step <c>i</c> may only attend to steps <c>j ≤ i</c>.</param>
        public SymbolicOutput Call(KerasTensor query, KerasTensor value, KerasTensor? key = null, KerasTensor? attentionMask = null, bool returnAttentionScores = false,
            bool? training = null, bool useCausalMask = false)
        {
            ArgumentNullException.ThrowIfNull(query);
            ArgumentNullException.ThrowIfNull(value);
            var inputs = key is null ? new[] { query, value } : new[] { query, value, key };
            // As Keras writes them: only the arguments given, here those off their defaults.
            var arguments = new Dictionary<string, object?>();
            if (attentionMask is not null) arguments["attention_mask"] = attentionMask;
            if (useCausalMask) arguments["use_causal_mask"] = true;
            if (returnAttentionScores) arguments["return_attention_scores"] = true;
            return CallWithArguments(inputs, arguments, null, training);
        }

        /// <summary>The output shape, and with <c>return_attention_scores</c> the scores' <c>(batch, heads, T, S)</c>;
        /// checks an <c>attention_mask</c>'s shape, <c>(batch, T, S)</c>.</summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes, IReadOnlyDictionary<string, object?> callArguments)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            ArgumentNullException.ThrowIfNull(callArguments);
            var shapes = ComputeOutputShapes(inputShapes);
            int?[] query = inputShapes[0], value = inputShapes[1];
            if (callArguments.GetValueOrDefault("attention_mask") is KerasTensor mask && query.Length > 3)
            {
                var scores = ScoresShape(query, value);
                CheckMaskFitsScores(ExpandMask(mask.Shape.ToArray(), scores, ResolveAxes(query.Length).Length, "attention_mask"), scores, "attention_mask");
            }
            else if (callArguments.GetValueOrDefault("attention_mask") is KerasTensor rank3Mask)
            {
                var m = rank3Mask.Shape;
                bool Fits(int? a, int? b) => a is null || b is null || a == b;
                if (m.Count != 3 || !Fits(m[1], query[1]) || !Fits(m[2], value[1]))
                    throw new ShapeMismatchException(
                        $"MultiHeadAttention layer \"{Name}\": `attention_mask` should have shape (batch_size, {query[1]?.ToString() ?? "None"}, {value[1]?.ToString() ?? "None"}). " +
                        $"Received: attention_mask.shape={ShapeUtils.Format(m)}");
            }
            if (callArguments.GetValueOrDefault("return_attention_scores") is not true) return shapes;
            return new[] { shapes[0], ScoresShape(query, value) };
        }

        /// <summary>The attention scores' shape, as Keras's einsum writes them: <c>(batch, &lt;non-attention inner axes&gt;,
        /// heads, &lt;query attention axes&gt;, &lt;key attention axes&gt;)</c>, <c>(batch, heads, T, S)</c> for rank 3.</summary>
        private int?[] ScoresShape(int?[] query, int?[] value)
        {
            var axes = ResolveAxes(query.Length);
            var inner = Enumerable.Range(1, query.Length - 2).Where(i => !axes.Contains(i));
            return new[] { query[0] }.Concat(inner.Select(i => query[i])).Append(NumHeads)
                .Concat(axes.Select(i => query[i])).Concat(axes.Select(i => value[i])).ToArray();
        }

        /// <summary>The attention axes for inputs of <paramref name="inputRank"/>, as Keras's <c>_build_attention</c>:
        /// null is every inner axis; a negative axis counts from the input's end. Keras has no check of its own and
        /// fails later (numpy's or einsum's errors) or attends over the heads: an axis off the inner ones is refused.</summary>
        private int[] ResolveAxes(int inputRank)
        {
            if (givenAxes is null) return Enumerable.Range(1, inputRank - 2).ToArray();
            var axes = givenAxes.Select(a => a < 0 ? inputRank + a : a).ToArray();
            if (axes.Any(a => a < 1 || a > inputRank - 2) || axes.Distinct().Count() != axes.Length)
                throw new ArgumentException(
                    $"MultiHeadAttention layer \"{Name}\": invalid `attention_axes`: ({string.Join(", ", givenAxes)}) for inputs of rank {inputRank}. " +
                    $"The attention axes must be distinct inner axes, between 1 and {inputRank - 2} (or {2 - inputRank} and -2).", "attentionAxes");
            return axes;
        }

        /// <summary>
        /// Runs the layer with Keras's call arguments, <c>mha(query, value, key=None, attention_mask=None,
        /// return_attention_scores=False, training=None, use_causal_mask=False)</c>; the query/value/key masks Keras
        /// takes from the tensors are given here. With <paramref name="returnAttentionScores"/> the result's second tensor
        /// is the attention weights <c>(batch, heads, T, S)</c> (after masking and softmax, before dropout, as Keras
        /// returns them). (Declared here, it is the overload C# picks for <c>mha.Call(query, value)</c>; <c>Layer</c>'s
        /// one-tensor <c>Call</c> still answers <c>mha.Call(query)</c> with the error that a value is needed.)
        /// </summary>
        /// <param name="query">Query <c>(batch, T, query_dim)</c>.</param>
        /// <param name="value">Value <c>(batch, S, value_dim)</c>.</param>
        /// <param name="key">Key <c>(batch, S, key_dim)</c>; null uses the value.</param>
        /// <param name="attentionMask">Boolean <c>(batch, T, S)</c>: false entries may not be attended to; or null. For inputs
        /// of higher rank, as Keras: the scores' shape without the heads, <c>(batch, &lt;other inner axes&gt;, &lt;query
        /// attention axes&gt;, &lt;key attention axes&gt;)</c>, or fewer leading axes (broadcast).</param>
        /// <param name="returnAttentionScores">Whether to return the attention weights too.</param>
        /// <param name="training">Training mode: enables dropout.</param>
        /// <param name="useCausalMask">Whether query step <c>i</c> may only attend to steps <c>j ≤ i</c>.</param>
        /// <param name="queryMask">The query's mask <c>(batch, T)</c>, or null.</param>
        /// <param name="valueMask">The value's mask <c>(batch, S)</c>, or null.</param>
        /// <param name="keyMask">The key's mask <c>(batch, S)</c>, or null.</param>
        public LayerOutput Call(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null, bool returnAttentionScores = false, bool training = false,
            bool useCausalMask = false, Tensor? queryMask = null, Tensor? valueMask = null, Tensor? keyMask = null)
        {
            ArgumentNullException.ThrowIfNull(query);
            ArgumentNullException.ThrowIfNull(value);
            var inputs = key is null ? new[] { query, value } : new[] { query, value, key };
            if (!Built) Build(inputs.Select(ShapeUtils.Of).ToArray());
            foreach (var input in inputs) CheckInputDevice(input);
            return Attend(query, value, key, attentionMask, returnAttentionScores, training, useCausalMask, queryMask, valueMask, keyMask);
        }

        private LayerOutput Attend(Tensor query, Tensor value, Tensor? key, Tensor? attentionMask, bool returnScores, bool training, bool causal,
            Tensor? queryMask, Tensor? valueMask, Tensor? keyMask)
        {
            var shapes = new List<int?[]> { ShapeUtils.Of(query), ShapeUtils.Of(value) };
            if (key is not null) shapes.Add(ShapeUtils.Of(key));
            ValidateShapes(shapes);
            CheckBuiltDims(shapes);
            key ??= value;
            // Rank 3 has one possible attention axis, the time axis: the fused kernel's case.
            if (query.dim() != 3) return AttendEinsum(query, value, key, attentionMask, returnScores, training, causal, queryMask, valueMask, keyMask);
            long t = query.shape[1], s = value.shape[1];
            // Keras 3's _compute_attention_mask: [B,T,1] & [B,1,S] & [B,1,S] & causal [1,T,S] & attention_mask [B,T,S].
            Tensor? mask = null;
            void And(Tensor m) => mask = mask is null ? m : mask.logical_and(m);
            if (queryMask is not null) And(queryMask.to_type(ScalarType.Bool).unsqueeze(-1));
            if (valueMask is not null) And(valueMask.to_type(ScalarType.Bool).unsqueeze(-2));
            if (keyMask is not null) And(keyMask.to_type(ScalarType.Bool).unsqueeze(-2));
            bool causalOnly = causal && mask is null && attentionMask is null;
            if (causal && !causalOnly) And(ones(t, s, dtype: ScalarType.Bool, device: query.device).tril().unsqueeze(0));
            if (attentionMask is not null)
            {
                if (attentionMask.dim() != 3 || attentionMask.shape[1] != t || attentionMask.shape[2] != s)
                    throw new ShapeMismatchException(
                        $"MultiHeadAttention layer \"{Name}\": `attention_mask` should have shape (batch_size, {t}, {s}). Received: attention_mask.shape={ShapeUtils.Format(attentionMask.shape)}");
                And(attentionMask.to_type(ScalarType.Bool));
            }
            // Projections (EinsumDense "abc,cde->abde"): (B, T, heads, dim).
            var q = Project(query, "query");
            var k = Project(key, "key");
            var v = Project(value, "value");
            // Heads first: (B, heads, T, dim).
            q = q.transpose(1, 2);
            k = k.transpose(1, 2);
            v = v.transpose(1, 2);
            var headMask = mask?.unsqueeze(1);
            Tensor attended;
            Tensor? weights = null;
            bool dropping = training && Dropout > 0;
            if (!returnScores && !dropping)
            {
                // Fused kernel; an additive -1e9 mask rather than a boolean one, so a fully masked row stays finite.
                var bias = headMask is null ? null : where(headMask, zeros(1, dtype: q.dtype, device: q.device), full(1, -1e9, dtype: q.dtype, device: q.device));
                attended = nn.functional.scaled_dot_product_attention(q, k, v, bias, 0.0, causalOnly);
                LastPath = AttentionPath.Fused;
                // Keras 3's softmax zeroes a fully masked row's weights, so its attention is zero.
                if (headMask is not null) attended = attended * headMask.any(-1, keepdim: true).to_type(attended.dtype);
            }
            else
            {
                var scores = matmul(q * (1.0 / Math.Sqrt(KeyDim)), k.transpose(-2, -1));
                if (causalOnly) headMask = ones(t, s, dtype: ScalarType.Bool, device: query.device).tril();
                if (headMask is not null) scores = where(headMask, scores, full(1, -1e9, dtype: scores.dtype, device: scores.device));
                weights = scores.softmax(-1);
                if (headMask is not null) weights = where(headMask, weights, zeros(1, dtype: weights.dtype, device: weights.device));
                attended = matmul(dropping ? DropWeights(weights) : weights, v);
                LastPath = AttentionPath.Plain;
            }
            // Back to (B, T, heads, value_dim), then "abcd,cde->abe".
            attended = attended.transpose(1, 2);
            var kernel = Autocast(get_parameter("attention_output_kernel")!);
            var output = tensordot(attended, kernel, new long[] { 2, 3 }, new long[] { 0, 1 });
            if (UseBias) output = output + Autocast(get_parameter("attention_output_bias")!);
            if (ProjectionActivityRegularizer is { } activity) AddActivityLoss(activity, output);
            return returnScores ? new LayerOutput(output, weights!) : new LayerOutput(output);
        }

        // Keras's Dropout on the attention weights, seeded by `seed` when given.
        private Tensor DropWeights(Tensor weights)
        {
            if (Seed is int seed && generator is null) generator = new Generator((ulong)seed, weights.device);
            using var keep = bernoulli(full(weights.shape, 1.0 - Dropout, dtype: weights.dtype, device: weights.device), generator);
            return weights * keep / (1.0 - Dropout);
        }

        /// <summary>Keras's general path (<c>_compute_attention</c> without the fused kernel) for inputs of rank above 3:
        /// the masks as <c>_compute_attention_mask</c> and <c>_masked_softmax</c> build them, the scores and the
        /// combination by Keras's einsum equations, a softmax over the key attention axes jointly.</summary>
        private LayerOutput AttendEinsum(Tensor query, Tensor value, Tensor key, Tensor? attentionMask, bool returnScores, bool training, bool causal,
            Tensor? queryMask, Tensor? valueMask, Tensor? keyMask)
        {
            var axes = ResolveAxes((int)query.dim());
            // Keras writes its masks for (B, T, dim) inputs and applies them unchanged: query [B, T.., 1], value and
            // key [B, .., 1, S], causal [1, T1, S1], the attention mask ANDed in last.
            Tensor? mask = null;
            void And(Tensor m) => mask = mask is null ? m : BroadcastAnd(mask, m);
            if (queryMask is not null) And(queryMask.to_type(ScalarType.Bool).unsqueeze(-1));
            if (valueMask is not null) And(valueMask.to_type(ScalarType.Bool).unsqueeze(-2));
            if (keyMask is not null) And(keyMask.to_type(ScalarType.Bool).unsqueeze(-2));
            if (causal) And(ones(query.shape[1], value.shape[1], dtype: ScalarType.Bool, device: query.device).tril().unsqueeze(0));
            if (attentionMask is not null)
            {
                var given = attentionMask.to_type(ScalarType.Bool);
                mask = mask is null ? given : BroadcastAnd(given, mask);
            }
            int rank = (int)query.dim() + 1;
            var (dotEquation, combineEquation) = AttentionEquations(rank, axes);
            var q = Project(query, "query") * (1.0 / Math.Sqrt(KeyDim));
            var k = Project(key, "key");
            var v = Project(value, "value");
            var scores = einsum(dotEquation, k, q);
            if (mask is not null)
            {
                // Keras's _masked_softmax: the mask gains axes just before the attention axes (heads, other inner axes).
                ExpandMask(ShapeUtils.Of(mask), ShapeUtils.Of(scores), axes.Length, "mask");
                while (mask.dim() < scores.dim()) mask = mask.unsqueeze(-2 * axes.Length - 1);
                CheckMaskFitsScores(ShapeUtils.Of(mask), ShapeUtils.Of(scores), "mask");
                scores = where(mask, scores, full(1, -1e9, dtype: scores.dtype, device: scores.device));
            }
            // Softmax over the key attention axes jointly (Keras's Softmax(axis=norm_axes)).
            int start = (int)scores.dim() - axes.Length;
            var weights = scores.flatten(start).softmax(-1).reshape(scores.shape);
            if (mask is not null) weights = where(mask, weights, zeros(1, dtype: weights.dtype, device: weights.device));
            bool dropping = training && Dropout > 0;
            var attended = einsum(combineEquation, dropping ? DropWeights(weights) : weights, v);
            LastPath = AttentionPath.Einsum;
            // (B, T.., heads, value_dim) -> (B, T.., outputShape).
            var output = tensordot(attended, Autocast(get_parameter("attention_output_kernel")!), new long[] { rank - 2, rank - 1 }, new long[] { 0, 1 });
            if (UseBias) output = output + Autocast(get_parameter("attention_output_bias")!);
            if (ProjectionActivityRegularizer is { } activity) AddActivityLoss(activity, output);
            return returnScores ? new LayerOutput(output, weights) : new LayerOutput(output);
        }

        /// <summary>Keras's <c>_build_attention_equation</c> for projected tensors of <paramref name="rank"/>
        /// <c>(B, inner.., heads, channels)</c>: the query-key product <c>source,target-&gt;product</c> and the combination
        /// <c>product,source-&gt;target</c>, the product laid out as (batch-like axes with heads, query attention axes,
        /// key attention axes).</summary>
        internal static (string Dot, string Combine) AttentionEquations(int rank, IReadOnlyList<int> axes)
        {
            static char Letter(int i) => (char)('a' + i);
            var target = Enumerable.Range(0, rank).Select(Letter).ToArray();
            var batchDims = Enumerable.Range(0, rank - 1).Where(i => !axes.Contains(i)).ToArray();
            var source = new char[rank];
            int next = rank;
            for (int i = 0; i < rank; i++) source[i] = batchDims.Contains(i) || i == rank - 1 ? target[i] : Letter(next++);
            var product = new string(batchDims.Select(i => target[i]).Concat(axes.Select(i => target[i])).Concat(axes.Select(i => source[i])).ToArray());
            string src = new(source), tgt = new(target);
            return ($"{src},{tgt}->{product}", $"{product},{src}->{tgt}");
        }

        // Masks are ANDed with broadcasting, as Keras's `&`; shapes that do not broadcast fail with a shape error.
        private Tensor BroadcastAnd(Tensor a, Tensor b)
        {
            long[] x = a.shape, y = b.shape;
            for (int i = 1; i <= Math.Min(x.Length, y.Length); i++)
            {
                long m = x[^i], n = y[^i];
                if (m != n && m != 1 && n != 1)
                    throw new ShapeMismatchException(
                        $"MultiHeadAttention layer \"{Name}\": the masks do not broadcast together (Keras combines them as for (batch, T, dim) inputs). " +
                        $"Received shapes {ShapeUtils.Format(x)} and {ShapeUtils.Format(y)}");
            }
            return a.logical_and(b);
        }

        // Keras's _masked_softmax expansion of a mask's shape: axes of size 1 inserted before the attention axes.
        private static int?[] ExpandMask(int?[] mask, int?[] scores, int axisCount, string what)
        {
            if (mask.Length < 2 * axisCount)
                throw new ShapeMismatchException(
                    $"The {what} must have the query and key attention axes last. Received: attention scores shape={ShapeUtils.Format(scores)}, {what}.shape={ShapeUtils.Format(mask)}");
            var expanded = mask.ToList();
            while (expanded.Count < scores.Length) expanded.Insert(expanded.Count - 2 * axisCount, 1);
            return expanded.ToArray();
        }

        // Keras 3's Softmax check of its mask.
        private static void CheckMaskFitsScores(int?[] mask, int?[] scores, string what)
        {
            bool fits = mask.Length <= scores.Length
                && mask.Reverse().Zip(scores.Reverse(), (m, s) => m is null || s is null || m == 1 || m == s).All(x => x);
            if (!fits)
                throw new ShapeMismatchException(
                    mask.Length > scores.Length
                        ? $"The `mask` must be broadcastable to `inputs` and must not have more dimensions. Received: inputs.shape={ShapeUtils.Format(scores)}, {what}.shape={ShapeUtils.Format(mask)}"
                        : $"The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or match the corresponding input dimension. Received: inputs.shape={ShapeUtils.Format(scores)}, {what}.shape={ShapeUtils.Format(mask)}");
        }

        private Tensor Project(Tensor x, string part)
        {
            // EinsumDense "ab..c,cde->ab..de": the kernel's layout does not depend on the rank.
            var y = tensordot(x, Autocast(get_parameter(part + "_kernel")!), new long[] { x.dim() - 1 }, new long[] { 0 });
            if (UseBias) y = y + Autocast(get_parameter(part + "_bias")!);
            if (ProjectionActivityRegularizer is { } activity) AddActivityLoss(activity, y);
            return y;
        }

        /// <summary>One shape instead of a list: the layer needs a query and a value.</summary>
        public override int?[] ComputeOutputShape(int?[] inputShape) => throw NotAList($"input_shape={ShapeUtils.Format(inputShape)}");

        /// <summary>The output shape, as Keras's <c>compute_output_shape</c>: the query's shape, its last axis replaced
        /// by <c>outputShape</c> when given.</summary>
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            ValidateShapes(inputShapes);
            var query = inputShapes[0];
            return new[] { outputShape is null ? (int?[])query.Clone() : query[..^1].Concat(outputShape.Select(d => (int?)d)).ToArray() };
        }

        /// <summary>One tensor: no mask, or Keras's error for a mask.</summary>
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => mask is null ? null : throw NotAList($"inputs=Tensor(shape={ShapeUtils.Format(inputs.shape)})");

        /// <summary>The output mask: the query's (Keras 3 sets it on the output).</summary>
        public override Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
            => masks is { Count: > 0 } && masks[0] is { } queryMask ? queryMask : null;

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            long q = QueryShape[^1]!.Value, v = ValueShape[^1]!.Value, k = KeyShape[^1]!.Value;
            var list = new List<WeightInfo>();
            void Add(long[] kernel, long[] bias)
            {
                list.Add(new WeightInfo("kernel", kernel, true));
                if (UseBias) list.Add(new WeightInfo("bias", bias, true));
            }
            Add(new[] { q, NumHeads, KeyDim }, new long[] { NumHeads, KeyDim });
            Add(new[] { k, NumHeads, KeyDim }, new long[] { NumHeads, KeyDim });
            Add(new[] { v, NumHeads, ValueDim }, new long[] { NumHeads, ValueDim });
            Add(new long[] { NumHeads, ValueDim }.Concat(OutShape).ToArray(), OutShape);
            return list;
        }

        private IEnumerable<string> ParameterNames
            => Parts.SelectMany(p => UseBias ? new[] { p + "_kernel", p + "_bias" } : new[] { p + "_kernel" });

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => ParameterNames.Select(n => (Tensor)get_parameter(n)!).ToArray();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int i = 0;
            foreach (var name in ParameterNames) get_parameter(name)!.copy_(weights[i++]);
        }

        /// <summary>
        /// The config with tf-keras's keys: the arguments, <c>null</c> regularizers and constraints, and the shapes the
        /// layer was built for (<c>query_shape</c>, <c>key_shape</c>, <c>value_shape</c>, null before it is built), from
        /// which <see cref="FromConfig"/> builds it, as tf-keras's <c>from_config</c>.
        /// </summary>
        public override Dictionary<string, object?> GetConfig()
        {
            var config = ArgumentsConfig(base.GetConfig());
            config["query_shape"] = Built ? QueryShape.ToArray() : null;
            config["key_shape"] = Built ? KeyShape.ToArray() : null;
            config["value_shape"] = Built ? ValueShape.ToArray() : null;
            config["softmax_robust_masking"] = false;
            return config;
        }

        /// <summary>Keras 3's config: the arguments and <c>seed</c>, without tf-keras's shapes and
        /// <c>softmax_robust_masking</c> (Keras 3 refuses them); Keras 3's newer <c>use_gate</c> and
        /// <c>sliding_window</c> are left at their defaults and not written, so older Keras 3 releases read the config.</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            // The base is GetConfig without batch_input_shape, so tf-keras's extra keys come off here.
            var config = base.GetKeras3Config();
            foreach (var key in new[] { "query_shape", "key_shape", "value_shape", "softmax_robust_masking" }) config.Remove(key);
            config["seed"] = Seed;
            return config;
        }

        /// <summary>Keras 3's <c>build(query_shape, value_shape, key_shape=None)</c> records its named shapes:
        /// <c>{"shapes_dict": {"query_shape": ..., "value_shape": ...}}</c>, with <c>key_shape</c> when a key of another shape than the value was given.</summary>
        public override Dictionary<string, object?>? GetBuildConfig()
        {
            if (!Built) return null;
            var shapes = new Dictionary<string, object?> { ["query_shape"] = QueryShape.ToArray(), ["value_shape"] = ValueShape.ToArray() };
            // A layer rebuilt from tf-keras's config records a key shape even when no key was given: write it only
            // when a key of its own shape was given, so the same model writes the same build_config.
            if (BuiltInputShapes!.Count > 2 && !KeyShape.SequenceEqual(ValueShape)) shapes["key_shape"] = KeyShape.ToArray();
            return new() { ["shapes_dict"] = shapes };
        }

        private Dictionary<string, object?> ArgumentsConfig(Dictionary<string, object?> config)
        {
            config["num_heads"] = NumHeads;
            config["key_dim"] = KeyDim;
            config["value_dim"] = ValueDim;
            config["dropout"] = Dropout;
            config["use_bias"] = UseBias;
            config["output_shape"] = outputShape?.ToArray();
            config["attention_axes"] = AttentionAxes?.ToArray();
            config["kernel_initializer"] = KernelInitializer.Serialize();
            config["bias_initializer"] = BiasInitializer.Serialize();
            config["kernel_regularizer"] = KernelRegularizer?.Serialize();
            config["bias_regularizer"] = BiasRegularizer?.Serialize();
            config["activity_regularizer"] = ProjectionActivityRegularizer?.Serialize();
            config["kernel_constraint"] = KernelConstraint?.Serialize();
            config["bias_constraint"] = BiasConstraint?.Serialize();
            return config;
        }

        /// <summary>Creates the layer from its config, as tf-keras's <c>from_config</c>: built for
        /// <c>query_shape</c>/<c>value_shape</c>/<c>key_shape</c> when the config has all three.</summary>
        public static MultiHeadAttention FromConfig(Saving.LayerConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            var layer = FromConfig<MultiHeadAttention>(config);
            int?[]? q = config.GetShape("query_shape"), k = config.GetShape("key_shape"), v = config.GetShape("value_shape");
            if (q is not null && k is not null && v is not null) layer.Build(new[] { q, v, k });
            return layer;
        }

        private ArgumentException NotAList(string received)
            => new($"MultiHeadAttention layer \"{Name}\" must be called on a query and a value, [query, value] or [query, value, key]. Received: {received}.");

        private void ValidateShapes(IReadOnlyList<int?[]> shapes)
        {
            if (shapes.Count < 2 || shapes.Count > 3)
                throw new ArgumentException(
                    $"MultiHeadAttention layer \"{Name}\" must be called on a query and a value, [query, value] or [query, value, key]. Received {shapes.Count} inputs.", "inputs");
            int?[] query = shapes[0], value = shapes[1], key = shapes.Count > 2 ? shapes[2] : value;
            if (!value.Skip(1).Take(value.Length - 2).SequenceEqual(key.Skip(1).Take(key.Length - 2)))
                throw new ShapeMismatchException(
                    $"All dimensions of `value` and `key`, except the last one, must be equal. Received: value_shape={ShapeUtils.Format(value)} and key_shape={ShapeUtils.Format(key)}");
            // Keras's einsum equations are built for one rank (the value's) and need an inner axis to attend over.
            if (query.Length < 3 || value.Length != query.Length || key.Length != query.Length)
                throw new ShapeMismatchException(
                    $"MultiHeadAttention layer \"{Name}\": `query`, `value` and `key` must have the same rank, at least 3 (batch_size, <inner dims>, features). " +
                    $"Received: query_shape={ShapeUtils.Format(query)}, value_shape={ShapeUtils.Format(value)}, key_shape={ShapeUtils.Format(key)}");
            // The inner axes attention does not run over are batch-like: the query's and the value's must agree.
            var axes = ResolveAxes(query.Length);
            if (Enumerable.Range(1, query.Length - 2).Any(i => !axes.Contains(i) && query[i] is int a && value[i] is int b && a != b))
                throw new ShapeMismatchException(
                    $"MultiHeadAttention layer \"{Name}\": the axes outside attention_axes=({string.Join(", ", axes)}) must be equal in `query` and `value`. " +
                    $"Received: query_shape={ShapeUtils.Format(query)}, value_shape={ShapeUtils.Format(value)}");
            if (query[^1] is null || value[^1] is null || key[^1] is null)
                throw new ShapeMismatchException(
                    $"MultiHeadAttention layer \"{Name}\": the last axis of `query`, `value` and `key` must be known. " +
                    $"Received: query_shape={ShapeUtils.Format(query)}, value_shape={ShapeUtils.Format(value)}, key_shape={ShapeUtils.Format(key)}");
        }

        // Once built, the feature sizes are the kernels'.
        private void CheckBuiltDims(IReadOnlyList<int?[]> shapes)
        {
            int?[] query = shapes[0], value = shapes[1], key = shapes.Count > 2 ? shapes[2] : value;
            if (query.Length != QueryShape.Length || query[^1] != QueryShape[^1] || value[^1] != ValueShape[^1] || key[^1] != KeyShape[^1])
                throw new ShapeMismatchException(
                    $"MultiHeadAttention layer \"{Name}\" was built for query_shape={ShapeUtils.Format(QueryShape)}, value_shape={ShapeUtils.Format(ValueShape)}, " +
                    $"key_shape={ShapeUtils.Format(KeyShape)}; received query_shape={ShapeUtils.Format(query)}, value_shape={ShapeUtils.Format(value)}, key_shape={ShapeUtils.Format(key)}");
        }
    }
}
