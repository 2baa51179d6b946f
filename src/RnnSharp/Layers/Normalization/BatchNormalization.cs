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
    /// Keras's <c>BatchNormalization</c> (tf-keras). In training mode it normalizes with the batch's mean and biased
    /// variance over every axis but <c>axis</c> and updates the moving statistics as
    /// <c>moving = moving * momentum + batch * (1 - momentum)</c>; in inference mode (and whenever the layer is not
    /// trainable, as Keras 2) it uses the moving statistics. Weights: <c>gamma</c>, <c>beta</c> (trainable),
    /// <c>moving_mean</c>, <c>moving_variance</c> (non-trainable, never given gradients).
    /// </summary>
    /// <remarks>
    /// As tf-keras: for a 4D or 5D input normalized on its channel axis (1 or last) Keras runs its fused kernel, which
    /// ignores masks and updates the moving variance with the unbiased (Bessel-corrected) batch variance; otherwise a
    /// <c>(batch, timesteps)</c> mask weights the batch statistics (masked steps do not count) and the moving variance
    /// gets the biased batch variance. Masks pass through unchanged.
    /// </remarks>
    public class BatchNormalization : Layer
    {
        private readonly int[] axisArgument;
        private readonly bool axisGivenAsInt;
        private int[]? axes;
        private long[]? paramShape;
        private bool fused;

        /// <summary>Creates the layer normalizing over several axes, with Keras's arguments and defaults.</summary>
        /// <param name="axis">The feature axes, kept apart in the statistics (negative ones count from the end).</param>
        /// <param name="momentum">Momentum of the moving averages.</param>
        /// <param name="epsilon">Small float added to the variance.</param>
        /// <param name="center">Whether there is the offset <c>beta</c>.</param>
        /// <param name="scale">Whether there is the scale <c>gamma</c>.</param>
        /// <param name="betaInitializer">Initializer of <c>beta</c>; null is <c>zeros</c>.</param>
        /// <param name="gammaInitializer">Initializer of <c>gamma</c>; null is <c>ones</c>.</param>
        /// <param name="movingMeanInitializer">Initializer of <c>moving_mean</c>; null is <c>zeros</c>.</param>
        /// <param name="movingVarianceInitializer">Initializer of <c>moving_variance</c>; null is <c>ones</c>.</param>
        /// <param name="betaRegularizer">Penalty on <c>beta</c>, or null.</param>
        /// <param name="gammaRegularizer">Penalty on <c>gamma</c>, or null.</param>
        /// <param name="betaConstraint">Constraint on <c>beta</c>, or null.</param>
        /// <param name="gammaConstraint">Constraint on <c>gamma</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>batch_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained; a non-trainable layer runs in inference mode.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public BatchNormalization(
            int[] axis, double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
            Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : this(axis, false, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer, movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint,
                  inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
        }

        /// <summary>Creates the layer normalizing over one axis, with Keras's arguments and defaults.</summary>
        /// <param name="axis">The feature axis; -1 (Keras's default) is the last.</param>
        /// <param name="momentum">Momentum of the moving averages.</param>
        /// <param name="epsilon">Small float added to the variance.</param>
        /// <param name="center">Whether there is the offset <c>beta</c>.</param>
        /// <param name="scale">Whether there is the scale <c>gamma</c>.</param>
        /// <param name="betaInitializer">Initializer of <c>beta</c>; null is <c>zeros</c>.</param>
        /// <param name="gammaInitializer">Initializer of <c>gamma</c>; null is <c>ones</c>.</param>
        /// <param name="movingMeanInitializer">Initializer of <c>moving_mean</c>; null is <c>zeros</c>.</param>
        /// <param name="movingVarianceInitializer">Initializer of <c>moving_variance</c>; null is <c>ones</c>.</param>
        /// <param name="betaRegularizer">Penalty on <c>beta</c>, or null.</param>
        /// <param name="gammaRegularizer">Penalty on <c>gamma</c>, or null.</param>
        /// <param name="betaConstraint">Constraint on <c>beta</c>, or null.</param>
        /// <param name="gammaConstraint">Constraint on <c>gamma</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>batch_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained; a non-trainable layer runs in inference mode.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public BatchNormalization(
            int axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            Initializer? movingMeanInitializer = null, Initializer? movingVarianceInitializer = null,
            Regularizer? betaRegularizer = null, Regularizer? gammaRegularizer = null, Constraint? betaConstraint = null, Constraint? gammaConstraint = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : this(new[] { axis }, true, momentum, epsilon, center, scale, betaInitializer, gammaInitializer, movingMeanInitializer, movingVarianceInitializer, betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint,
                  inputShape, batchInputShape, batchSize, name, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
        }

        private BatchNormalization(
            int[] axis, bool axisGivenAsInt, double momentum, double epsilon, bool center, bool scale,
            Initializer? betaInitializer, Initializer? gammaInitializer,
            Initializer? movingMeanInitializer, Initializer? movingVarianceInitializer,
            Regularizer? betaRegularizer, Regularizer? gammaRegularizer, Constraint? betaConstraint, Constraint? gammaConstraint,
            int?[]? inputShape, int?[]? batchInputShape, int? batchSize, string? name, bool trainable)
            : base(name, inputShape, batchInputShape, batchSize, trainable)
        {
            ArgumentNullException.ThrowIfNull(axis);
            axisArgument = axis.ToArray();
            this.axisGivenAsInt = axisGivenAsInt;
            Momentum = momentum;
            Epsilon = epsilon;
            Center = center;
            Scale = scale;
            BetaInitializer = betaInitializer ?? "zeros";
            GammaInitializer = gammaInitializer ?? "ones";
            BetaRegularizer = betaRegularizer;
            GammaRegularizer = gammaRegularizer;
            BetaConstraint = betaConstraint;
            GammaConstraint = gammaConstraint;
            MovingMeanInitializer = movingMeanInitializer ?? "zeros";
            MovingVarianceInitializer = movingVarianceInitializer ?? "ones";
        }

        /// <summary>The feature axes: non-negative once built, else as given.</summary>
        public IReadOnlyList<int> Axis => axes ?? axisArgument;
        /// <summary>Momentum of the moving averages.</summary>
        public double Momentum { get; }
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
        /// <summary>Initializer of <c>moving_mean</c>.</summary>
        public Initializer MovingMeanInitializer { get; }
        /// <summary>Initializer of <c>moving_variance</c>.</summary>
        public Initializer MovingVarianceInitializer { get; }

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

        // Keras's _fused_can_be_used before build: one axis among -4, -3, -1, 1, 3, 4.
        private bool FusableAxisArgument => axisArgument.Length == 1 && axisArgument[0] is -4 or -3 or -1 or 1 or 3 or 4;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            int rank = inputShape.Length;
            var resolved = NormalizationParts.Validate(axisArgument, rank);
            if (resolved.Any(a => inputShape[a] is null))
                throw new ShapeMismatchException(
                    $"Input has undefined `axis` dimension. Received input with shape {Utils.ShapeUtils.Format(inputShape)} and axis={NormalizationParts.Tuple(resolved)}");
            bool useFused = FusableAxisArgument && rank is 4 or 5;
            if (useFused)
            {
                int a = resolved[0];
                if (!(a == 1 || a == rank - 1))
                {
                    if (rank == 4)
                        throw new ArgumentException(
                            $"Unsupported axis. The use of `fused=True` is only possible with `axis=1` or `axis=3` for 4D input tensors. Received: axis={NormalizationParts.Tuple(resolved)}");
                    useFused = false;
                }
            }
            axes = resolved;
            fused = useFused;
            paramShape = resolved.Length == 1
                ? new long[] { inputShape[resolved[0]]!.Value }
                : Enumerable.Range(0, rank).Select(i => resolved.Contains(i) ? (long)inputShape[i]!.Value : 1L).ToArray();
            InputSpec = new InputSpec(ndim: rank, axes: resolved.ToDictionary(a => a, a => inputShape[a]!.Value));
            NormalizationParts.RegisterScaleAndOffset(this, Scale, Center, GammaInitializer, BetaInitializer, paramShape);
            register_parameter("moving_mean", new TorchSharp.Modules.Parameter(MovingMeanInitializer.Generate(paramShape), requires_grad: false));
            register_parameter("moving_variance", new TorchSharp.Modules.Parameter(MovingVarianceInitializer.Generate(paramShape), requires_grad: false));
            // Held at their values by the optimizer and Trainable: only the training-mode update changes them.
            Freeze("moving_mean");
            Freeze("moving_variance");
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(InFloat32(inputs, x => Normalize(x, mask, training)));

        private Tensor Normalize(Tensor inputs, Tensor? mask, bool training)
        {
            int rank = (int)inputs.dim();
            var broadcast = NormalizationParts.BroadcastShape(axes!, inputs);
            var movingMean = get_parameter("moving_mean")!;
            var movingVariance = get_parameter("moving_variance")!;
            Tensor mean, variance;
            // Keras 2: a layer that is not trainable always runs in inference mode.
            if (training && Trainable)
            {
                long[] reduction = Enumerable.Range(0, rank).Where(i => !axes!.Contains(i)).Select(i => (long)i).ToArray();
                Tensor movingVarianceUpdate;
                if (mask is not null && !fused)
                {
                    // tf.nn.weighted_moments with the mask, expanded on the last axis, as frequency weights.
                    var weights = mask.to_type(inputs.dtype).unsqueeze(-1).expand_as(inputs);
                    var divisor = weights.sum(reduction, keepdim: true);
                    var safe = divisor.clamp_min(1e-30f);
                    mean = ((inputs * weights).sum(reduction, keepdim: true) / safe).where(divisor > 0, 0f);
                    variance = ((inputs - mean).square() * weights).sum(reduction, keepdim: true) / safe;
                    variance = variance.where(divisor > 0, 0f);
                    movingVarianceUpdate = variance;
                }
                else
                {
                    mean = inputs.mean(reduction, keepdim: true);
                    variance = (inputs - mean).square().mean(reduction, keepdim: true);
                    if (fused)
                    {
                        // The fused kernel hands back the unbiased batch variance for the moving average.
                        long count = inputs.numel() / Math.Max(1, paramShape!.Aggregate(1L, (x, y) => x * y));
                        movingVarianceUpdate = variance * (count / (double)Math.Max(1, count - 1));
                    }
                    else movingVarianceUpdate = variance;
                }
                using (no_grad())
                {
                    double decay = 1.0 - Momentum;
                    movingMean.sub_((movingMean - mean.detach().reshape(paramShape!)) * decay);
                    movingVariance.sub_((movingVariance - movingVarianceUpdate.detach().reshape(paramShape!)) * decay);
                }
            }
            else
            {
                mean = movingMean.reshape(broadcast);
                variance = movingVariance.reshape(broadcast);
            }
            var outputs = (inputs - mean) * (variance + Epsilon).rsqrt();
            return NormalizationParts.ScaleAndOffset(this, Scale, Center, outputs, broadcast);
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            var list = NormalizationParts.ScaleAndOffsetWeights(Scale, Center, paramShape!).ToList();
            list.Add(new WeightInfo("moving_mean", paramShape!, false));
            list.Add(new WeightInfo("moving_variance", paramShape!, false));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = NormalizationParts.ScaleAndOffsetTensors(this, Scale, Center).ToList();
            list.Add(get_parameter("moving_mean")!);
            list.Add(get_parameter("moving_variance")!);
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int i = NormalizationParts.WriteScaleAndOffset(this, Scale, Center, weights);
            get_parameter("moving_mean")!.copy_(weights[i++]);
            get_parameter("moving_variance")!.copy_(weights[i]);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["axis"] = NormalizationParts.ConfigValue(axes, axisArgument, axisGivenAsInt);
            config["momentum"] = Momentum;
            config["epsilon"] = Epsilon;
            config["center"] = Center;
            config["scale"] = Scale;
            config["beta_initializer"] = BetaInitializer.Serialize();
            config["gamma_initializer"] = GammaInitializer.Serialize();
            config["moving_mean_initializer"] = MovingMeanInitializer.Serialize();
            config["moving_variance_initializer"] = MovingVarianceInitializer.Serialize();
            config["beta_regularizer"] = BetaRegularizer?.Serialize();
            config["gamma_regularizer"] = GammaRegularizer?.Serialize();
            config["beta_constraint"] = BetaConstraint?.Serialize();
            config["gamma_constraint"] = GammaConstraint?.Serialize();
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>);
        /// <c>axis</c> may be an integer or a list.</summary>
        public static BatchNormalization FromConfig(Saving.LayerConfig config) => FromConfig<BatchNormalization>(config);
    }
}
