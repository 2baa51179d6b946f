using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using RnnSharp.Build;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Build
{
    /// <summary>
    /// The NuGet consumer's path, end to end: pack the library, create a console app outside the repository that
    /// references the package and TorchSharp-cpu, and <c>dotnet run</c> it with no other step. On a system whose
    /// libstdc++ lacks GLIBCXX_3.4.32 this only works because the package's buildTransitive targets fix the app's copy
    /// of libLibTorchSharp.so; the NuGet cache's copy must come out byte for byte unchanged.
    /// </summary>
    public sealed class PackageConsumerTests : IDisposable
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(8);

        private readonly ITestOutputHelper log;
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("rnnsharp-consumer-");
        // A version of our own: the global packages folder keeps an extracted package by id and version for good, so
        // reusing 0.1.0 would restore whatever an earlier run packed. This one is removed from the cache afterwards.
        private readonly string packageVersion = "0.1.0-consumertest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)
            + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

        public PackageConsumerTests(ITestOutputHelper log) => this.log = log;

        public void Dispose()
        {
            string packageFolder = Path.Combine(NativeLibraryFiles.PackagesFolder, "rnnsharp");
            string extracted = Path.Combine(packageFolder, packageVersion.ToLowerInvariant());
            if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
            try
            {
                if (Directory.Exists(packageFolder) && !Directory.EnumerateFileSystemEntries(packageFolder).Any())
                    Directory.Delete(packageFolder);
            }
            catch (IOException)
            {
                // Another run extracted its own version in the meantime: that run removes it.
            }
            root.Delete(recursive: true);
        }

        [Fact]
        public void PackedLibraryRestoresBuildsAndRunsInAFreshConsoleApp()
        {
            string cacheCopy = NativeLibraryFiles.CacheCopy;
            string? cacheHashBefore = File.Exists(cacheCopy) ? Sha256(cacheCopy) : null;
            string feed = Path.Combine(root.FullName, "feed");
            string app = Path.Combine(root.FullName, "app");

            // 1. Pack, with every build output under the temporary folder (the repository's bin/obj stay as they are).
            var pack = Dotnet(NativeLibraryFiles.RepositoryRoot,
                "pack", Path.Combine("src", "RnnSharp", "RnnSharp.csproj"), "-c", "Release", "-o", feed,
                "--artifacts-path", Path.Combine(root.FullName, "artifacts"), $"-p:PackageVersion={packageVersion}");
            log.WriteLine(pack.Output);
            Assert.True(pack.ExitCode == 0, $"dotnet pack failed ({pack.ExitCode}):\n{pack.Output}");
            string nupkg = Path.Combine(feed, $"RnnSharp.{packageVersion}.nupkg");
            Assert.True(File.Exists(nupkg), $"{nupkg} was not created:\n{pack.Output}");
            using (var archive = ZipFile.OpenRead(nupkg))
            {
                var entries = archive.Entries.Select(e => e.FullName).ToHashSet();
                foreach (string expected in new[]
                         {
                             "lib/net10.0/RnnSharp.dll", "README.md",
                             "build/RnnSharp.targets", "build/GlibcxxCompat.cs",
                             "buildTransitive/RnnSharp.targets", "buildTransitive/GlibcxxCompat.cs",
                         })
                    Assert.True(entries.Contains(expected), $"{nupkg} lacks {expected}; it holds: {string.Join(", ", entries.Order())}");
            }

            // 2. A console app as a user would write it, outside the repository (the empty Directory.* files stop MSBuild
            // from picking up any settings from the folders above).
            Directory.CreateDirectory(app);
            foreach (string name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
                File.WriteAllText(Path.Combine(app, name), "<Project />\n");
            File.WriteAllText(Path.Combine(app, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="rnnsharp-test-feed" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="RnnSharp" Version="{packageVersion}" />
                    <PackageReference Include="TorchSharp-cpu" Version="{NativeLibraryFiles.TorchSharpVersion}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), """
                using System.Globalization;
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
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"checksum loss={loss.item<float>():R} gradients={gradients:R} path={lstm.LastCallPath}"));
                """);

            // 3. dotnet run: restore from the feed and the usual sources, build, run.
            var run = Dotnet(app, "run");
            log.WriteLine(run.Output);
            Assert.True(run.ExitCode == 0, $"dotnet run failed ({run.ExitCode}):\n{run.Output}");
            string? line = run.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("checksum ", StringComparison.Ordinal));
            Assert.True(line is not null, $"the app printed no checksum:\n{run.Output}");

            // The packaged library computes what the library under test computes, from the same seed.
            var (loss, gradients) = ExpectedChecksum();
            var fields = line!.Split(' ').Skip(1).Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
            Assert.Equal("Fused", fields["path"]);
            Assert.True(Math.Abs(double.Parse(fields["loss"], CultureInfo.InvariantCulture) - loss) <= 1e-4 * Math.Max(1, Math.Abs(loss)),
                $"consumer: {line}; in-process loss {loss.ToString("R", CultureInfo.InvariantCulture)}");
            Assert.True(Math.Abs(double.Parse(fields["gradients"], CultureInfo.InvariantCulture) - gradients) <= 1e-4 * Math.Max(1, Math.Abs(gradients)),
                $"consumer: {line}; in-process gradients {gradients.ToString("R", CultureInfo.InvariantCulture)}");

            // 4. The app's copy of the native library was fixed exactly when this system needs it; the cache's was not touched.
            if (OperatingSystem.IsLinux())
            {
                string appCopy = Directory.GetFiles(Path.Combine(app, "bin"), "libLibTorchSharp.so", SearchOption.AllDirectories)
                    .Single(p => p.Replace('\\', '/').EndsWith("runtimes/linux-x64/native/libLibTorchSharp.so", StringComparison.Ordinal));
                var need = NativeLibraryFiles.FindVersionNeed(File.ReadAllBytes(appCopy), NativeLibraryFiles.GlibcxxVersion);
                Assert.True(need.HasValue, $"{appCopy} does not list {NativeLibraryFiles.GlibcxxVersion}.");
                bool weak = (need.Value.Flags & NativeLibraryFiles.VerFlgWeak) != 0;
                Assert.True(weak == !ElfVersionPatcher.SystemLibStdCxxDefines(ElfVersionPatcher.GlibcxxVersion),
                    $"{appCopy}: requirement {(weak ? "weak" : "strong")}; build output:\n{run.Output}");
            }
            if (cacheHashBefore is not null)
                Assert.True(cacheHashBefore == Sha256(cacheCopy), $"{cacheCopy} changed while the consumer app was built and run.");
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

        private static string Sha256(string path)
        {
            using var stream = File.OpenRead(path);
            return Convert.ToHexString(SHA256.HashData(stream));
        }

        private sealed record CommandResult(int ExitCode, string Output);

        /// <summary>Runs the dotnet CLI with a timeout and returns its exit code and its stdout and stderr, interleaved.</summary>
        private static CommandResult Dotnet(string workingDirectory, params string[] arguments)
        {
            var start = new ProcessStartInfo(DotnetHost())
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            // No compiler server or reused MSBuild nodes: nothing may outlive the command holding its output open.
            start.ArgumentList.Add("-p:UseSharedCompilation=false");
            // The test host runs under `dotnet test`, whose MSBuild variables would steer the child build.
            foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(key);
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";

            var output = new StringBuilder();
            output.Append("$ dotnet ").AppendJoin(' ', start.ArgumentList).Append("   (in ").Append(workingDirectory).AppendLine(")");
            using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
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

        private static string DotnetHost()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            string? self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
            return "dotnet";
        }
    }
}
