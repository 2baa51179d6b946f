using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>Dense</c>: <c>activation(inputs · kernel + bias)</c> on the last axis, so a
    /// <c>(batch, time, features)</c> input gives <c>(batch, time, units)</c>. Weights: <c>kernel (input_dim, units)</c>,
    /// <c>bias (units)</c>. Runs on TorchSharp's <c>nn.Linear</c>.
    /// </summary>
    public class Dense : Layer
    {
        private TorchSharp.Modules.Linear? linear;

        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="units">Dimensionality of the output space.</param>
        /// <param name="activation">Activation; null is none (Keras's default <c>None</c>, i.e. linear).</param>
        /// <param name="useBias">Whether the layer has a bias vector.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="activityRegularizer">Penalty on the output, or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c>, or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>dense</c>, <c>dense_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public Dense(
            int units, Activations.Activation? activation = null, bool useBias = true,
            Initializer? kernelInitializer = null, Initializer? biasInitializer = null,
            Regularizer? kernelRegularizer = null, Regularizer? biasRegularizer = null, Regularizer? activityRegularizer = null,
            Constraint? kernelConstraint = null, Constraint? biasConstraint = null,
            int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, string? name = null, bool trainable = true, DTypePolicies.DTypePolicy? dtype = null)
            : base(name, inputShape, batchInputShape, batchSize, trainable)
        {
            if (dtype is not null) DtypePolicy = dtype;
            KernelRegularizer = kernelRegularizer;
            BiasRegularizer = biasRegularizer;
            ActivityRegularizer = activityRegularizer;
            KernelConstraint = kernelConstraint;
            BiasConstraint = biasConstraint;
            if (units <= 0)
                throw new ArgumentException($"Received an invalid value for `units`, expected a positive integer. Received: units={units}", nameof(units));
            Units = units;
            Activation = activation ?? "linear";
            UseBias = useBias;
            KernelInitializer = kernelInitializer ?? "glorot_uniform";
            BiasInitializer = biasInitializer ?? "zeros";
            InputSpec = new InputSpec(minNdim: 2);
        }

        /// <summary>Dimensionality of the output space.</summary>
        public int Units { get; }
        /// <summary>The activation.</summary>
        public Activations.Activation Activation { get; }
        /// <summary>Whether there is a bias vector.</summary>
        public bool UseBias { get; }
        /// <summary>Initializer of the kernel.</summary>
        public Initializer KernelInitializer { get; }
        /// <summary>Initializer of the bias.</summary>
        public Initializer BiasInitializer { get; }
        /// <summary>Penalty on the kernel, or null.</summary>
        public Regularizer? KernelRegularizer { get; }
        /// <summary>Penalty on the bias, or null.</summary>
        public Regularizer? BiasRegularizer { get; }
        /// <summary>Constraint on the kernel, or null.</summary>
        public Constraint? KernelConstraint { get; }
        /// <summary>Constraint on the bias, or null.</summary>
        public Constraint? BiasConstraint { get; }

        /// <inheritdoc />
        protected override Regularizer? GetWeightRegularizer(string weightName)
            => weightName switch { "kernel" => KernelRegularizer, "bias" => BiasRegularizer, _ => null };

        /// <inheritdoc />
        protected override Constraint? GetWeightConstraint(string weightName)
            => weightName switch { "kernel" => KernelConstraint, "bias" => BiasConstraint, _ => null };

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            if (inputShape[^1] is not int inputDim)
                throw new ShapeMismatchException(
                    $"The last dimension of the inputs to a Dense layer should be defined. Found None. Full input shape received: {Utils.ShapeUtils.Format(inputShape)}");
            linear = nn.Linear(inputDim, Units, hasBias: UseBias);
            register_module("linear", linear);
            var weights = new List<Tensor> { KernelInitializer.Generate(inputDim, Units) };
            if (UseBias) weights.Add(BiasInitializer.Generate(Units));
            using (no_grad()) WriteWeights(weights);
            InputSpec = new InputSpec(minNdim: 2, axes: new Dictionary<int, int> { [-1] = inputDim });
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => new(ApplyHeadActivation(Activation, nn.functional.linear(inputs, Autocast(linear!.weight!), AutocastOrNull(linear.bias))));

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => inputShape.Take(inputShape.Length - 1).Append(Units).ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            long inputDim = BuiltInputShape![^1]!.Value;
            var list = new List<WeightInfo> { new("kernel", new[] { inputDim, Units }, true) };
            if (UseBias) list.Add(new WeightInfo("bias", new long[] { Units }, true));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = new List<Tensor> { linear!.weight!.t() };
            if (UseBias) list.Add(linear.bias!);
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            // nn.Linear keeps (units, input_dim); Keras's kernel is its transpose.
            linear!.weight!.copy_(weights[0].t());
            if (UseBias) linear.bias!.copy_(weights[1]);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["units"] = Units;
            config["activation"] = Activation.Name;
            config["use_bias"] = UseBias;
            config["kernel_initializer"] = KernelInitializer.Serialize();
            config["bias_initializer"] = BiasInitializer.Serialize();
            config["kernel_regularizer"] = KernelRegularizer?.Serialize();
            config["bias_regularizer"] = BiasRegularizer?.Serialize();
            config["activity_regularizer"] = ActivityRegularizer?.Serialize();
            config["kernel_constraint"] = KernelConstraint?.Serialize();
            config["bias_constraint"] = BiasConstraint?.Serialize();
            return config;
        }

        /// <summary>Keras 3's config: Keras 3's Dense writes <c>activity_regularizer</c> only when one is set.</summary>
        public override Dictionary<string, object?> GetKeras3Config()
        {
            var config = base.GetKeras3Config();
            if (ActivityRegularizer is null) config.Remove("activity_regularizer");
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static Dense FromConfig(Saving.LayerConfig config) => FromConfig<Dense>(config);
    }
}
