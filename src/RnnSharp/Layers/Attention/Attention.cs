using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Attention</c>: dot-product (Luong-style) attention, see <see cref="BaseDenseAttention"/> for the
    /// inputs, masks and call arguments. Scores: <c>scoreMode "dot"</c> is <c>query · keyᵀ</c> (times the scalar
    /// <c>scale</c> with <c>useScale</c>); <c>"concat"</c> is <c>concat_score_weight · Σ tanh(scale · (query + key))</c>
    /// over the feature axis. Weights: with <c>useScale</c> a scalar <c>scale</c> (initialized to 1), with
    /// <c>scoreMode "concat"</c> a scalar <c>concat_score_weight</c> (initialized to 1), in that order.
    /// </summary>
    public class Attention : BaseDenseAttention
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="useScale">Whether a trained scalar scales the scores.</param>
        /// <param name="scoreMode"><c>"dot"</c> or <c>"concat"</c>.</param>
        /// <param name="dropout">Fraction of the attention weights dropped in training.</param>
        /// <param name="seed">Seed of the dropout (Keras 3); null uses the global generator.</param>
        /// <param name="name">Layer name; null gives <c>attention</c>, <c>attention_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public Attention(bool useScale = false, string scoreMode = "dot", double dropout = 0.0, int? seed = null, string? name = null, bool trainable = true)
            : base(dropout, seed, name, trainable)
        {
            if (scoreMode is not ("dot" or "concat"))
                throw new ArgumentException(
                    $"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={scoreMode}", nameof(scoreMode));
            UseScale = useScale;
            ScoreMode = scoreMode;
        }

        /// <summary>Whether a trained scalar scales the scores.</summary>
        public bool UseScale { get; }

        /// <summary><c>"dot"</c> or <c>"concat"</c>.</summary>
        public string ScoreMode { get; }

        /// <inheritdoc />
        protected override void BuildWeights(int?[] queryShape, int?[] valueShape, int?[] keyShape)
        {
            if (UseScale) register_parameter("scale", new TorchSharp.Modules.Parameter(ones(Array.Empty<long>())));
            if (ScoreMode == "concat") register_parameter("concat_score_weight", new TorchSharp.Modules.Parameter(ones(Array.Empty<long>())));
        }

        /// <inheritdoc />
        protected override Tensor CalculateScores(Tensor query, Tensor key)
        {
            var scale = UseScale ? Autocast(get_parameter("scale")!) : null;
            if (ScoreMode == "dot")
            {
                var scores = matmul(query, key.transpose(-2, -1));
                return scale is null ? scores : scores * scale;
            }
            // (batch, Tq, 1, dim) + (batch, 1, Tv, dim), summed over dim.
            var sum = query.unsqueeze(-2) + key.unsqueeze(-3);
            if (scale is not null) sum = scale * sum;
            return Autocast(get_parameter("concat_score_weight")!) * sum.tanh().sum(-1);
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            var list = new List<WeightInfo>();
            if (UseScale) list.Add(new WeightInfo("scale", Array.Empty<long>(), true));
            if (ScoreMode == "concat") list.Add(new WeightInfo("concat_score_weight", Array.Empty<long>(), true));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = new List<Tensor>();
            if (UseScale) list.Add(get_parameter("scale")!);
            if (ScoreMode == "concat") list.Add(get_parameter("concat_score_weight")!);
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int i = 0;
            if (UseScale) get_parameter("scale")!.copy_(weights[i++]);
            if (ScoreMode == "concat") get_parameter("concat_score_weight")!.copy_(weights[i]);
        }

        /// <summary>The config with tf-keras's keys: <c>dropout</c>, <c>use_scale</c>, <c>score_mode</c>.</summary>
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["use_scale"] = UseScale;
            config["score_mode"] = ScoreMode;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>.</summary>
        public static Attention FromConfig(Saving.LayerConfig config) => FromConfig<Attention>(config);
    }
}
