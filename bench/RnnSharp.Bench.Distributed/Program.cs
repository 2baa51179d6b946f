// Data-parallel scaling on this machine: the stacked LSTM of examples/StackedRnn trained with Fit by 1 and by 2
// processes under mpirun (one libtorch thread each), repeated and interleaved; reports samples/s, the scaling
// efficiency and the gradient all-reduce's share of a step. See docs/distributed.md for the figures and the method.
//
//   dotnet build bench/RnnSharp.Bench.Distributed -c Release
//   dotnet bench/RnnSharp.Bench.Distributed/bin/Release/net10.0/RnnSharp.Bench.Distributed.dll [--reps N] [--steps N] [--out DIR]
//
// The driver starts `mpirun -np P <this program> --worker ...` for each case; each worker prints one JSON line.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using RnnSharp;
using RnnSharp.Bench.Distributed;
using RnnSharp.Distributed;
using RnnSharp.Distribution;
using RnnSharp.Layers;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "--worker") return Worker(int.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture));

int reps = 3, steps = 60;
string outDir = "bench-distributed-output";
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--reps": reps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--out": outDir = Next(); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}. Options: --reps N, --steps N, --out DIR"); return 2;
    }
}

// (processes, global batch): weak scaling keeps 32 samples per process, strong scaling keeps the global batch at 64.
var cases = new[] { (1, 32), (2, 64), (1, 64) };
string loadAtStart = LoadAverage();
var runs = cases.ToDictionary(c => c, _ => new List<JsonElement>());
for (int rep = 0; rep < reps; rep++)
    foreach (var c in cases)
    {
        var result = Launch(c.Item1, c.Item2, steps);
        runs[c].Add(result);
        Console.WriteLine($"rep {rep + 1}/{reps}: {c.Item1} process(es), global batch {c.Item2}: {result.GetProperty("samplesPerSecond").GetDouble():F0} samples/s, " +
                          $"waiting {100 * result.GetProperty("waitShare").GetDouble():F1}% and all-reduce {100 * result.GetProperty("allReduceShare").GetDouble():F1}% of the step " +
                          $"(load average before: {result.GetProperty("loadAverageBefore").GetString()})");
    }

double Median(IEnumerable<double> values)
{
    var sorted = values.OrderBy(v => v).ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
double Throughput((int, int) c) => Median(runs[c].Select(r => r.GetProperty("samplesPerSecond").GetDouble()));
double Share((int, int) c) => Median(runs[c].Select(r => r.GetProperty("allReduceShare").GetDouble()));
double Wait((int, int) c) => Median(runs[c].Select(r => r.GetProperty("waitShare").GetDouble()));
double StepMs((int, int) c) => Median(runs[c].Select(r => r.GetProperty("stepMilliseconds").GetDouble()));
string Range((int, int) c) => $"{runs[c].Min(r => r.GetProperty("samplesPerSecond").GetDouble()):F0}–{runs[c].Max(r => r.GetProperty("samplesPerSecond").GetDouble()):F0}";

var md = new StringBuilder();
md.AppendLine($"CPU: {Lscpu("Model name")}, {Environment.ProcessorCount} logical CPUs; flags: {Lscpu("Flags")}");
md.AppendLine($"Load average (1/5/15 min) at start: {loadAtStart}; at end: {LoadAverage()} (other work on the machine competes for its cores).");
md.AppendLine($"Open MPI: {MpirunVersion()}; {reps} repetitions of {steps} timed steps per case (medians, min–max), one libtorch thread per process.");
md.AppendLine();
md.AppendLine("| processes | global batch | per process | samples/s [min–max] | step | waiting for the slower process | gradient all-reduce |");
md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
foreach (var c in cases)
    md.AppendLine($"| {c.Item1} | {c.Item2} | {c.Item2 / c.Item1} | {Throughput(c):F0} [{Range(c)}] | {StepMs(c):F1} ms | " +
                  (c.Item1 == 1 ? "– | – |" : $"{100 * Wait(c):F1}% | {100 * Share(c):F2}% |"));
md.AppendLine();
double weak = Throughput((2, 64)) / (2 * Throughput((1, 32)));
double strong = Throughput((2, 64)) / Throughput((1, 64));
md.AppendLine($"Weak scaling (32 samples per process): efficiency {weak:F2} (2-process samples/s over twice 1-process samples/s).");
md.AppendLine($"Strong scaling (global batch 64): speedup {strong:F2}, efficiency {strong / 2:F2}.");
Directory.CreateDirectory(outDir);
File.WriteAllText(Path.Combine(outDir, "results.md"), md.ToString());
File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(runs.ToDictionary(kv => $"{kv.Key.Item1}x{kv.Key.Item2}", kv => kv.Value)));
Console.WriteLine();
Console.Write(md);
Console.WriteLine($"wrote {Path.Combine(outDir, "results.md")} and results.json");
return 0;

