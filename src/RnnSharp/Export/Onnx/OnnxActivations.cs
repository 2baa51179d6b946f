using System;
using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx
{
    /// <summary>Keras activations as ONNX: element-wise nodes (Dense, Activation, ...) and the activation names and
    /// alpha/beta of ONNX's recurrent operators.</summary>
    internal static class OnnxActivations
    {
        /// <summary>A recurrent operator's activation: ONNX name and its alpha/beta where it takes them.</summary>
        public sealed record RecurrentActivation(string Name, float? Alpha = null, float? Beta = null);

        // Keras 2's hard_sigmoid (RnnSharp's): clip(0.2 x + 0.5, 0, 1), ONNX HardSigmoid with alpha 0.2, beta 0.5.
        private static readonly Dictionary<string, RecurrentActivation> Recurrent = new(StringComparer.Ordinal)
        {
            ["tanh"] = new("Tanh"),
            ["sigmoid"] = new("Sigmoid"),
            ["relu"] = new("Relu"),
            ["hard_sigmoid"] = new("HardSigmoid", 0.2f, 0.5f),
            ["linear"] = new("Affine", 1f, 0f),
            ["softsign"] = new("Softsign"),
            ["softplus"] = new("Softplus"),
            ["elu"] = new("Elu", 1f),
        };

        /// <summary>The Keras activation names a recurrent operator computes.</summary>
        public static IEnumerable<string> RecurrentNames => Recurrent.Keys;

        /// <summary>The recurrent operator's form of <paramref name="activation"/>, or null when it has none.</summary>
        public static RecurrentActivation? ForRecurrent(Activations.Activation activation)
            => IsBuiltIn(activation) && Recurrent.TryGetValue(activation.Name, out var result) ? result : null;

        /// <summary>The Keras activation names <see cref="Apply"/> converts.</summary>
        public static readonly IReadOnlyList<string> ElementWiseNames = new[]
        {
            "linear", "tanh", "sigmoid", "relu", "relu6", "elu", "selu", "softplus", "softsign", "softmax", "log_softmax",
            "swish", "silu", "gelu", "exponential", "hard_sigmoid",
        };

        /// <summary>Whether <see cref="Apply"/> converts <paramref name="activation"/>.</summary>
        public static bool Supports(Activations.Activation activation)
            => IsBuiltIn(activation) && ((IList<string>)ElementWiseNames).Contains(activation.Name);

        // A custom function given under a built-in name would compute something else: only Keras's own are converted.
        private static bool IsBuiltIn(Activations.Activation activation) => activation.IsBuiltIn;

        /// <summary>Checks that <paramref name="activation"/> can be converted, naming the layer and the option otherwise.</summary>
        public static void Check(Layer layer, Activations.Activation activation, string option = "activation")
        {
            if (!Supports(activation))
                throw OnnxExporter.Unsupported(layer, $"{option} \"{activation.Name}\"", string.Join(", ", ElementWiseNames));
        }

        /// <summary>Adds <paramref name="activation"/> applied to <paramref name="x"/> (the last axis for softmax).</summary>
        public static string Apply(OnnxGraphBuilder g, Activations.Activation activation, string x, string hint)
        {
            switch (activation.Name)
            {
                case "linear": return x;
                case "tanh": return g.Add("Tanh", new[] { x }, hint);
                case "sigmoid": return g.Add("Sigmoid", new[] { x }, hint);
                case "relu": return g.Add("Relu", new[] { x }, hint);
                case "relu6": return g.Add("Clip", new[] { x, g.Float(0f), g.Float(6f) }, hint);
                case "elu": return g.Add("Elu", new[] { x }, hint, OnnxGraphBuilder.Attr("alpha", 1f));
                case "selu": return g.Add("Selu", new[] { x }, hint);
                case "softplus": return g.Add("Softplus", new[] { x }, hint);
                case "softsign": return g.Add("Softsign", new[] { x }, hint);
                case "softmax": return g.Add("Softmax", new[] { x }, hint, OnnxGraphBuilder.Attr("axis", -1L));
                case "log_softmax": return g.Add("LogSoftmax", new[] { x }, hint, OnnxGraphBuilder.Attr("axis", -1L));
                case "swish":
                case "silu": return g.Add("Mul", new[] { x, g.Add("Sigmoid", new[] { x }, hint + "_sigmoid") }, hint);
                case "gelu":
                    {
                        // PyTorch's exact gelu: x/2 (1 + erf(x/sqrt 2)) (ONNX's Gelu op needs opset 20).
                        var erf = g.Add("Erf", new[] { g.Add("Div", new[] { x, g.Float(MathF.Sqrt(2f)) }, hint + "_scaled") }, hint + "_erf");
                        var half = g.Add("Mul", new[] { x, g.Float(0.5f) }, hint + "_half");
                        return g.Add("Mul", new[] { half, g.Add("Add", new[] { erf, g.Float(1f) }, hint + "_1p") }, hint);
                    }
                case "exponential": return g.Add("Exp", new[] { x }, hint);
                case "hard_sigmoid":
                    return g.Add("HardSigmoid", new[] { x }, hint, OnnxGraphBuilder.Attr("alpha", 0.2f), OnnxGraphBuilder.Attr("beta", 0.5f));
                default: throw new NotSupportedException($"Activation \"{activation.Name}\" cannot be exported to ONNX.");
            }
        }
    }
}
