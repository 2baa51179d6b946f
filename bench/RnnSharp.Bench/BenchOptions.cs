using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RnnSharp.Bench
{
    /// <summary>Command-line options of the benchmark.</summary>
    internal sealed class BenchOptions
    {
        public static readonly string[] AllCases = { "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "F", "MEM", "P" };

        /// <summary>Short run: fewer configurations, repetitions and steps.</summary>
        public bool Quick { get; private set; }

        /// <summary>Cases to run (S1..S9, F for the multi-layer fusion probe, MEM for the long-run memory check).</summary>
        public HashSet<string> Cases { get; private set; } = new(AllCases, StringComparer.OrdinalIgnoreCase);

        /// <summary>Folder for results.json and results.csv.</summary>
        public string OutDir { get; private set; } = "bench-results";

        /// <summary>Timed repetitions per contender (null: the mode's default).</summary>
        public int? Reps { get; private set; }

        /// <summary>Untimed warm-up repetitions per contender (null: the mode's default).</summary>
        public int? Warmup { get; private set; }

        /// <summary>Also print stopwatch sections of one training and one inference step, RnnSharp vs raw.</summary>
        public bool Profile { get; private set; }

        /// <summary>libtorch intra-op threads (null: libtorch's default).</summary>
        public int? Threads { get; private set; }

        /// <summary>The mixed policy case P sets against float32: <c>mixed_bfloat16</c> (default) or <c>mixed_float16</c>.</summary>
        public string Precision { get; private set; } = "mixed_bfloat16";

        /// <summary>The device every model, layer and batch runs on: <c>cpu</c> or <c>cuda</c> (<c>cuda:N</c>).</summary>
        public string Device { get; private set; } = "cpu";

        /// <summary>Run only the threads-under-load matrix (issue 14): Fit idle and beside a busy process, per thread
        /// count and OpenMP wait policy, a child process each.</summary>
        public bool ThreadsUnderLoad { get; private set; }

        /// <summary>Internal: this process is one configuration of the threads-under-load matrix.</summary>
        public bool LoadChild { get; private set; }

        /// <summary>Internal: this process is the matrix's busy competitor, spinning this many seconds at most.</summary>
        public int? SpinSeconds { get; private set; }

        public static BenchOptions Parse(string[] args)
        {
            var o = new BenchOptions();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
                switch (a)
                {
                    case "--quick": o.Quick = true; break;
                    case "--profile": o.Profile = true; break;
                    case "--cases":
                        o.Cases = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                            StringComparer.OrdinalIgnoreCase);
                        var unknown = o.Cases.Where(c => !AllCases.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
                        if (unknown.Count > 0)
                            throw new ArgumentException($"Unknown case(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllCases)}.");
                        break;
                    case "--out": o.OutDir = Next(); break;
                    case "--reps": o.Reps = PositiveInt(a, Next()); break;
                    case "--warmup": o.Warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--threads": o.Threads = PositiveInt(a, Next()); break;
                    case "--precision":
                        o.Precision = Next();
                        if (o.Precision is not ("mixed_bfloat16" or "mixed_float16"))
                            throw new ArgumentException($"--precision {o.Precision}: use mixed_bfloat16 or mixed_float16.");
                        break;
                    case "--device":
                        o.Device = Next().Trim().ToLowerInvariant();
                        if (o.Device != "cpu" && !o.Device.StartsWith("cuda", StringComparison.Ordinal))
                            throw new ArgumentException($"--device {o.Device}: use cpu or cuda (cuda:N).");
                        break;
                    case "--threads-under-load": o.ThreadsUnderLoad = true; break;
                    case "--load-child": o.LoadChild = true; break;
                    case "--spin": o.SpinSeconds = PositiveInt(a, Next()); break;
                    case "-h":
                    case "--help":
                        throw new HelpRequested();
                    default:
                        throw new ArgumentException($"Unknown argument {a}. Use --help.");
                }
            }
            return o;
        }

        public static string Usage =>
            """
            RnnSharp benchmark: RnnSharp vs hand-written raw TorchSharp, same math, same process.

              dotnet run -c Release --project bench/RnnSharp.Bench -- [options]

              --quick            short run (a few minutes): fewer sizes, repetitions and steps
              --cases S1,S7,...  subset of S1 S2 S3 S4 S5 S6 S7 S8 S9 F MEM P (S9: Predict vs ONNX Runtime,
                                 F: multi-layer fusion probe, MEM: long-run flat-memory check,
                                 P: S1-S4 and S6 under --precision against float32); default: all
              --precision P      the mixed policy case P measures: mixed_bfloat16 (default) or mixed_float16
              --reps N           timed repetitions per contender (default 15, quick 9; fewer, at least 5 or 3,
                                 where one repetition of all contenders exceeds 40 s, quick 10 s)
              --warmup N         untimed warm-up repetitions per contender (default 2, quick 1)
              --profile          also print stopwatch sections of a training and an inference step
              --threads N        libtorch intra-op threads (default: libtorch's choice)
              --device cpu|cuda  where models and data live (default cpu); cuda needs a CUDA libtorch (docs/gpu.md)
              --out DIR          where results.json, results.csv and results.md go (default bench-results)
              --threads-under-load  only the threads-under-load matrix (issue 14): S1 Fit idle and beside one busy
                                 process, 1 and 2 threads, per OpenMP wait policy, a child process each; --reps N
                                 rounds (default 3, quick 2); writes threads-under-load.md to --out
            """;

        private static int PositiveInt(string name, string value)
        {
            int v = int.Parse(value, CultureInfo.InvariantCulture);
            return v > 0 ? v : throw new ArgumentException($"{name} must be positive.");
        }
    }

    /// <summary>Thrown by <see cref="BenchOptions.Parse"/> for --help.</summary>
    internal sealed class HelpRequested : Exception
    {
    }
}
