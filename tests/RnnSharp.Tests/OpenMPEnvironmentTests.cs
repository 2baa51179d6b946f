using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace RnnSharp.Tests
{
    /// <summary>
    /// RnnSharp's OpenMP default reaches libgomp: each test starts this test assembly's own runner on
    /// <see cref="ChildLoadsLibtorchThroughRnnSharp"/> in a fresh process with <c>OMP_DISPLAY_ENV=VERBOSE</c>, and reads
    /// what libgomp printed it parsed when libtorch loaded it.
    /// </summary>
    public sealed class OpenMPEnvironmentTests
    {
        private const string ProbeVariable = "RNNSHARP_OPENMP_PROBE";
        private static readonly TimeSpan ChildTimeout = TimeSpan.FromMinutes(3);

        [Fact]
        public void PassiveIsInForceWhenLibtorchLoadsAndTheUserSetNothing()
        {
            string shown = RunChild(waitPolicy: null, spinCount: null);
            Assert.Contains("OMP_WAIT_POLICY = 'PASSIVE'", shown);
            // PASSIVE's spin count; libgomp's own default (the variables unset) would be 300000.
            Assert.Contains("GOMP_SPINCOUNT = '0'", shown);
        }

        [Fact]
        public void AWaitPolicyTheUserSetIsKept()
        {
            string shown = RunChild(waitPolicy: "ACTIVE", spinCount: null);
            Assert.Contains("OMP_WAIT_POLICY = 'ACTIVE'", shown);
            Assert.Contains("GOMP_SPINCOUNT = '30000000000'", shown);
        }

        [Fact]
        public void ASpinCountTheUserSetIsKeptWithoutAWaitPolicy()
        {
            string shown = RunChild(waitPolicy: null, spinCount: "300000");
            Assert.Contains("GOMP_SPINCOUNT = '300000'", shown);
            Assert.DoesNotContain("GOMP_SPINCOUNT = '0'", shown);
        }

        /// <summary>The child: loads libtorch through RnnSharp first, as an app that starts with RnnSharp does.</summary>
        [Fact]
        public void ChildLoadsLibtorchThroughRnnSharp()
        {
            Assert.SkipUnless(Environment.GetEnvironmentVariable(ProbeVariable) == "1",
                $"runs only as the child of the other {nameof(OpenMPEnvironmentTests)}");
            Assert.True(Backend.NumThreads >= 1);
            // libgomp printed its settings when it loaded; it must have loaded by now, from libtorch.
            Assert.Contains(File.ReadLines("/proc/self/maps"), l => l.Contains("libgomp", StringComparison.Ordinal));
        }

        /// <summary>Runs the probe in a fresh runner; returns its output after checking that it passed.</summary>
        private static string RunChild(string? waitPolicy, string? spinCount)
        {
            Assert.SkipUnless(OperatingSystem.IsLinux(), "libtorch's Linux CPU build is the one with libgomp");
            string apphost = Path.Combine(AppContext.BaseDirectory, "RnnSharp.Tests");
            Assert.True(File.Exists(apphost), $"{apphost} is missing: the test project builds a standalone runner");
            var start = new ProcessStartInfo(apphost)
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string a in new[] { "-noColor", "-method", $"{typeof(OpenMPEnvironmentTests).FullName}.{nameof(ChildLoadsLibtorchThroughRnnSharp)}" })
                start.ArgumentList.Add(a);
            var env = new Dictionary<string, string?>
            {
                [ProbeVariable] = "1",
                ["OMP_DISPLAY_ENV"] = "VERBOSE",
                ["OMP_WAIT_POLICY"] = waitPolicy,
                ["GOMP_SPINCOUNT"] = spinCount,
                ["RNNSHARP_TEST_DEVICE"] = null,
            };
            foreach (var (key, value) in env)
                if (value is null) start.Environment.Remove(key);
                else start.Environment[key] = value;

            using var child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {apphost}");
            var output = new StringBuilder();
            Task Pump(StreamReader reader) => Task.Run(async () =>
            {
                while (await reader.ReadLineAsync() is { } line)
                    lock (output) output.AppendLine(line);
            });
            var pumps = new[] { Pump(child.StandardOutput), Pump(child.StandardError) };
            if (!child.WaitForExit(ChildTimeout))
            {
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
            Task.WaitAll(pumps, TimeSpan.FromSeconds(30));
            string text;
            lock (output) text = output.ToString();
            Assert.True(child.ExitCode == 0, $"the probe failed (exit {child.ExitCode}):\n{text}");
            // A skipped probe would pass without loading anything: it must have run.
            Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", text);
            Assert.Contains("OPENMP DISPLAY ENVIRONMENT BEGIN", text);
            return text;
        }
    }
}
