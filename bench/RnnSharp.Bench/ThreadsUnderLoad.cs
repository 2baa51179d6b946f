using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using TorchSharp;

namespace RnnSharp.Bench
{
    /// <summary>
    /// Issue 14, threads under load: S1's <c>Fit</c> (Embedding+LSTM(128)+Dense(1), T=80, B=64) timed in a fresh child
    /// process per configuration, {idle, one busy competitor process} × {1, 2 libtorch threads} × OpenMP wait policy,
    /// interleaved over rounds. A child per configuration because libgomp reads <c>OMP_WAIT_POLICY</c> and
    /// <c>GOMP_SPINCOUNT</c> once, when libtorch loads it.
    /// </summary>
    internal static class ThreadsUnderLoad
    {
        /// <summary>The environment each policy column gives the child; null removes the variable.</summary>
        private static readonly (string Name, string? WaitPolicy, string? SpinCount)[] Policies =
        {
            ("env unset", null, null),
            // libgomp's own default (env.c: 300000 spins when OMP_WAIT_POLICY is unset), whatever RnnSharp defaults to.
            ("GOMP_SPINCOUNT=300000", null, "300000"),
            ("OMP_WAIT_POLICY=PASSIVE", "PASSIVE", null),
            // A short spin (about 0.1 ms on libgomp's estimate): the middle ground between the two.
            ("GOMP_SPINCOUNT=10000", null, "10000"),
            ("OMP_WAIT_POLICY=ACTIVE", "ACTIVE", null),
        };

        private static readonly int[] ThreadCounts = { 1, 2 };
        private const int Steps = 80, Batch = 64, BatchesPerEpoch = 2;
        // Each child times whole epochs until this much time has passed (at least one epoch).
        private const double MeasureSeconds = 3;
        // The competitor spins at most this long even if nobody kills it.
        private const int CompetitorSeconds = 120;
        private static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(100);

        private sealed record Config(bool Loaded, int Threads, string Policy, string? WaitPolicy, string? SpinCount)
        {
            public string Key => $"{(Loaded ? "loaded" : "idle")} threads={Threads} {Policy}";
        }

        private sealed record Sample(double SamplesPerSecond, double CpuPercent, double VoluntarySwitchesPerSecond,
            double InvoluntarySwitchesPerSecond, int TorchThreads, int OsThreads, string Parsed);

        /// <summary>The parent: runs every configuration in a child, <paramref name="rounds"/> times, rotating the order.</summary>
        public static int Run(int rounds, string outDir)
        {
            var configs = (from loaded in new[] { false, true }
                           from threads in ThreadCounts
                           from p in Policies
                           select new Config(loaded, threads, p.Name, p.WaitPolicy, p.SpinCount)).ToList();
            Console.WriteLine($"Threads under load: S1 Fit (Embedding+LSTM(128)+Dense(1), T={Steps}, B={Batch}), {configs.Count} configurations × {rounds} rounds, a child process each");
            Console.WriteLine($"  cpu: {Program.CpuModel()} ({Program.CpuDetails()}), {Environment.ProcessorCount} logical cores, load average {Program.LoadAverage()}");
            string loadAtStart = Program.LoadAverage();
            var samples = configs.ToDictionary(c => c.Key, _ => new List<Sample>());
            var clock = Stopwatch.StartNew();
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < configs.Count; k++)
                {
                    var c = configs[(k + r * 5) % configs.Count];
                    var s = RunChild(c);
                    Console.Error.WriteLine($"[{clock.Elapsed:hh\\:mm\\:ss}] round {r + 1}/{rounds} {c.Key}: " +
                        (s is null ? "failed" : $"{s.SamplesPerSecond:0} samples/s, cpu {s.CpuPercent:0}%, switches/s vol {s.VoluntarySwitchesPerSecond:0} invol {s.InvoluntarySwitchesPerSecond:0}, libgomp: {s.Parsed}"));
                    if (s is not null) samples[c.Key].Add(s);
                }

            var table = Table(configs, samples, rounds) +
                $"\nCPU: {Program.CpuModel()} ({Program.CpuDetails()}), {Environment.ProcessorCount} logical cores; load average at start {loadAtStart}, at end {Program.LoadAverage()}; {clock.Elapsed.TotalMinutes:0.0} minutes.\n";
            Console.WriteLine();
            Console.WriteLine(table);
            Directory.CreateDirectory(outDir);
            File.WriteAllText(Path.Combine(outDir, "threads-under-load.md"), table);
            Console.WriteLine($"wrote {Path.Combine(outDir, "threads-under-load.md")}");
            return samples.Values.All(v => v.Count > 0) ? 0 : 1;
        }

