using System;
using System.Collections.Generic;
using RnnSharp.Utils;
using TorchSharp;

namespace RnnSharp
{
    /// <summary>
    /// Session-wide state, as Keras's <c>keras.backend</c>: automatic layer and model names, the random seed and
    /// the default device.
    /// </summary>
    public static class Backend
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<string, int> NameCounters = new();

        /// <summary>
        /// Resets the automatic-name counters (and nothing else), as Keras's <c>clear_session()</c>:
        /// the next <c>LSTM</c> is named <c>lstm</c> again.
        /// </summary>
        public static void ClearSession()
        {
            lock (Gate) NameCounters.Clear();
        }

        /// <summary>
        /// Returns a unique name for an object whose class is <paramref name="className"/>, Keras 2 style:
        /// the snake_case class name, without suffix the first time, then <c>_1</c>, <c>_2</c>, ...
        /// </summary>
        public static string UniqueObjectName(string className)
        {
            string baseName = NameUtils.ToSnakeCase(className);
            lock (Gate)
            {
                NameCounters.TryGetValue(baseName, out int count);
                NameCounters[baseName] = count + 1;
                return count == 0 ? baseName : $"{baseName}_{count}";
            }
        }

        /// <summary>
        /// Keras 2's <c>backend.get_uid(prefix)</c>: 1 the first time for <paramref name="prefix"/>, then 2, 3, ...
        /// (input layers are <c>input_1</c>, <c>input_2</c>, ...). Shares its counters with <see cref="UniqueObjectName"/>,
        /// as Keras does.
        /// </summary>
        public static int GetUid(string prefix)
        {
            lock (Gate)
            {
                NameCounters.TryGetValue(prefix, out int count);
                NameCounters[prefix] = count + 1;
                return count + 1;
            }
        }

        /// <summary>
        /// Seeds every random source RnnSharp uses (weight initialisers, dropout, shuffling) so runs on the CPU repeat.
        /// </summary>
        public static void SetRandomSeed(long seed)
        {
            torch.manual_seed(seed);
            if (torch.cuda.is_available()) torch.cuda.manual_seed_all(seed);
        }

        /// <summary>
        /// libtorch's intra-op thread count: how many threads one operation (a matrix product, an LSTM layer) may use.
        /// libtorch's default is the number of physical cores.
        /// </summary>
        public static int NumThreads => torch.get_num_threads();

        /// <summary>
        /// Sets libtorch's intra-op thread count for this process, as PyTorch's <c>torch.set_num_threads</c>. On a
        /// machine shared with other busy processes, fewer threads than cores keeps <c>Fit</c> from waiting on a thread
        /// the operating system has paused (docs/benchmarks.md, "Threads under load").
        /// </summary>
        /// <param name="threads">At least 1.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is below 1.</exception>
        public static void SetNumThreads(int threads)
        {
            if (threads < 1)
                throw new ArgumentOutOfRangeException(nameof(threads), threads,
                    $"Backend.SetNumThreads expects at least 1 thread, got {threads}.");
            torch.set_num_threads(threads);
        }

        /// <summary>
        /// The native <c>OMP_WAIT_POLICY</c> variable, which libtorch's OpenMP runtime (libgomp) reads once, when
        /// libtorch loads; null when it is not set. RnnSharp sets <c>PASSIVE</c> when it loads, before libtorch does, unless
        /// <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is already set: a waiting thread then sleeps instead of
        /// spinning, which keeps two threads fast beside another busy process. Set either variable before starting the
        /// process to choose otherwise. Linux only (elsewhere RnnSharp changes nothing); an app that calls TorchSharp
        /// before its first use of RnnSharp has loaded libtorch already, and gets libgomp's default spinning.
        /// </summary>
        public static string? OpenMPWaitPolicy => OpenMPEnvironment.Get(OpenMPEnvironment.WaitPolicyVariable);

        /// <summary>True when TorchSharp's CUDA backend is loaded and a GPU is present.</summary>
        public static bool IsCudaAvailable => torch.cuda.is_available();

        /// <summary>
        /// Resolves a device name (<c>"cpu"</c>, <c>"cuda"</c>, <c>"cuda:1"</c>); asking for CUDA where none is
        /// available raises an error that says so.
        /// </summary>
        public static torch.Device Device(string name)
        {
            if (name.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device \"{name}\" was requested but CUDA is not available: build with -p:TorchBackend=cuda-linux " +
                    "(or cuda-windows), or run on a CUDA libtorch of your own (docs/gpu.md), on a machine with an NVIDIA GPU and driver.");
            return new torch.Device(name);
        }
    }
}
