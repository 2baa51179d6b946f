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
    /// Keras's <c>LayerNormalization</c> (tf-keras): each sample is normalized over <c>axis</c> with its own mean and
    /// biased variance, <c>gamma * (x - mean) / sqrt(var + epsilon) + beta</c>. Weights: <c>gamma</c>, then <c>beta</c>,
    /// each of the normalized axes' sizes (in the order of <c>axis</c>). Masks pass through unchanged.
    /// </summary>
    public class LayerNormalization : Layer
    {
        private readonly int[] axisArgument;
        private readonly bool axisGivenAsInt;
        private int[]? axes;

        /// <summary>Creates the layer normalizing over several axes, with Keras's arguments and defaults.</summary>
        /// <param name="axis">The axes to normalize over (negative ones count from the end).</param>
        /// <param name="epsilon">Small float added to the variance.</param>
        /// <param name="center">Whether there is the offset <c>beta</c>.</param>
        /// <param name="scale">Whether there is the scale <c>gamma</c>.</param>
        /// <param name="betaInitializer">Initializer of <c>beta</c>; null is <c>zeros</c>.</param>
        /// <param name="gammaInitializer">Initializer of <c>gamma</c>; null is <c>ones</c>.</param>
        /// <param name="betaRegularizer">Penalty on <c>beta</c>, or null.</param>
        /// <param name="gammaRegularizer">Penalty on <c>gamma</c>, or null.</param>
        /// <param name="betaConstraint">Constraint on <c>beta</c>, or null.</param>
        /// <param name="gammaConstraint">Constraint on <c>gamma</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>layer_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public LayerNormalization(
            int[] axis, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : this(axis, false, epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
        }

        /// <summary>Creates the layer normalizing over one axis, with Keras's arguments and defaults.</summary>
        /// <param name="axis">The axis to normalize over; -1 (Keras's default) is the last.</param>
        /// <param name="epsilon">Small float added to the variance.</param>
        /// <param name="center">Whether there is the offset <c>beta</c>.</param>
        /// <param name="scale">Whether there is the scale <c>gamma</c>.</param>
        /// <param name="betaInitializer">Initializer of <c>beta</c>; null is <c>zeros</c>.</param>
        /// <param name="gammaInitializer">Initializer of <c>gamma</c>; null is <c>ones</c>.</param>
        /// <param name="betaRegularizer">Penalty on <c>beta</c>, or null.</param>
        /// <param name="gammaRegularizer">Penalty on <c>gamma</c>, or null.</param>
        /// <param name="betaConstraint">Constraint on <c>beta</c>, or null.</param>
        /// <param name="gammaConstraint">Constraint on <c>gamma</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>layer_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public LayerNormalization(
            int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : this(new[] { axis }, true, epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
        }

        private LayerNormalization(
            int[] axis, bool axisGivenAsInt, double epsilon, bool center, bool scale,
            Initializer? betaInitializer, Initializer? gammaInitializer,
            Regularizer? betaRegularizer, Regularizer? gammaRegularizer, Constraint? betaConstraint, Constraint? gammaConstraint,
            int?[]? inputShape, int?[]? batchInputShape, int? batchSize, string? name, bool trainable)
            : base(name, inputShape, batchInputShape, batchSize, trainable)
        {
            ArgumentNullException.ThrowIfNull(axis);
            axisArgument = axis.ToArray();
            this.axisGivenAsInt = axisGivenAsInt;
            Epsilon = epsilon;
            Center = center;
            Scale = scale;
            BetaInitializer = betaInitializer ?? "zeros";
            GammaInitializer = gammaInitializer ?? "ones";
            BetaRegularizer = betaRegularizer;
            GammaRegularizer = gammaRegularizer;
            BetaConstraint = betaConstraint;
            GammaConstraint = gammaConstraint;
        }

        /// <summary>The normalized axes: non-negative once built, else as given.</summary>
        public IReadOnlyList<int> Axis => axes ?? axisArgument;
        /// <summary>Small float added to the variance.</summary>
        public double Epsilon { get; }
        /// <summary>Whether there is the offset <c>beta</c>.</summary>
        public bool Center { get; }
        /// <summary>Whether there is the scale <c>gamma</c>.</summary>
        public bool Scale { get; }
        /// <summary>Initializer of <c>beta</c>.</summary>
        public Initializer BetaInitializer { get; }
        /// <summary>Initializer of <c>gamma</c>.</summary>
        public Initializer GammaInitializer { get; }

        /// <summary>Penalty on <c>beta</c>, or null.</summary>
        public Regularizer? BetaRegularizer { get; }
        /// <summary>Penalty on <c>gamma</c>, or null.</summary>
        public Regularizer? GammaRegularizer { get; }
        /// <summary>Constraint on <c>beta</c>, or null.</summary>
        public Constraint? BetaConstraint { get; }
        /// <summary>Constraint on <c>gamma</c>, or null.</summary>
        public Constraint? GammaConstraint { get; }

        /// <inheritdoc />
        protected override Regularizer? GetWeightRegularizer(string weightName)
            => weightName switch { "beta" => BetaRegularizer, "gamma" => GammaRegularizer, _ => null };

        /// <inheritdoc />
        protected override Constraint? GetWeightConstraint(string weightName)
            => weightName switch { "beta" => BetaConstraint, "gamma" => GammaConstraint, _ => null };

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        private long[] ParamShape => axes!.Select(a => (long)BuiltInputShape![a]!.Value).ToArray();

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            var resolved = NormalizationParts.Validate(axisArgument, inputShape.Length);
            if (resolved.Any(a => inputShape[a] is null))
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\": the normalized axes {NormalizationParts.Tuple(resolved)} need defined sizes. Received input_shape={Utils.ShapeUtils.Format(inputShape)}");
            axes = resolved;
            var shape = resolved.Select(a => (long)inputShape[a]!.Value).ToArray();
            NormalizationParts.RegisterScaleAndOffset(this, Scale, Center, GammaInitializer, BetaInitializer, shape);
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(InFloat32(inputs, Normalize));

        private Tensor Normalize(Tensor inputs)
        {
            long[] dims = axes!.Select(a => (long)a).ToArray();
            var mean = inputs.mean(dims, keepdim: true);
            var centered = inputs - mean;
            var variance = centered.square().mean(dims, keepdim: true);
            var outputs = centered * (variance + Epsilon).rsqrt();
            return NormalizationParts.ScaleAndOffset(this, Scale, Center, outputs, NormalizationParts.BroadcastShape(axes!, inputs));
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => NormalizationParts.ScaleAndOffsetWeights(Scale, Center, ParamShape).ToList();

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => NormalizationParts.ScaleAndOffsetTensors(this, Scale, Center).ToList();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights) => NormalizationParts.WriteScaleAndOffset(this, Scale, Center, weights);

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["axis"] = NormalizationParts.ConfigValue(axes, axisArgument, axisGivenAsInt);
            config["epsilon"] = Epsilon;
            config["center"] = Center;
            config["scale"] = Scale;
            config["beta_initializer"] = BetaInitializer.Serialize();
            config["gamma_initializer"] = GammaInitializer.Serialize();
            config["beta_regularizer"] = BetaRegularizer?.Serialize();
            config["gamma_regularizer"] = GammaRegularizer?.Serialize();
            config["beta_constraint"] = BetaConstraint?.Serialize();
            config["gamma_constraint"] = GammaConstraint?.Serialize();
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>);
        /// <c>axis</c> may be an integer or a list.</summary>
        public static LayerNormalization FromConfig(Saving.LayerConfig config) => FromConfig<LayerNormalization>(config);
    }
}
