using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;

namespace RnnSharp.Layers
{
    /// <summary>
    /// What Keras's global 1D pooling layers (<see cref="GlobalAveragePooling1D"/>, <see cref="GlobalMaxPooling1D"/>)
    /// share, as Keras's private <c>GlobalPooling1D</c>: a 3D input, <c>dataFormat</c> (<c>channels_last</c>:
    /// <c>(batch, steps, features)</c>, or <c>channels_first</c>: <c>(batch, features, steps)</c>), <c>keepdims</c>, the
    /// output shape and the config keys <c>data_format</c> and <c>keepdims</c>.
    /// </summary>
    public abstract class GlobalPooling1D : Layer
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="dataFormat"><c>channels_last</c> (default) or <c>channels_first</c>, in any case.</param>
        /// <param name="keepdims">Whether to keep the steps axis, with length 1.</param>
        /// <param name="inputShape">Input shape without batch.</param>
        /// <param name="name">Layer name; null gives the class's snake-case name.</param>
        /// <param name="batchInputShape">Input shape with batch.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        protected GlobalPooling1D(string? dataFormat, bool keepdims, int?[]? inputShape, string? name, int?[]? batchInputShape, int? batchSize)
            : base(name, inputShape, batchInputShape, batchSize)
        {
            // Keras's normalize_data_format: lower-cased, then one of the two.
            string normalized = (dataFormat ?? "channels_last").ToLowerInvariant();
            if (normalized is not ("channels_last" or "channels_first"))
                throw new ArgumentException(
                    $"The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: {dataFormat}", nameof(dataFormat));
            DataFormat = normalized;
            Keepdims = keepdims;
            InputSpec = new InputSpec(ndim: 3);
        }

        /// <summary><c>channels_last</c> or <c>channels_first</c>.</summary>
        public string DataFormat { get; }

        /// <summary>Whether the steps axis is kept, with length 1.</summary>
        public bool Keepdims { get; }

        /// <summary>The axis pooled over: 1 for <c>channels_last</c>, 2 for <c>channels_first</c>.</summary>
        protected int StepsAxis => DataFormat == "channels_last" ? 1 : 2;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            // Keras's _validate_reduction_axis.
            if (inputShape.Length == 3 && inputShape[StepsAxis] == 0)
                throw new ShapeMismatchException(
                    $"Incorrect input shape {ShapeUtils.Format(inputShape)} with dimension 0 at reduction axis {StepsAxis}.");
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape)
        {
            if (DataFormat == "channels_first")
                return Keepdims ? new[] { inputShape[0], inputShape[1], 1 } : new[] { inputShape[0], inputShape[1] };
            return Keepdims ? new[] { inputShape[0], 1, inputShape[2] } : new[] { inputShape[0], inputShape[2] };
        }

        /// <summary>No mask leaves the layer: the steps axis is pooled away (Keras's <c>compute_mask</c> returns None).</summary>
        public override TorchSharp.torch.Tensor? ComputeMask(TorchSharp.torch.Tensor inputs, TorchSharp.torch.Tensor? mask = null) => null;

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["data_format"] = DataFormat;
            config["keepdims"] = Keepdims;
            return config;
        }
    }
}
