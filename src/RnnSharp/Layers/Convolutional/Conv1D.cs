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
    /// Keras's <c>Conv1D</c> (alias <c>Convolution1D</c>): a 1D convolution (a cross-correlation, as Keras) of
    /// <see cref="Filters"/> filters of <see cref="KernelSize"/> steps over a <c>(batch, steps, channels)</c> input
    /// (<c>channels_last</c>) or <c>(batch, channels, steps)</c> (<c>channels_first</c>), plus a bias, then the activation.
    /// Weights in Keras layout: <c>kernel (kernel_size, channels / groups, filters)</c>, <c>bias (filters)</c>; the layer
    /// keeps the kernel in TorchSharp's <c>(filters, channels / groups, kernel_size)</c> and runs one
    /// <c>conv1d</c>. <c>"same"</c> pads as TensorFlow (the odd cell on the right), <c>"causal"</c> pads
    /// <c>(kernel_size - 1) * dilation_rate</c> cells on the left so that output step t sees no input after t.
    /// Masks are not supported: an incoming mask is dropped, as Keras 3 does (tf-keras raises instead).
    /// </summary>
    public class Conv1D : Layer
    {
        /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
        /// <param name="filters">Number of filters (output channels).</param>
        /// <param name="kernelSize">Length of the convolution window.</param>
        /// <param name="strides">Step between windows; more than 1 is incompatible with <paramref name="dilationRate"/> above 1.</param>
        /// <param name="padding"><c>valid</c> (no padding), <c>same</c> (output length <c>ceil(steps / strides)</c>) or <c>causal</c>, in any case.</param>
        /// <param name="dataFormat"><c>channels_last</c> (default, <c>(batch, steps, channels)</c>) or <c>channels_first</c> (<c>(batch, channels, steps)</c>).</param>
        /// <param name="dilationRate">Spacing between the kernel's taps.</param>
        /// <param name="groups">Number of groups the channels are split into, each convolved with <c>filters / groups</c> filters.</param>
        /// <param name="activation">Activation; null is none (linear).</param>
        /// <param name="useBias">Whether the layer has a bias vector.</param>
        /// <param name="kernelInitializer">Initializer of <c>kernel</c>; null is <c>glorot_uniform</c>.</param>
        /// <param name="biasInitializer">Initializer of <c>bias</c>; null is <c>zeros</c>.</param>
        /// <param name="kernelRegularizer">Penalty on <c>kernel</c>, or null.</param>
        /// <param name="biasRegularizer">Penalty on <c>bias</c>, or null.</param>
        /// <param name="activityRegularizer">Penalty on the output, or null.</param>
        /// <param name="kernelConstraint">Constraint on <c>kernel</c> (Keras layout <c>(kernel_size, channels / groups, filters)</c>), or null.</param>
        /// <param name="biasConstraint">Constraint on <c>bias</c>, or null.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="name">Layer name; null gives <c>conv1d</c>, <c>conv1d_1</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        /// <param name="dtype">The dtype policy, e.g. <c>"float32"</c> or <c>"mixed_bfloat16"</c> (Keras's <c>dtype</c>); null is the global policy (<see cref="MixedPrecision.GlobalPolicy"/>).</param>
        public Conv1D(
            int filters, int kernelSize, int strides = 1, string padding = "valid", string dataFormat = "channels_last",
            int dilationRate = 1, int groups = 1, Activations.Activation? activation = null, bool useBias = true,
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
            // Keras's checks and messages (base_conv.py).
            if (filters <= 0)
                throw new ArgumentException($"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.", nameof(filters));
            if (groups <= 0)
                throw new ArgumentException($"The number of groups must be a positive integer. Received: groups={groups}.", nameof(groups));
            if (filters % groups != 0)
                throw new ArgumentException(
                    $"The number of filters must be evenly divisible by the number of groups. Received: groups={groups}, filters={filters}.", nameof(groups));
            KernelSize = ConvUtils.Positive(kernelSize, "kernel_size", nameof(kernelSize));
            Strides = ConvUtils.Positive(strides, "strides", nameof(strides));
            DilationRate = ConvUtils.Positive(dilationRate, "dilation_rate", nameof(dilationRate));
            if (strides > 1 && dilationRate > 1)
                throw new ArgumentException(
                    $"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=({strides},) and dilation_rate=({dilationRate},)", nameof(strides));
            Filters = filters;
            Padding = ConvUtils.NormalizePadding(padding, allowCausal: true);
            DataFormat = ConvUtils.NormalizeDataFormat(dataFormat);
            Groups = groups;
            Activation = activation ?? "linear";
            UseBias = useBias;
            KernelInitializer = kernelInitializer ?? "glorot_uniform";
            BiasInitializer = biasInitializer ?? "zeros";
            InputSpec = new InputSpec(minNdim: 3);
        }

        /// <summary>Number of filters (output channels).</summary>
        public int Filters { get; }
        /// <summary>Length of the convolution window.</summary>
        public int KernelSize { get; }
        /// <summary>Step between windows.</summary>
        public int Strides { get; }
        /// <summary><c>valid</c>, <c>same</c> or <c>causal</c>.</summary>
        public string Padding { get; }
        /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
        public string DataFormat { get; }
        /// <summary>Spacing between the kernel's taps.</summary>
        public int DilationRate { get; }
        /// <summary>Number of channel groups.</summary>
        public int Groups { get; }
        /// <summary>The activation.</summary>
        public Activations.Activation Activation { get; }
        /// <summary>Whether there is a bias vector.</summary>
        public bool UseBias { get; }
        /// <summary>Initializer of the kernel.</summary>
        public Initializer KernelInitializer { get; }
        /// <summary>Initializer of the bias.</summary>
        public Initializer BiasInitializer { get; }

        private bool ChannelsLast => DataFormat == "channels_last";

        private int InputChannels => (ChannelsLast ? BuiltInputShape![^1] : BuiltInputShape![^2])!.Value;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            int channelAxis = ChannelsLast ? inputShape.Length - 1 : inputShape.Length - 2;
            if (inputShape[channelAxis] is not int channels)
                throw new ShapeMismatchException(
                    $"The channel dimension of the inputs should be defined. The input_shape received is {ShapeUtils.Format(inputShape)}, where axis {channelAxis} (0-based) is the channel dimension, which found to be `None`.");
            if (channels % Groups != 0)
                throw new ShapeMismatchException(
                    $"The number of input channels must be evenly divisible by the number of groups. Received groups={Groups}, but the input has {channels} channels (full input shape is {ShapeUtils.Format(inputShape)}).");
            // Keras validates the output shape at build (a window longer than the input).
            ComputeOutputShape(inputShape);
            using (no_grad())
            {
                // Keras's kernel (kernel_size, channels / groups, filters) to torch's (filters, channels / groups, kernel_size).
                using var kernel = KernelInitializer.Generate(KernelSize, channels / Groups, Filters);
                register_parameter("kernel", new TorchSharp.Modules.Parameter(kernel.permute(2, 1, 0).contiguous()));
                if (UseBias) register_parameter("bias", new TorchSharp.Modules.Parameter(BiasInitializer.Generate(Filters)));
            }
            InputSpec = new InputSpec(minNdim: 3, axes: new Dictionary<int, int> { [ChannelsLast ? -1 : -2] = channels });
        }

        /// <inheritdoc />
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            // tf-keras takes extra leading batch axes: fold them into one for conv1d and back.
            var leading = inputs.shape[..^2];
            using var folded = inputs.reshape(new[] { -1L }.Concat(inputs.shape[^2..]).ToArray());
            using var channelsFirst = ChannelsLast ? folded.transpose(1, 2) : folded.alias();
            long steps = channelsFirst.shape[2];
            var (left, right) = Padding switch
            {
                "same" => ConvUtils.SamePadding(steps, KernelSize, Strides, DilationRate),
                "causal" => ((long)(KernelSize - 1) * DilationRate, 0L),
                _ => (0L, 0L),
            };
            using var padded = ConvUtils.PadSteps(channelsFirst, left, right);
            using var convolved = nn.functional.conv1d(padded, Autocast(get_parameter("kernel")!), UseBias ? Autocast(get_parameter("bias")!) : null,
                stride: Strides, padding: 0, dilation: DilationRate, groups: Groups);
            using var back = ChannelsLast ? convolved.transpose(1, 2) : convolved.alias();
            using var output = back.reshape(leading.Concat(back.shape[1..]).ToArray());
            return new LayerOutput(ApplyHeadActivation(Activation, output));
        }

        /// <summary>Keras's <c>compute_output_shape</c>: the steps axis becomes
        /// <c>conv_output_length(steps)</c> and the channels axis <see cref="Filters"/>.</summary>
        /// <exception cref="ShapeMismatchException">The output would have no steps (a window longer than the input).</exception>
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            int stepsAxis = ChannelsLast ? inputShape.Length - 2 : inputShape.Length - 1;
            int? length = ConvUtils.OutputLength(inputShape[stepsAxis], KernelSize, Padding, Strides, DilationRate);
            if (length is <= 0)
                throw new ShapeMismatchException(
                    $"One of the dimensions in the output is <= 0 due to downsampling in {Name}. Consider increasing the input size. " +
                    $"Received input shape {ShapeUtils.Format(inputShape)} which would produce output shape with a zero or negative value in a dimension.");
            var output = (int?[])inputShape.Clone();
            output[stepsAxis] = length;
            output[ChannelsLast ? inputShape.Length - 1 : inputShape.Length - 2] = Filters;
            return output;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights()
        {
            var list = new List<WeightInfo> { new("kernel", new long[] { KernelSize, InputChannels / Groups, Filters }, true) };
            if (UseBias) list.Add(new WeightInfo("bias", new long[] { Filters }, true));
            return list;
        }

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights()
        {
            var list = new List<Tensor> { get_parameter("kernel")!.permute(2, 1, 0) };
            if (UseBias) list.Add(get_parameter("bias")!);
            return list;
        }

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            // Keras's (kernel_size, channels / groups, filters) is torch's layout reversed.
            get_parameter("kernel")!.copy_(weights[0].permute(2, 1, 0));
            if (UseBias) get_parameter("bias")!.copy_(weights[1]);
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["filters"] = Filters;
            // Keras normalizes the sizes to tuples, which its JSON writes as lists.
            config["kernel_size"] = new[] { KernelSize };
            config["strides"] = new[] { Strides };
            config["padding"] = Padding;
            config["data_format"] = DataFormat;
            config["dilation_rate"] = new[] { DilationRate };
            config["groups"] = Groups;
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

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c>; the sizes are Keras's one-element
        /// lists (<c>"kernel_size": [3]</c>) or plain integers.</summary>
        public static Conv1D FromConfig(Saving.LayerConfig config)
        {
            ArgumentNullException.ThrowIfNull(config);
            int Size(string key, int? defaultValue)
            {
                var values = config.GetInts(key);
                if (values is null) return defaultValue ?? throw new ArgumentException($"Layer config of {config.ClassName} has no \"{key}\".");
                return values.Length == 1 ? values[0]
                    : throw new ArgumentException($"The `{key}` argument must be a tuple of 1 integers. Received: {key}=[{string.Join(", ", values)}]");
            }
            return new Conv1D(
                config.GetInt("filters"), Size("kernel_size", null), Size("strides", 1), config.GetString("padding", "valid")!,
                config.GetString("data_format", "channels_last")!, Size("dilation_rate", 1), config.GetInt("groups", 1),
                config.GetActivation("activation"), config.GetBool("use_bias", true),
                config.GetInitializer("kernel_initializer"), config.GetInitializer("bias_initializer"),
                config.GetRegularizer("kernel_regularizer"), config.GetRegularizer("bias_regularizer"), config.GetRegularizer("activity_regularizer"),
                config.GetConstraint("kernel_constraint"), config.GetConstraint("bias_constraint"),
                batchInputShape: config.BatchInputShape, name: config.Name, trainable: config.Trainable);
        }
    }
}
