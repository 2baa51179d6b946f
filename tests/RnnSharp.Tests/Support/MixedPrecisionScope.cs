using System;
using RnnSharp.DTypePolicies;
using Xunit;

namespace RnnSharp.Tests
{
    /// <summary>Tests that touch the process-wide policy or the CPU float16 switch run one at a time.</summary>
    [CollectionDefinition("MixedPrecision", DisableParallelization = true)]
    public sealed class MixedPrecisionCollection { }

    /// <summary>Sets process-wide mixed-precision state for one test and restores it on dispose.</summary>
    internal sealed class MixedPrecisionScope : IDisposable
    {
        private readonly DTypePolicy policy = MixedPrecision.GlobalPolicy;
        private readonly bool cpuFloat16 = MixedPrecision.CpuFloat16;
        private readonly Action<string> notify = MixedPrecision.Notify;

        private MixedPrecisionScope() => MixedPrecision.ForgetSaid();

        /// <summary>Messages said while the scope is open.</summary>
        public System.Collections.Generic.List<string> Said { get; } = new();

        /// <summary>Records said messages instead of printing them.</summary>
        public MixedPrecisionScope Recording()
        {
            MixedPrecision.Notify = Said.Add;
            return this;
        }

        /// <summary>Lets float16 compute on the CPU (libtorch supports it, slowly) so its numerics can be checked here.</summary>
        public static MixedPrecisionScope CpuFloat16()
        {
            var scope = new MixedPrecisionScope();
            MixedPrecision.CpuFloat16 = true;
            return scope;
        }

        /// <summary>Sets the global policy for the test.</summary>
        public static MixedPrecisionScope Global(string name)
        {
            var scope = new MixedPrecisionScope();
            MixedPrecision.SetGlobalPolicy(name);
            return scope;
        }

        public void Dispose()
        {
            MixedPrecision.SetGlobalPolicy(policy);
            MixedPrecision.CpuFloat16 = cpuFloat16;
            MixedPrecision.Notify = notify;
            MixedPrecision.ForgetSaid();
        }
    }
}
