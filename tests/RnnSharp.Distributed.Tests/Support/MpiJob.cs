using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Xunit;

namespace RnnSharp.Distributed.Tests.Support
{
    /// <summary>Runs the test worker alone or under <c>mpirun</c>, and says why MPI tests are skipped where it is missing.</summary>
    internal static class MpiJob
    {
        /// <summary>The limit after which a job counts as hung (a correct one ends in seconds).</summary>
        private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(3);

        public static string? Mpirun { get; } = FindOnPath("mpirun");

        public const string SkipReason =
            "mpirun is not on PATH: install Open MPI (apt-get install -y openmpi-bin libopenmpi-dev), as .ci/run does, to run the data-parallel tests";

        public static void RequireMpirun() => Assert.SkipWhen(Mpirun is null, SkipReason);

        private static string WorkerDll()
        {
            string directory = typeof(MpiJob).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "WorkerDirectory").Value!;
            return Path.GetFullPath(Path.Combine(directory, "RnnSharp.Distributed.Tests.Worker.dll"));
        }

        /// <summary>The worker under <c>mpirun -np <paramref name="processes"/></c> on this machine.</summary>
        public static Result RunMpi(int processes, params string[] arguments)
            => Run(Mpirun!, new[] { "--oversubscribe", "--allow-run-as-root", "-np", processes.ToString(), DotnetHost(), WorkerDll() }.Concat(arguments));

        /// <summary>The worker as one ordinary process.</summary>
        public static Result RunAlone(params string[] arguments) => Run(DotnetHost(), new[] { WorkerDll() }.Concat(arguments));

        private static Result Run(string program, System.Collections.Generic.IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            // Containers forbid the cross-memory attach Open MPI's shared-memory transport tries first.
            start.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(HangLimit))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} did not end within {HangLimit} (hung).\n{Tail(output)}\n{Tail(error)}");
            }
            process.WaitForExit();
            return new Result(process.ExitCode, output.Result, error.Result);
        }

        private static string Tail(Task<string> text) => text.IsCompleted ? text.Result : "";

        private static string DotnetHost()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
            string? self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
            return FindOnPath("dotnet") ?? "dotnet";
        }

        private static string? FindOnPath(string name)
            => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

        /// <summary>A finished job.</summary>
        public sealed record Result(int ExitCode, string Output, string Error)
        {
            public string All => Output + "\n" + Error;
        }
    }
}
