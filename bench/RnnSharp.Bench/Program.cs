using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace RnnSharp.Bench
{
    /// <summary>
    /// RnnSharp's benchmark suite (issue 5): each case runs RnnSharp and a hand-written raw-TorchSharp equivalent doing
    /// the same math in this process, interleaved, and reports medians, min/max and the ratio.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            BenchOptions options;
            try
            {
                options = BenchOptions.Parse(args);
            }
            catch (HelpRequested)
            {
                Console.WriteLine(BenchOptions.Usage);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(BenchOptions.Usage);
                return 2;
            }

            // Threads under load (issue 14): the parent touches no libtorch; each child loads it with its own environment.
            if (options.SpinSeconds is int spin) return ThreadsUnderLoad.Spin(spin);
            if (options.LoadChild) return ThreadsUnderLoad.Child(options.Threads ?? torch.get_num_threads());
            if (options.ThreadsUnderLoad) return ThreadsUnderLoad.Run(options.Reps ?? (options.Quick ? 2 : 3), options.OutDir);

            if (options.Threads is int threads) torch.set_num_threads(threads);
            if (options.Device != "cpu")
            {
                try
                {
                    // Backend.Device says so when CUDA is not available; the default device then puts every model,
                    // raw module and batch the cases create on the GPU.
                    torch.set_default_device(Backend.Device(options.Device));
                }
                catch (InvalidOperationException e)
                {
                    Console.Error.WriteLine($"--device {options.Device}: {e.Message}");
                    return 3;
                }
                Harness.Synchronize = () => torch.cuda.synchronize();
            }
            var ctx = new BenchContext(options);
            var environment = Environment(ctx);
            Console.WriteLine("RnnSharp benchmark" + (options.Quick ? " (--quick)" : ""));
            foreach (var (key, value) in environment) Console.WriteLine($"  {key}: {value}");
            Console.WriteLine();

            foreach (var spec in ClassifierCases.Specs.Where(s => options.Cases.Contains(s.Case)))
                ClassifierCases.Run(ctx, spec);
            if (options.Cases.Contains("S6")) LayerCases.Run(ctx);
            if (options.Cases.Contains("S7")) MaskedCases.Run(ctx);
            if (options.Cases.Contains("S8")) FunctionalCases.Run(ctx);
            if (options.Cases.Contains("S9")) OnnxCases.Run(ctx);
            if (options.Cases.Contains("F")) FusionProbe.Run(ctx);
            if (options.Cases.Contains("MEM")) LongRun.Run(ctx);
            if (options.Cases.Contains("P")) PrecisionCases.Run(ctx);
            if (options.Profile) Profiler.Run(ctx);

            var final = new Dictionary<string, object?>(environment) { ["loadAverageAtEnd"] = LoadAverage() };
            Console.WriteLine();
            Console.WriteLine(Report.Table(ctx.Rows));
            Console.WriteLine("ratio = A's median throughput / B's (above 1: A faster). Throughputs are per second; min-max span the runs.");
            foreach (var note in ctx.Notes) Console.WriteLine("- " + note);
            Console.WriteLine($"load average at end: {final["loadAverageAtEnd"]}");
            Report.Write(options.OutDir, final, ctx.Rows, ctx.Notes);
            Console.WriteLine($"wrote {Path.Combine(options.OutDir, "results.json")}, results.csv and results.md");
            return 0;
        }

        private static Dictionary<string, object?> Environment(BenchContext ctx) => new()
        {
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            ["cpu"] = CpuModel(),
            ["cpuDetails"] = CpuDetails(),
            ["logicalCores"] = System.Environment.ProcessorCount,
            ["torchThreads"] = torch.get_num_threads(),
            ["torchSharp"] = typeof(torch).Assembly.GetName().Version?.ToString(),
            ["libtorch"] = LibtorchVersion(),
            ["onnxRuntime"] = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(),
            ["device"] = ctx.Options.Device,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["loadAverageAtStart"] = LoadAverage(),
            ["mode"] = ctx.Options.Quick ? "quick" : "full",
            ["reps"] = ctx.Plan.Reps,
            ["minReps"] = ctx.Plan.MinReps,
            ["budgetSecondsPerMeasurement"] = ctx.Plan.BudgetSeconds,
            ["warmup"] = ctx.Plan.Warmup,
            ["batchesPerRun"] = ctx.Sizes.BatchesPerRun,
        };

        internal static string CpuModel()
        {
            try
            {
                return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                    ?? RuntimeInformation.ProcessArchitecture.ToString();
            }
            catch (IOException)
            {
                return RuntimeInformation.ProcessArchitecture.ToString();
            }
        }

        // Family/model/stepping, clock, vector extensions and whether it is a virtual machine: the model name of a
        // cloud guest is often just "AMD EPYC".
        internal static string CpuDetails()
        {
            try
            {
                var lines = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToList();
                string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
                var flags = Field("flags").Split(' ');
                string vector = flags.Contains("avx512f") ? "AVX-512" : flags.Contains("avx2") ? "AVX2" : "no AVX2";
                // AMX and AVX-512 VNNI/BF16 decide which of ONNX Runtime's and oneDNN's kernels run (S9).
                if (flags.Contains("avx512_vnni")) vector += " VNNI";
                if (flags.Contains("avx512_bf16")) vector += " BF16";
                vector += flags.Contains("amx_tile") ? ", AMX" : ", no AMX";
                string vm = flags.Contains("hypervisor") ? ", virtual machine" : "";
                return $"family {Field("cpu family")} model {Field("model")} stepping {Field("stepping")}, {Field("cpu MHz")} MHz, {vector}{vm}";
            }
            catch (IOException)
            {
                return "n/a";
            }
        }

        internal static string LoadAverage()
        {
            try
            {
                return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
            }
            catch (IOException)
            {
                return "n/a";
            }
        }

        // The native libtorch package this app was built against, as the dependency manifest records it; for an app
        // built without one (TorchBackend=none), the libtorch this process mapped (e.g. a pip torch's torch/lib).
        private static string LibtorchVersion()
        {
            var deps = Directory.GetFiles(AppContext.BaseDirectory, "*.deps.json").FirstOrDefault();
            var match = deps is null ? Match.Empty : Regex.Match(File.ReadAllText(deps), "\"libtorch-[a-z0-9-]+/([0-9.]+)\"");
            if (match.Success) return match.Groups[1].Value;
            try
            {
                return File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
                    .FirstOrDefault(p => p.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal)) ?? "unknown";
            }
            catch (IOException)
            {
                return "unknown";
            }
        }
    }
}