static JsonElement Launch(int processes, int globalBatch, int steps)
{
    var start = new ProcessStartInfo("mpirun") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    // This program again: `dotnet RnnSharp.Bench.Distributed.dll`, or its apphost.
    string host = Environment.ProcessPath!;
    var self = Path.GetFileNameWithoutExtension(host) == "dotnet"
        ? new[] { host, Path.Combine(AppContext.BaseDirectory, "RnnSharp.Bench.Distributed.dll") }
        : new[] { host };
    foreach (var a in new[] { "--oversubscribe", "--allow-run-as-root", "--bind-to", "core", "-np", processes.ToString(CultureInfo.InvariantCulture) }
                 .Concat(self).Concat(new[] { "--worker", globalBatch.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture) }))
        start.ArgumentList.Add(a);
    start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
    string load = LoadAverage();
    using var process = Process.Start(start)!;
    var error = process.StandardError.ReadToEndAsync();
    string output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"mpirun -np {processes} failed ({process.ExitCode}):\n{output}\n{error.Result}");
    // The line may follow the terminal codes .NET's console writes first.
    string line = output.Split('\n').Single(l => l.Contains("{\"processes\"", StringComparison.Ordinal));
    var result = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line[line.IndexOf('{')..])!;
    result["loadAverageBefore"] = JsonSerializer.SerializeToElement(load);
    return JsonSerializer.SerializeToElement(result);
}

static int Worker(int globalBatch, int steps)
{
    set_num_threads(1);
    using var world = MpiCommunicator.Create();
    var timed = new TimedCommunicator(world);
    Distribution.SetDistribution(new DataParallel(timed));
    Backend.SetRandomSeed(42);
    const int MaxLength = 40, Vocabulary = 200;
    int samples = globalBatch * (steps + 5);
    var random = new Random(1);
    var tokens = new long[samples * MaxLength];
    for (int i = 0; i < samples; i++)
    {
        int length = random.Next(MaxLength / 4, MaxLength + 1);
        for (int t = 0; t < length; t++) tokens[i * MaxLength + t] = random.Next(1, Vocabulary);
    }
    var x = tensor(tokens, new long[] { samples, MaxLength });
    var y = tensor(Enumerable.Range(0, samples).Select(i => (float)(i % 2)).ToArray());
    var model = new Sequential();
    model.Add(new Embedding(Vocabulary, 32, maskZero: true));
    model.Add(new LSTM(32, returnSequences: true));
    model.Add(new LSTM(32));
    model.Add(new Dense(1, activation: "sigmoid"));
    model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "acc" });
    // Warm-up: the first steps allocate and JIT.
    model.Fit(x, y, batchSize: globalBatch, epochs: 1, verbose: 0, stepsPerEpoch: 5);
    timed.Reset();
    var clock = Stopwatch.StartNew();
    model.Fit(x, y, batchSize: globalBatch, epochs: 1, verbose: 0, stepsPerEpoch: steps);
    double seconds = clock.Elapsed.TotalSeconds;
    // The slowest process's figures: a step ends when every process has its averaged gradients.
    var mine = new[] { seconds, timed.GradientAllReduce.TotalSeconds, timed.Waiting.TotalSeconds };
    var all = world.AllGather(System.Runtime.InteropServices.MemoryMarshal.AsBytes(mine.AsSpan()))
        .Select(b => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(b).ToArray()).ToArray();
    if (world.Rank == 0)
    {
        double wall = all.Max(a => a[0]);
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["processes"] = world.Size,
            ["globalBatch"] = globalBatch,
            ["samplesPerSecond"] = globalBatch * steps / wall,
            ["stepMilliseconds"] = 1000 * wall / steps,
            ["allReduceShare"] = all.Average(a => a[1] / a[0]),
            ["waitShare"] = all.Average(a => a[2] / a[0]),
            ["allReduceCalls"] = timed.GradientAllReduceCalls,
        }));
    }
    return 0;
}

static string Lscpu(string field)
{
    try
    {
        var start = new ProcessStartInfo("lscpu") { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(start)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return text.Split('\n').FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal))?[(field.Length + 1)..].Trim() ?? "?";
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "?";
    }
}

static string LoadAverage()
    => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

static string MpirunVersion()
{
    var start = new ProcessStartInfo("mpirun", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
    using var p = Process.Start(start)!;
    string text = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return text.Split('\n')[0].Trim();
}
