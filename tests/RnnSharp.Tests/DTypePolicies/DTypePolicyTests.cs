using System;
using System.Collections.Generic;
using RnnSharp.DTypePolicies;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.DTypePolicies
{
    /// <summary>Keras 3's DTypePolicy: names, compute vs variable dtype, what Keras 2 and 3 files hold, errors.</summary>
    public class DTypePolicyTests
    {
        [Theory]
        [InlineData("float32", "float32", ScalarType.Float32, false)]
        [InlineData("mixed_bfloat16", "bfloat16", ScalarType.BFloat16, true)]
        [InlineData("mixed_float16", "float16", ScalarType.Float16, true)]
        public void NamesGiveKerasComputeAndVariableDtypes(string name, string compute, ScalarType type, bool mixed)
        {
            DTypePolicy policy = name;
            Assert.Equal(name, policy.Name);
            Assert.Equal(compute, policy.ComputeDtype);
            Assert.Equal("float32", policy.VariableDtype);
            Assert.Equal(type, policy.ComputeScalarType);
            Assert.Equal(mixed, policy.IsMixed);
            Assert.Equal($"<DTypePolicy \"{name}\">", policy.ToString());
            Assert.Equal(policy, new DTypePolicy(name));
        }

        [Fact]
        public void RefusesUnknownNamesAndNonFloat32VariablesClearly()
        {
            var unknown = Assert.Throws<ArgumentException>(() => new DTypePolicy("mixed_float8"));
            Assert.Contains("'mixed_float8'", unknown.Message);
            Assert.Contains("mixed_bfloat16", unknown.Message);
            var half = Assert.Throws<ArgumentException>(() => new DTypePolicy("bfloat16"));
            Assert.Contains("keeps variables in bfloat16", half.Message);
            Assert.Throws<ArgumentException>(() => DTypePolicy.Get(3.5));
        }

        [Fact]
        public void ReadsEveryFormKerasWrites()
        {
            Assert.Equal("mixed_float16", DTypePolicy.Get("mixed_float16").Name);
            // Keras 3: a serialized DTypePolicy (FloatDTypePolicy in 3.0-3.5).
            foreach (var className in new[] { "DTypePolicy", "FloatDTypePolicy" })
                Assert.Equal("mixed_bfloat16", DTypePolicy.Get(Serialized(className, "mixed_bfloat16")).Name);
            // tf.keras 2.x: {"class_name": "Policy", "config": {"name": ...}}.
            Assert.Equal("mixed_float16", DTypePolicy.Get(Serialized("Policy", "mixed_float16")).Name);
            // Keras 2.3's "_infer" and a missing dtype take the global policy.
            Assert.Equal(MixedPrecision.GlobalPolicy, DTypePolicy.Get(Serialized("Policy", "_infer")));
            Assert.Equal(MixedPrecision.GlobalPolicy, DTypePolicy.Get(null));
            var e = Assert.Throws<ArgumentException>(() => DTypePolicy.Get(Serialized("QuantizedDTypePolicy", "int8_from_float32")));
            Assert.Contains("QuantizedDTypePolicy", e.Message);
        }

        [Fact]
        public void SerializesAsKeras2And3Write()
        {
            var keras3 = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(new DTypePolicy("mixed_bfloat16").Serialize(keras3: true));
            Assert.Equal("keras", keras3["module"]);
            Assert.Equal("DTypePolicy", keras3["class_name"]);
            Assert.Equal("mixed_bfloat16", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(keras3["config"])["name"]);
            Assert.True(keras3.ContainsKey("registered_name"));

            Assert.Equal("float32", new DTypePolicy("float32").Serialize(keras3: false));
            var keras2 = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(new DTypePolicy("mixed_float16").Serialize(keras3: false));
            Assert.Equal("Policy", keras2["class_name"]);
            Assert.Equal("mixed_float16", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(keras2["config"])["name"]);
        }

        private static Dictionary<string, object?> Serialized(string className, string name) => new()
        {
            ["module"] = "keras",
            ["class_name"] = className,
            ["config"] = new Dictionary<string, object?> { ["name"] = name },
            ["registered_name"] = null,
        };
    }
}
