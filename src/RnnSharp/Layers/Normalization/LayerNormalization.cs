using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Initializers;
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
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>layer_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public LayerNormalization(
            int[] axis, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : this(axis, false, epsilon, center, scale, betaInitializer, gammaInitializer, inputShape, batchInputShape, batchSize, name, trainable)
        {
        }

        /// <summary>Creates the layer normalizing over one axis, with Keras's arguments and defaults.</summary>
        /// <param name="axis">The axis to normalize over; -1 (Keras's default) is the last.</param>
        /// <param name="epsilon">Small float added to the variance.</param>
        /// <param name="center">Whether there is the offset <c>beta</c>.</param>
        /// <param name="scale">Whether there is the scale <c>gamma</c>.</param>
        /// <param name="betaInitializer">Initializer of <c>beta</c>; null is <c>zeros</c>.</param>
        /// <param name="gammaInitializer">Initializer of <c>gamma</c>; null is <c>ones</c>.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>layer_normalization</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public LayerNormalization(
            int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
            Initializer? betaInitializer = null, Initializer? gammaInitializer = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true)
            : this(new[] { axis }, true, epsilon, center, scale, betaInitializer, gammaInitializer, inputShape, batchInputShape, batchSize, name, trainable)
        {
        }

        private LayerNormalization(
            int[] axis, bool axisGivenAsInt, double epsilon, bool center, bool scale,
            Initializer? betaInitializer, Initializer? gammaInitializer,
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

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        private long[] ParamShape => axes!.Select(a => (long)BuiltInputShape![a]!.Value).ToArray();

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            var resolved = NormalizationAxes.Validate(axisArgument, inputShape.Length);
            if (resolved.Any(a => inputShape[a] is null))
                throw new ShapeMismatchException(
                    $"Layer \"{Name}\": the normalized axes {NormalizationAxes.Tuple(resolved)} need defined sizes. Received input_shape={Utils.ShapeUtils.Format(inputShape)}");
            axes = resolved;
            var shape = resolved.Select(a => (long)inputShape[a]!.Value).ToArray();
            if (Scale) register_parameter("gamma", new TorchSharp.Modules.Parameter(GammaInitializer.Generate(shape)));
            if (Center) register_parameter("beta", new TorchSharp.Modules.Parameter(BetaInitializer.Generate(shape)));
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            long[] dims = axes!.Select(a => (long)a).ToArray();
            var mean = inputs.mean(dims, keepdim: true);
            var centered = inputs - mean;
            var variance = centered.square().mean(dims, keepdim: true);
            var outputs = centered * (variance + Epsilon).rsqrt();
            // Keras reshapes gamma and beta (laid out in the order of axis) to the input's rank, 1 elsewhere.
            var broadcast = Enumerable.Repeat(1L, (int)inputs.dim()).ToArray();
            foreach (var a in axes!) broadcast[a] = inputs.shape[a];
            if (Scale) outputs = outputs * get_parameter("gamma")!.reshape(broadcast);
            if (Center) outputs = outputs + get_parameter("beta")!.reshape(broadcast);
            return new LayerOutput(outputs);
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            var list = new List<WeightInfo>();
            if (Scale) list.Add(new WeightInfo("gamma", ParamShape, true));
            if (Center) list.Add(new WeightInfo("beta", ParamShape, true));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = new List<Tensor>();
            if (Scale) list.Add(get_parameter("gamma")!);
            if (Center) list.Add(get_parameter("beta")!);
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int i = 0;
            if (Scale) get_parameter("gamma")!.copy_(weights[i++]);
            if (Center) get_parameter("beta")!.copy_(weights[i]);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["axis"] = NormalizationAxes.ConfigValue(axes, axisArgument, axisGivenAsInt);
            config["epsilon"] = Epsilon;
            config["center"] = Center;
            config["scale"] = Scale;
            config["beta_initializer"] = BetaInitializer.Serialize();
            config["gamma_initializer"] = GammaInitializer.Serialize();
            foreach (var key in new[] { "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint" })
                config[key] = null;
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>);
        /// <c>axis</c> may be an integer or a list.</summary>
        public static LayerNormalization FromConfig(Saving.LayerConfig config) => FromConfig<LayerNormalization>(config);
    }
}