        private static string Table(List<Config> configs, Dictionary<string, List<Sample>> samples, int rounds)
        {
            var md = new StringBuilder();
            md.AppendLine($"| threads | OpenMP environment | libgomp parsed | idle samples/s (min-max) | loaded samples/s (min-max) | loaded/idle | loaded CPU % | loaded switches/s (vol / invol) |");
            md.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|");
            foreach (var c in configs.Where(c => !c.Loaded))
            {
                var idle = samples[c.Key];
                var loaded = samples[(c with { Loaded = true }).Key];
                double Med(List<Sample> l, Func<Sample, double> f) => l.Count == 0 ? double.NaN : Stats.Median(l.Select(f).ToList());
                double idleRate = Med(idle, s => s.SamplesPerSecond), loadedRate = Med(loaded, s => s.SamplesPerSecond);
                string Span(List<Sample> l) => l.Count == 0 ? "" : $" ({l.Min(s => s.SamplesPerSecond):0}-{l.Max(s => s.SamplesPerSecond):0})";
                string parsed = idle.Concat(loaded).Select(s => s.Parsed).Distinct().FirstOrDefault() ?? "?";
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Threads} | {c.Policy} | {parsed} | {idleRate:0}{Span(idle)} | {loadedRate:0}{Span(loaded)} | {loadedRate / idleRate:0.00} | {Med(loaded, s => s.CpuPercent):0} | {Med(loaded, s => s.VoluntarySwitchesPerSecond):0} / {Med(loaded, s => s.InvoluntarySwitchesPerSecond):0} |"));
            }
            md.AppendLine();
            md.AppendLine($"Medians of {rounds} rounds; each round runs every configuration once, in a rotated order, each in a fresh process " +
                $"(warm-up: one batch; then whole epochs of {Batch * BatchesPerEpoch} samples for {MeasureSeconds} s). Loaded: one other process spinning " +
                "on one thread (unpinned) for the child's whole life. CPU % is the child's user+system time over wall time (200 = both cores); " +
                "switches are summed over the child's threads.");
            return md.ToString();
        }

        private static Sample? RunChild(Config c)
        {
            Process? competitor = null;
            try
            {
                if (c.Loaded) competitor = StartCompetitor();
                var start = SelfStart("--load-child", "--threads", c.Threads.ToString(CultureInfo.InvariantCulture));
                start.Environment.Remove("OMP_WAIT_POLICY");
                start.Environment.Remove("GOMP_SPINCOUNT");
                start.Environment.Remove("OMP_NUM_THREADS");
                if (c.WaitPolicy is not null) start.Environment["OMP_WAIT_POLICY"] = c.WaitPolicy;
                if (c.SpinCount is not null) start.Environment["GOMP_SPINCOUNT"] = c.SpinCount;
                // libgomp prints what it parsed when it loads: evidence of the policy in force, not an assumption.
                start.Environment["OMP_DISPLAY_ENV"] = "VERBOSE";
                using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start the child");
                var stderr = child.StandardError.ReadToEndAsync();
                var stdout = child.StandardOutput.ReadToEndAsync();
                if (!child.WaitForExit(ChildTimeout))
                {
                    child.Kill(entireProcessTree: true);
                    child.WaitForExit();
                    Console.Error.WriteLine($"  {c.Key}: killed after {ChildTimeout.TotalSeconds} s");
                    return null;
                }
                string line = stdout.Result.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)) ?? "";
                if (child.ExitCode != 0 || line.Length == 0)
                {
                    Console.Error.WriteLine($"  {c.Key}: exit {child.ExitCode}\n{stdout.Result}\n{stderr.Result}");
                    return null;
                }
                var r = JsonSerializer.Deserialize<Dictionary<string, double>>(line["RESULT ".Length..])!;
                return new Sample(r["samplesPerSecond"], r["cpuPercent"], r["voluntaryPerSecond"], r["involuntaryPerSecond"],
                    (int)r["torchThreads"], (int)r["osThreads"], Parsed(stderr.Result));
            }
            finally
            {
                if (competitor is not null)
                {
                    if (!competitor.HasExited) competitor.Kill();
                    competitor.WaitForExit();
                    competitor.Dispose();
                }
            }
        }

        // OMP_DISPLAY_ENV=VERBOSE's lines, e.g. "  OMP_WAIT_POLICY = 'PASSIVE'" and "  GOMP_SPINCOUNT = '0'".
        private static string Parsed(string stderr)
        {
            string Field(string name) => Regex.Match(stderr, $@"\b{name} = '([^']*)'") is { Success: true } m ? m.Groups[1].Value : "?";
            return $"{Field("OMP_WAIT_POLICY")}, spin {Field("GOMP_SPINCOUNT")}";
        }

        private static Process StartCompetitor()
        {
            var start = SelfStart("--spin", CompetitorSeconds.ToString(CultureInfo.InvariantCulture));
            var p = Process.Start(start) ?? throw new InvalidOperationException("could not start the competitor");
            // Measure only once it is spinning.
            if (p.StandardOutput.ReadLine() != "spinning") throw new InvalidOperationException("the competitor did not start spinning");
            return p;
        }

        /// <summary>This bench again, as a child: the apphost, or <c>dotnet RnnSharp.Bench.dll</c>.</summary>
        private static ProcessStartInfo SelfStart(params string[] args)
        {
            string host = Environment.ProcessPath ?? "dotnet";
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
                start.ArgumentList.Add(typeof(ThreadsUnderLoad).Assembly.Location);
            foreach (string a in args) start.ArgumentList.Add(a);
            return start;
        }

        /// <summary>The competitor: one thread spinning for <paramref name="seconds"/> at most.</summary>
        public static int Spin(int seconds)
        {
            Console.WriteLine("spinning");
            Console.Out.Flush();
            var clock = Stopwatch.StartNew();
            long x = 0;
            while (clock.Elapsed.TotalSeconds < seconds)
                for (int i = 0; i < 1_000_000; i++) x = x * 6364136223846793005L + 1442695040888963407L;
            return x == 42 ? 1 : 0;
        }

        /// <summary>The child: times S1's Fit with <paramref name="threads"/> libtorch threads and prints one RESULT line.</summary>
        public static int Child(int threads)
        {
            torch.set_num_threads(threads);
            Backend.SetRandomSeed(1234);
            var spec = ClassifierCases.Specs.Single(s => s.Case == "S1");
            using var model = ClassifierCases.Build(spec);
            long n = (long)Batch * BatchesPerEpoch;
            var (x, y) = ClassifierCases.Data(n, Steps);
            using (x)
            using (y)
            {
                using (var xw = x.narrow(0, 0, Batch))
                using (var yw = y.narrow(0, 0, Batch))
                    model.Fit(xw, yw, batchSize: Batch, epochs: 1, verbose: 0);
                Harness.Settle();
                var self = Process.GetCurrentProcess();
                var (vol0, invol0, _) = ContextSwitches();
                var cpu0 = self.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                int epochs = 0;
                do
                {
                    model.Fit(x, y, batchSize: Batch, epochs: 1, verbose: 0);
                    epochs++;
                }
                while (clock.Elapsed.TotalSeconds < MeasureSeconds);
                double wall = clock.Elapsed.TotalSeconds;
                self.Refresh();
                double cpu = (self.TotalProcessorTime - cpu0).TotalSeconds;
                var (vol1, invol1, osThreads) = ContextSwitches();
                var result = new Dictionary<string, double>
                {
                    ["samplesPerSecond"] = epochs * n / wall,
                    ["cpuPercent"] = 100 * cpu / wall,
                    ["voluntaryPerSecond"] = (vol1 - vol0) / wall,
                    ["involuntaryPerSecond"] = (invol1 - invol0) / wall,
                    ["torchThreads"] = torch.get_num_threads(),
                    ["osThreads"] = osThreads,
                };
                Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
            }
            return 0;
        }

        // Voluntary (the thread waited: a sleep, a futex) and involuntary (the scheduler took the core away) switches,
        // summed over this process's threads.
        private static (long Voluntary, long Involuntary, int Threads) ContextSwitches()
        {
            long vol = 0, invol = 0;
            int count = 0;
            foreach (string task in Directory.GetDirectories("/proc/self/task"))
            {
                try
                {
                    foreach (string l in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (l.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)) vol += long.Parse(l.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
                        else if (l.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal)) invol += long.Parse(l.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
                    }
                    count++;
                }
                catch (IOException)
                {
                    // The thread ended between listing and reading.
                }
            }
            return (vol, invol, count);
        }
    }
}
