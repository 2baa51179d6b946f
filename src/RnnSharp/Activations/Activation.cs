using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Activations
{
    /// <summary>
    /// An activation function, given by Keras name (<c>"tanh"</c>, <c>"relu"</c>, ...) through an implicit
    /// conversion from <see cref="string"/>, or as a custom function.
    /// </summary>
    public sealed class Activation
    {
        private static readonly Dictionary<string, Func<Tensor, Tensor>> Known = new(StringComparer.Ordinal)
        {
            ["linear"] = x => x.alias(),
            ["tanh"] = x => x.tanh(),
            ["sigmoid"] = x => x.sigmoid(),
            ["relu"] = x => x.relu(),
            ["relu6"] = x => x.clamp(0, 6),
            ["elu"] = x => nn.functional.elu(x, 1.0),
            ["selu"] = x => nn.functional.selu(x),
            ["softplus"] = x => nn.functional.softplus(x),
            ["softsign"] = x => nn.functional.softsign(x),
            ["softmax"] = x => x.softmax(-1),
            ["log_softmax"] = x => x.log_softmax(-1),
            ["swish"] = x => nn.functional.silu(x),
            ["silu"] = x => nn.functional.silu(x),
            ["gelu"] = x => nn.functional.gelu(x),
            ["exponential"] = x => x.exp(),
            // Keras 2's hard_sigmoid: 0.2 * x + 0.5, clipped to [0, 1].
            ["hard_sigmoid"] = x => (x * 0.2 + 0.5).clamp(0, 1),
        };

        private readonly Func<Tensor, Tensor> function;

        /// <summary>Creates a custom activation.</summary>
        /// <param name="name">The name shown in configs.</param>
        /// <param name="function">The element-wise function.</param>
        public Activation(string name, Func<Tensor, Tensor> function)
        {
            Name = name;
            this.function = function;
        }

        /// <summary>The Keras name, e.g. <c>tanh</c>.</summary>
        public string Name { get; }

        /// <summary>The names <see cref="Get"/> knows.</summary>
        public static IReadOnlyCollection<string> KnownNames => Known.Keys;

        /// <summary>Looks an activation up by its Keras name; <c>null</c> or empty means <c>linear</c>.</summary>
        public static Activation Get(string? name)
        {
            string key = string.IsNullOrEmpty(name) ? "linear" : name;
            if (!Known.TryGetValue(key, out var f))
                throw new ArgumentException(
                    $"Unknown activation function: '{name}'. Known: {string.Join(", ", Known.Keys.OrderBy(k => k, StringComparer.Ordinal))}.",
                    nameof(name));
            return new Activation(key, f);
        }

        /// <summary>Keras name → activation.</summary>
        [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
        public static implicit operator Activation?(string? name) => name is null ? null : Get(name);

        /// <summary>Whether this is Keras's own function of its name (from <see cref="Get"/>), not a custom function that
        /// reuses a name (the ONNX export converts only Keras's own).</summary>
        internal bool IsBuiltIn => Known.TryGetValue(Name, out var known) && ReferenceEquals(known, function);

        /// <summary>Applies the activation.</summary>
        public Tensor Apply(Tensor x) => function(x);

        /// <inheritdoc />
        public override string ToString() => Name;
    }
}
