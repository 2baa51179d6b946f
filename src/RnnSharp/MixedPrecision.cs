using System;
using System.Collections.Concurrent;
using RnnSharp.DTypePolicies;

namespace RnnSharp
{
    /// <summary>
    /// The global dtype policy, as Keras's <c>keras.mixed_precision</c>: layers created after
    /// <see cref="SetGlobalPolicy(string)"/> take the policy unless given their own <c>dtype</c>.
    /// </summary>
    /// <remarks>
    /// Under <c>"mixed_bfloat16"</c> or <c>"mixed_float16"</c> the layers compute in 16 bits (the fused recurrent kernels
    /// included) while the variables stay float32; softmax/sigmoid outputs, losses and metrics are computed in float32;
    /// <see cref="Trainers.Trainer.Compile(Optimizers.Optimizer?, Losses.Loss?, System.Collections.Generic.IEnumerable{string}?)"/>
    /// wraps the optimizer in a <see cref="Optimizers.LossScaleOptimizer"/> under <c>"mixed_float16"</c>, as Keras does.
    /// On the CPU, libtorch's float16 kernels are slow (no oneDNN float16 path for training), so a <c>mixed_float16</c>
    /// layer run on the CPU computes in float32 and says so once; <c>mixed_bfloat16</c> runs in bfloat16 everywhere, fast
    /// on CPUs with AVX512-BF16 or AMX (see docs/mixed_precision.md).
    /// </remarks>
    public static class MixedPrecision
    {
        private static volatile DTypePolicy globalPolicy = new("float32");
        private static readonly ConcurrentDictionary<string, bool> Said = new(StringComparer.Ordinal);

        /// <summary>The global policy (Keras's <c>keras.mixed_precision.global_policy()</c>); <c>"float32"</c> at start.</summary>
        public static DTypePolicy GlobalPolicy => globalPolicy;

        /// <summary>Sets the global policy, as Keras's <c>keras.mixed_precision.set_global_policy(name)</c>.</summary>
        /// <param name="name"><c>"mixed_bfloat16"</c>, <c>"mixed_float16"</c> or <c>"float32"</c>.</param>
        /// <exception cref="ArgumentException">Not a policy RnnSharp runs.</exception>
        public static void SetGlobalPolicy(string name) => SetGlobalPolicy(new DTypePolicy(name));

        /// <summary>Sets the global policy to <paramref name="policy"/>.</summary>
        public static void SetGlobalPolicy(DTypePolicy policy)
        {
            ArgumentNullException.ThrowIfNull(policy);
            globalPolicy = policy;
        }

        /// <summary>Whether a float16 compute dtype on the CPU runs in float16 (true) or falls back to float32 (false, the
        /// default). Tests set it to check float16 arithmetic on machines without a GPU.</summary>
        internal static bool CpuFloat16 { get; set; }

        /// <summary>Where said messages go (standard error by default).</summary>
        internal static Action<string> Notify { get; set; } = message => Console.Error.WriteLine(message);

        /// <summary>Says <paramref name="message"/> once per process.</summary>
        internal static void SayOnce(string message)
        {
            if (Said.TryAdd(message, true)) Notify(message);
        }

        /// <summary>Forgets what was said, so tests see each message again.</summary>
        internal static void ForgetSaid() => Said.Clear();

        /// <summary>The scalar type a layer with <paramref name="policy"/> computes in on <paramref name="device"/>: the
        /// policy's, except float16 on the CPU, which falls back to float32 with a message (once).</summary>
        internal static TorchSharp.torch.ScalarType ComputeTypeOn(DTypePolicy policy, TorchSharp.torch.Device? device)
        {
            var type = policy.ComputeScalarType;
            if (type == TorchSharp.torch.ScalarType.Float16 && device is { type: TorchSharp.DeviceType.CPU } && !CpuFloat16)
            {
                SayOnce("RnnSharp: the \"mixed_float16\" policy computes in float16 on CUDA GPUs only; libtorch's float16 kernels on the CPU " +
                    "are slower than float32 (no oneDNN float16 path for training), so layers on the CPU compute in float32. " +
                    "Use \"mixed_bfloat16\" on CPUs (fast with AVX512-BF16 or AMX).");
                return TorchSharp.torch.ScalarType.Float32;
            }
            if (type == TorchSharp.torch.ScalarType.BFloat16 && device is { type: TorchSharp.DeviceType.CPU } && !CpuHasBFloat16.Value)
                SayOnce("RnnSharp: this CPU has no bfloat16 instructions (avx512_bf16, amx_bf16): libtorch runs \"mixed_bfloat16\" layers in " +
                    "emulated bfloat16, slower than float32 (oneDNN's bfloat16 recurrent kernels need AVX512). The policy still applies.");
            return type;
        }

        // Linux reports the CPU's instruction sets in /proc/cpuinfo (x86 "flags", Arm "Features"); elsewhere unknown: say nothing.
        private static readonly Lazy<bool> CpuHasBFloat16 = new(() =>
        {
            try
            {
                if (!System.IO.File.Exists("/proc/cpuinfo")) return true;
                foreach (var line in System.IO.File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("flags", StringComparison.Ordinal) || line.StartsWith("Features", StringComparison.Ordinal))
                        return Array.Exists(line.Split(' ', ':', '\t'), f => f is "avx512_bf16" or "amx_bf16" or "bf16");
                return true;
            }
            catch (System.IO.IOException)
            {
                return true;
            }
        });
    }
}
