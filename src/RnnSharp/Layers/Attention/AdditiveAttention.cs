using System;
using System.Collections.Generic;
using RnnSharp.Initializers;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>AdditiveAttention</c>: additive (Bahdanau-style) attention, see <see cref="BaseDenseAttention"/> for
    /// the inputs, masks and call arguments. Scores: <c>Σ scale · tanh(query + key)</c> over the feature axis
    /// (without <c>useScale</c>, <c>Σ tanh(query + key)</c>). Weight: with <c>useScale</c>, <c>scale</c> of shape
    /// <c>(dim)</c>, initialized <c>glorot_uniform</c> as in Keras.
    /// </summary>
    public class AdditiveAttention : BaseDenseAttention
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="useScale">Whether a trained vector scales the scores' terms.</param>
        /// <param name="dropout">Fraction of the attention weights dropped in training.</param>
        /// <param name="seed">Seed of the dropout (Keras 3); null uses the global generator.</param>
        /// <param name="name">Layer name; null gives <c>additive_attention</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public AdditiveAttention(bool useScale = true, double dropout = 0.0, int? seed = null, string? name = null, bool trainable = true)
            : base(dropout, seed, name, trainable)
        {
            UseScale = useScale;
        }

        /// <summary>Whether a trained vector scales the scores' terms.</summary>
        public bool UseScale { get; }

        /// <inheritdoc />
        protected override void BuildWeights(int?[] queryShape, int?[] valueShape, int?[] keyShape)
        {
            if (!UseScale) return;
            if (queryShape[^1] is not int dim)
                throw new ShapeMismatchException($"AdditiveAttention layer \"{Name}\": the last axis of `query` must be known to create `scale`. Received: query_shape={Utils.ShapeUtils.Format(queryShape)}");
            register_parameter("scale", new TorchSharp.Modules.Parameter(((Initializer)"glorot_uniform").Generate(dim)));
        }

        /// <inheritdoc />
        protected override Tensor CalculateScores(Tensor query, Tensor key)
        {
            // (batch, Tq, 1, dim) + (batch, 1, Tv, dim), summed over dim.
            var terms = (query.unsqueeze(-2) + key.unsqueeze(-3)).tanh();
            return (UseScale ? Autocast(get_parameter("scale")!) * terms : terms).sum(-1);
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
            => UseScale ? new[] { new WeightInfo("scale", new long[] { BuiltInputShapes![0][^1]!.Value }, true) } : Array.Empty<WeightInfo>();

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => UseScale ? new[] { get_parameter("scale")! } : Array.Empty<Tensor>();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            if (UseScale) get_parameter("scale")!.copy_(weights[0]);
        }

        /// <summary>The config with tf-keras's keys: <c>dropout</c>, <c>use_scale</c>.</summary>
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["use_scale"] = UseScale;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static AdditiveAttention FromConfig(Saving.LayerConfig config) => FromConfig<AdditiveAttention>(config);
    }
}
