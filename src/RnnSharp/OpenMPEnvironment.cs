using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnSharp
{
    /// <summary>
    /// RnnSharp's one OpenMP decision, made when the assembly loads: <c>OMP_WAIT_POLICY=PASSIVE</c> in the native
    /// environment, unless the user chose a policy or spin count. libtorch's Linux CPU build ships GNU OpenMP (libgomp),
    /// which reads these variables once, when libtorch loads, and by default spins up to 300,000 times in every barrier
    /// before sleeping; beside another busy process the spinning thread burns the core its partner needs, and two-thread
    /// Fit crawled (docs/benchmarks.md, "Threads under load").
    /// </summary>
    internal static class OpenMPEnvironment
    {
        public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
        public const string SpinCountVariable = "GOMP_SPINCOUNT";
        public const string DefaultWaitPolicy = "PASSIVE";

        /// <summary>
        /// Runs before any code of RnnSharp, so before RnnSharp's first call into TorchSharp loads libtorch. An app that
        /// calls TorchSharp before touching RnnSharp has loaded libgomp already, and this changes nothing for it.
        /// </summary>
#pragma warning disable CA2255 // A library module initializer is the point: it must run before libtorch loads.
        [ModuleInitializer]
#pragma warning restore CA2255
        internal static void ApplyDefault()
        {
            if (!OperatingSystem.IsLinux()) return;
            if (Get(WaitPolicyVariable) is not null || Get(SpinCountVariable) is not null) return;
            Set(WaitPolicyVariable, DefaultWaitPolicy);
        }

        /// <summary>The variable as native code (libgomp) sees it; null when unset or not on Linux.</summary>
        public static string? Get(string name) => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(Libc.GetEnv(name)) : null;

        // .NET's Environment.SetEnvironmentVariable keeps a managed copy on Unix and never reaches the native
        // environment that libgomp's getenv reads; libc's setenv does. Overwrite 0: a value set meanwhile wins.
        private static void Set(string name, string value)
        {
            if (Libc.SetEnv(name, value, 0) != 0)
                throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        private static class Libc
        {
            [DllImport("libc.so.6", EntryPoint = "setenv", SetLastError = true)]
            public static extern int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

            [DllImport("libc.so.6", EntryPoint = "getenv")]
            public static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
        }
    }
}
