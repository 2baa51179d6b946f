using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RnnSharp.Layers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Build
{
    /// <summary>
    /// The two things a GPU machine without the .NET SDK relies on, checked on the CPU: an app built with
    /// <c>-p:TorchBackend=none</c> (no libtorch of its own) runs on a libtorch found through <c>LD_LIBRARY_PATH</c>,
    /// and the test assembly is a standalone runner whose <c>RNNSHARP_TEST_DEVICE=cuda</c> fails fast without CUDA.
    /// </summary>
    public sealed class BringYourOwnLibtorchTests : IDisposable
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(6);
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("rnnsharp-byo-");

        public void Dispose() => root.Delete(recursive: true);

        [Fact]
        public void AnAppBuiltWithoutLibtorchRunsOnTheLibtorchInLdLibraryPath()
        {
            Assert.SkipUnless(OperatingSystem.IsLinux(), "LD_LIBRARY_PATH is Linux's");
            string repo = NativeLibraryFiles.RepositoryRoot;
            string app = Path.Combine(root.FullName, "app");
            Directory.CreateDirectory(app);
            // An app as the repository's own apps are made (RnnSharpApp: Directory.Build.targets picks the backend).
            File.WriteAllText(Path.Combine(app, "Directory.Build.props"), $"""<Project><Import Project="{repo}/Directory.Build.props" /></Project>""");
            File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), $"""<Project><Import Project="{repo}/Directory.Build.targets" /></Project>""");
            File.WriteAllText(Path.Combine(app, "Directory.Packages.props"), $"""<Project><Import Project="{repo}/Directory.Packages.props" /></Project>""");
            File.WriteAllText(Path.Combine(app, "Byo.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <RnnSharpApp>true</RnnSharpApp>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{repo}/src/RnnSharp/RnnSharp.csproj" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System;
                using System.Globalization;
                using System.IO;
                using System.Linq;
                using RnnSharp;
                using RnnSharp.Layers;
                using static TorchSharp.torch;

                Backend.SetRandomSeed(1234);
                var lstm = new LSTM(4, returnSequences: true);
                var x = rand(2, 5, 3);
                Tensor y = lstm.Call(x);
                var loss = y.pow(2).sum();
                loss.backward();
                double gradients = lstm.parameters().Where(p => p.grad is not null).Sum(p => (double)p.grad!.abs().sum().item<float>());
                // Which libtorch this process runs on: the mapped file, not a guess.
                string libtorch = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
                    .FirstOrDefault(p => p.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal)) ?? "none";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"checksum loss={loss.item<float>():R} gradients={gradients:R} path={lstm.LastCallPath} libtorch={libtorch}"));
                """);

            var build = Run(Dotnet(), app, null, "build", "Byo.csproj", "-c", "Release", "-p:TorchBackend=none",
                "--artifacts-path", Path.Combine(root.FullName, "artifacts"), "-p:UseSharedCompilation=false");
            Assert.True(build.ExitCode == 0, $"dotnet build failed ({build.ExitCode}):\n{build.Output}");
            string dll = Directory.GetFiles(Path.Combine(root.FullName, "artifacts", "bin"), "Byo.dll", SearchOption.AllDirectories).Single();
            string bin = Path.GetDirectoryName(dll)!;
            var natives = Directory.GetFiles(bin, "*.so*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.Contains("libLibTorchSharp.so", natives);
            Assert.DoesNotContain(natives, n => n!.StartsWith("libtorch", StringComparison.Ordinal) || n!.StartsWith("libc10", StringComparison.Ordinal));

            // The libtorch-cpu package's native folder stands in for pip torch's torch/lib. An empty NUGET_PACKAGES keeps
            // TorchSharp's last resort (copying natives out of the NuGet cache) from hiding a failure.
            string libtorch = LibtorchNativeFolder();
            string emptyCache = Directory.CreateDirectory(Path.Combine(root.FullName, "empty-nuget")).FullName;
            var env = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = emptyCache, ["LD_LIBRARY_PATH"] = libtorch };
            var run = Run(Dotnet(), bin, env, "exec", dll);
            Assert.True(run.ExitCode == 0, $"the app failed ({run.ExitCode}) with LD_LIBRARY_PATH={libtorch}:\n{run.Output}");
            string? line = run.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("checksum ", StringComparison.Ordinal));
            Assert.True(line is not null, $"the app printed no checksum:\n{run.Output}");
            var fields = line!.Split(' ').Skip(1).Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1]);
            Assert.Equal(Path.Combine(libtorch, "libtorch_cpu.so"), fields["libtorch"]);
            Assert.Equal("Fused", fields["path"]);
            var (loss, gradients) = ExpectedChecksum();
            Assert.True(Math.Abs(double.Parse(fields["loss"], CultureInfo.InvariantCulture) - loss) <= 1e-4 * Math.Max(1, Math.Abs(loss)), $"{line}; in-process loss {loss}");
            Assert.True(Math.Abs(double.Parse(fields["gradients"], CultureInfo.InvariantCulture) - gradients) <= 1e-4 * Math.Max(1, Math.Abs(gradients)), $"{line}; in-process gradients {gradients}");

            // Without LD_LIBRARY_PATH the same app finds no libtorch: what it ran on above came from there.
            env["LD_LIBRARY_PATH"] = null;
            var without = Run(Dotnet(), bin, env, "exec", dll);
            Assert.True(without.ExitCode != 0, $"the app ran without LD_LIBRARY_PATH:\n{without.Output}");
            Assert.Contains("libtorch", without.Output);
        }

        [Fact]
        public void CudaRequestedWithoutCudaFailsFastInTheStandaloneRunner()
        {
            Assert.SkipWhen(TestDevice.CudaAvailable, "CUDA is available here: the suite would run on it");
            string apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "RnnSharp.Tests.exe" : "RnnSharp.Tests");
            Assert.True(File.Exists(apphost), $"{apphost} is missing: the test project must build a standalone runner (xunit v3, OutputType Exe)");
            var env = new Dictionary<string, string?> { [TestDevice.Variable] = "cuda" };
            var run = Run(apphost, AppContext.BaseDirectory, env, "-noColor", "-method", $"{typeof(Cuda.CudaTests).FullName}.{nameof(Cuda.CudaTests.ToCudaAndBackRoundTripsAModel)}");
            Assert.True(run.ExitCode != 0, $"{TestDevice.Variable}=cuda passed without CUDA:\n{run.Output}");
            // Failing at the device check, not after running on the CPU: the fixture's message is the failure.
            Assert.Contains(TestDevice.NoCudaMessage, run.Output);
        }

        private static string LibtorchNativeFolder()
        {
            // The libtorch-cpu package this build restored, as the test's deps.json names it.
            using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "RnnSharp.Tests.deps.json")));
            string package = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name)
                .Single(n => n.StartsWith("libtorch-cpu-linux-x64/", StringComparison.OrdinalIgnoreCase));
            string folder = Path.Combine(NativeLibraryFiles.PackagesFolder, package.ToLowerInvariant(), "runtimes", "linux-x64", "native");
            Assert.True(File.Exists(Path.Combine(folder, "libtorch_cpu.so")), $"{folder} holds no libtorch_cpu.so");
            return folder;
        }

        private static (double Loss, double Gradients) ExpectedChecksum()
        {
            Backend.SetRandomSeed(1234);
            var lstm = new LSTM(4, returnSequences: true);
            var x = rand(2, 5, 3);
            Tensor y = lstm.Call(x);
            var loss = y.pow(2).sum();
            loss.backward();
            double gradients = lstm.parameters().Where(p => p.grad is not null).Sum(p => (double)p.grad!.abs().sum().item<float>());
            return (loss.item<float>(), gradients);
        }

        private static string Dotnet()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            string? self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
            return "dotnet";
        }

        private sealed record CommandResult(int ExitCode, string Output);

        /// <summary>Runs a program with a timeout; returns its exit code and its stdout and stderr, interleaved.</summary>
        private static CommandResult Run(string program, string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
        {
            var start = new ProcessStartInfo(program)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            // The test host's own MSBuild and device settings must not steer the child.
            foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(key);
            start.Environment.Remove(TestDevice.Variable);
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            if (environment is not null)
                foreach (var (key, value) in environment)
                    if (value is null) start.Environment.Remove(key);
                    else start.Environment[key] = value;

            var output = new StringBuilder();
            output.Append("$ ").Append(program).Append(' ').AppendJoin(' ', start.ArgumentList).Append("   (in ").Append(workingDirectory).AppendLine(")");
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
            process.StandardInput.Close();
            Task Pump(StreamReader reader) => Task.Run(async () =>
            {
                while (await reader.ReadLineAsync() is { } text)
                    lock (output) output.AppendLine(text);
            });
            var pumps = new[] { Pump(process.StandardOutput), Pump(process.StandardError) };
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Task.WaitAll(pumps, TimeSpan.FromSeconds(10));
                lock (output) return new CommandResult(-1, output + $"\n(timed out after {CommandTimeout.TotalMinutes} minutes and was killed)");
            }
            Task.WaitAll(pumps, TimeSpan.FromSeconds(30));
            lock (output) return new CommandResult(process.ExitCode, output.ToString());
        }
    }
}
