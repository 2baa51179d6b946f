using System;
using System.Collections.Generic;
using TorchSharp;

namespace RnnSharp.DTypePolicies
{
    /// <summary>
    /// A layer's dtype policy, as Keras 3's <c>keras.DTypePolicy</c>: the dtype the layer computes in
    /// (<see cref="ComputeDtype"/>) and the dtype its variables are kept in (<see cref="VariableDtype"/>).
    /// <c>"mixed_bfloat16"</c> and <c>"mixed_float16"</c> compute in <c>bfloat16</c>/<c>float16</c> and keep float32
    /// variables (master weights), read in the compute dtype inside the layer's call; <c>"float32"</c> does everything in
    /// float32. A policy name converts implicitly, so <c>new Dense(10, dtype: "float32")</c> works as in Keras.
    /// </summary>
    /// <remarks>RnnSharp keeps every variable in float32, so the policies it runs are those whose variable dtype is
    /// float32; Keras's <c>"float16"</c>, <c>"bfloat16"</c> or <c>"float64"</c> policies (variables in that dtype) are
    /// refused with an error that says so.</remarks>
    public sealed class DTypePolicy : IEquatable<DTypePolicy>
    {
        /// <summary>The policy names RnnSharp runs.</summary>
        public static IReadOnlyList<string> SupportedNames { get; } = new[] { "float32", "mixed_bfloat16", "mixed_float16" };

        /// <summary>Creates the policy of <paramref name="name"/>, as Keras's <c>DTypePolicy(name)</c>.</summary>
        /// <param name="name">The policy name: <c>"float32"</c>, <c>"mixed_bfloat16"</c> or <c>"mixed_float16"</c>.</param>
        /// <exception cref="ArgumentException">Not a policy name, or a policy whose variables are not float32.</exception>
        public DTypePolicy(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            (ComputeDtype, VariableDtype) = name switch
            {
                "mixed_float16" => ("float16", "float32"),
                "mixed_bfloat16" => ("bfloat16", "float32"),
                "float32" => ("float32", "float32"),
                "float16" or "bfloat16" or "float64" or "half" or "double" => throw new ArgumentException(
                    $"The dtype policy '{name}' keeps variables in {name}; RnnSharp keeps variables in float32 and runs the policies " +
                    $"{string.Join(", ", SupportedNames)} ('mixed_bfloat16' and 'mixed_float16' compute in 16 bits).", nameof(name)),
                _ => throw new ArgumentException(
                    $"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include 'mixed_float16', " +
                    "'mixed_bfloat16', and 'float32'.", nameof(name)),
            };
            Name = name;
        }

        /// <summary>The policy name, e.g. <c>"mixed_bfloat16"</c>.</summary>
        public string Name { get; }

        /// <summary>The dtype the layer computes in (<c>"float32"</c>, <c>"bfloat16"</c> or <c>"float16"</c>), as Keras's
        /// <c>compute_dtype</c>.</summary>
        public string ComputeDtype { get; }

        /// <summary>The dtype of the variables: always <c>"float32"</c> here, as Keras's <c>variable_dtype</c>.</summary>
        public string VariableDtype { get; }

        /// <summary>True when the compute dtype differs from the variable dtype (a <c>mixed_*</c> policy).</summary>
        public bool IsMixed => ComputeDtype != VariableDtype;

        /// <summary>The compute dtype as a TorchSharp scalar type.</summary>
        public torch.ScalarType ComputeScalarType => ComputeDtype switch
        {
            "float16" => torch.ScalarType.Float16,
            "bfloat16" => torch.ScalarType.BFloat16,
            _ => torch.ScalarType.Float32,
        };

        /// <summary>The policy of <paramref name="name"/>; null stays null (the global policy where a layer takes it).</summary>
        [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
        public static implicit operator DTypePolicy?(string? name) => name is null ? null : new(name);

        /// <summary>
        /// Reads a layer config's <c>dtype</c> as Keras's <c>dtype_policies.get</c> and tf.keras's <c>policy.deserialize</c>
        /// do: a name (<c>"float32"</c>, <c>"mixed_float16"</c>), Keras 3's <c>{"class_name": "DTypePolicy", "config":
        /// {"name": ...}}</c> (also <c>FloatDTypePolicy</c>), tf.keras's <c>{"class_name": "Policy", ...}</c>; null is the
        /// global policy.
        /// </summary>
        /// <exception cref="ArgumentException">Not a dtype policy RnnSharp runs.</exception>
        public static DTypePolicy Get(object? identifier) => identifier switch
        {
            null => MixedPrecision.GlobalPolicy,
            DTypePolicy policy => policy,
            string name => new DTypePolicy(name),
            IReadOnlyDictionary<string, object?> serialized => FromSerialized(serialized),
            _ => throw new ArgumentException($"Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. Received: dtype={identifier}"),
        };

        private static DTypePolicy FromSerialized(IReadOnlyDictionary<string, object?> serialized)
        {
            var className = serialized.GetValueOrDefault("class_name") as string;
            if (className is not ("DTypePolicy" or "FloatDTypePolicy" or "Policy" or "PolicyV1")
                || serialized.GetValueOrDefault("config") is not IReadOnlyDictionary<string, object?> config
                || config.GetValueOrDefault("name") is not string name)
                throw new ArgumentException(
                    $"Unknown dtype policy: {className ?? "(no class_name)"}. RnnSharp reads DTypePolicy (Keras 3) and Policy (tf.keras) " +
                    "objects with a \"name\" in their config.");
            return name == "_infer" ? MixedPrecision.GlobalPolicy : new DTypePolicy(name);
        }

        /// <summary>The policy as a layer config's <c>dtype</c>: in Keras 3's form (<c>keras.DTypePolicy</c> object) when
        /// <paramref name="keras3"/>, else tf.keras's (the name for a plain dtype, else a <c>Policy</c> object).</summary>
        internal object Serialize(bool keras3)
        {
            var config = new Dictionary<string, object?> { ["name"] = Name };
            if (keras3) return Saving.Keras3Serialization.Wrap("keras", "DTypePolicy", config);
            if (!IsMixed) return Name;
            return new Dictionary<string, object?> { ["class_name"] = "Policy", ["config"] = config };
        }

        /// <inheritdoc />
        public bool Equals(DTypePolicy? other) => other is not null && other.Name == Name;

        /// <inheritdoc />
        public override bool Equals(object? obj) => obj is DTypePolicy other && Equals(other);

        /// <inheritdoc />
        public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);

        /// <summary>Keras's repr: <c>&lt;DTypePolicy "mixed_bfloat16"&gt;</c>.</summary>
        public override string ToString() => $"<DTypePolicy \"{Name}\">";
    }
}
