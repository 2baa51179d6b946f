using System;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// What Keras's 1D convolution and pooling layers share (Keras's <c>conv_utils</c>): the argument checks for
    /// <c>padding</c>, <c>data_format</c> and positive sizes, the output length of a window slid over a sequence, and
    /// TensorFlow's <c>"same"</c> padding, which puts the odd cell on the right.
    /// </summary>
    internal static class ConvUtils
    {
        /// <summary>Keras's <c>normalize_padding</c>: lower-cased <c>valid</c>, <c>same</c> or (for Conv1D) <c>causal</c>.</summary>
        public static string NormalizePadding(string? padding, bool allowCausal)
        {
            string normalized = (padding ?? "valid").ToLowerInvariant();
            bool known = normalized is "valid" or "same" || (allowCausal && normalized == "causal");
            if (!known)
                throw new ArgumentException(
                    "The `padding` argument must be a list/tuple or one of \"valid\", \"same\"" + (allowCausal ? " (or \"causal\", only for `Conv1D)" : "") +
                    $". Received: {padding}", nameof(padding));
            return normalized;
        }

        /// <summary>Keras's <c>normalize_data_format</c>: lower-cased <c>channels_last</c> or <c>channels_first</c>.</summary>
        public static string NormalizeDataFormat(string? dataFormat)
        {
            string normalized = (dataFormat ?? "channels_last").ToLowerInvariant();
            if (normalized is not ("channels_last" or "channels_first"))
                throw new ArgumentException(
                    $"The `data_format` argument must be one of \"channels_first\", \"channels_last\". Received: {dataFormat}", nameof(dataFormat));
            return normalized;
        }

        /// <summary>Keras's check of a size argument (<c>kernel_size</c>, <c>strides</c>, ...): a positive integer.</summary>
        public static int Positive(int value, string argument, string paramName)
        {
            if (value <= 0)
                throw new ArgumentException(
                    value == 0
                        ? $"The argument `{argument}` cannot contain 0. Received {argument}=({value},)."
                        : $"The `{argument}` argument must be a tuple of 1 integers. Received: {argument}=({value},) including values {{{value}}} that do not satisfy `value > 0`",
                    paramName);
            return value;
        }

        /// <summary>
        /// Keras's <c>conv_output_length</c>: the output length of a window of <paramref name="size"/> cells (dilated by
        /// <paramref name="dilation"/>) slid by <paramref name="stride"/> over <paramref name="length"/> cells; null for an
        /// unknown length. "same" and "causal" keep <c>ceil(length / stride)</c> cells.
        /// </summary>
        public static int? OutputLength(int? length, int size, string padding, int stride, int dilation = 1)
        {
            if (length is not int n) return null;
            int dilated = size + (size - 1) * (dilation - 1);
            int output = padding == "valid" ? n - dilated + 1 : n;
            return (int)Math.Floor((output + stride - 1) / (double)stride);
        }

        /// <summary>
        /// TensorFlow's <c>"SAME"</c> padding of a length-<paramref name="length"/> axis: in all
        /// <c>max((ceil(length / stride) - 1) * stride + dilated - length, 0)</c> cells, half (rounded down) on the left
        /// and the rest on the right.
        /// </summary>
        public static (long Left, long Right) SamePadding(long length, int size, int stride, int dilation = 1)
        {
            long dilated = (long)(size - 1) * dilation + 1;
            long outputs = (length + stride - 1) / stride;
            long total = Math.Max((outputs - 1) * stride + dilated - length, 0);
            return (total / 2, total - total / 2);
        }

        /// <summary>Pads the last axis of <paramref name="x"/> with <paramref name="value"/>: <paramref name="left"/> cells
        /// before, <paramref name="right"/> after (no copy when both are 0).</summary>
        public static Tensor PadSteps(Tensor x, long left, long right, double value = 0)
            => left == 0 && right == 0 ? x.alias() : nn.functional.pad(x, new[] { left, right }, PaddingModes.Constant, value);
    }
}
