using System;
using RnnSharp.Tests.Support;
using TorchSharp;
using Xunit;

// Every test of the assembly runs after this fixture is made: it is what puts the whole suite on the GPU.
[assembly: AssemblyFixture(typeof(TestDeviceFixture))]

namespace RnnSharp.Tests.Support
{
    /// <summary>
    /// The device the suite's models run on: the CPU, or CUDA when the environment variable
    /// <c>RNNSHARP_TEST_DEVICE=cuda</c> is set. TorchSharp's default device is process-wide and every tensor factory
    /// and module constructor honours it, so setting it once moves every model, weight and input a test creates
    /// without touching the tests.
    /// </summary>
    public static class TestDevice
    {
        /// <summary>The environment variable that picks the device.</summary>
        public const string Variable = "RNNSHARP_TEST_DEVICE";

        /// <summary>The words that start the message of a run asked for CUDA on a machine without it.</summary>
        public const string NoCudaMessage = Variable + "=cuda, but CUDA is not available";

        /// <summary>The requested device name, lower case: <c>"cpu"</c> (also when unset) or <c>"cuda"</c>/<c>"cuda:N"</c>.</summary>
        public static string Requested
        {
            get
            {
                string? value = Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant();
                return string.IsNullOrEmpty(value) ? "cpu" : value;
            }
        }

        /// <summary>True when the suite was asked to run on CUDA.</summary>
        public static bool IsCuda => Requested.StartsWith("cuda", StringComparison.Ordinal);

        /// <summary>True when a CUDA device can be used in this process (whatever the suite runs on).</summary>
        public static bool CudaAvailable => CudaAvailability.Value;

        /// <summary>The reason the CUDA-only tests are skipped on this machine.</summary>
        public const string SkipReason = "CUDA is not available here (a CPU libtorch, or no GPU): CUDA-only test, see docs/gpu.md";

        private static readonly Lazy<bool> CudaAvailability = new(() =>
        {
            try
            {
                return torch.cuda.is_available();
            }
            catch (Exception e) when (e is DllNotFoundException or NotSupportedException or InvalidOperationException or TypeInitializationException)
            {
                return false;
            }
        });

        /// <summary>
        /// Applies <see cref="Requested"/>: nothing for the CPU; for CUDA, TorchSharp's default device, and TF32 off in
        /// cuDNN and cuBLAS so results compare with the CPU references at the suite's tolerances. Throws when CUDA was
        /// asked for and cannot be used, rather than let the suite pass on the CPU.
        /// </summary>
        public static void Apply()
        {
            string requested = Requested;
            if (requested == "cpu") return;
            if (!IsCuda)
                throw new InvalidOperationException($"{Variable}={requested} is not a device this suite knows: use cpu or cuda (cuda:N).");
            if (!CudaAvailable)
            {
                // InitializeDeviceType throws with TorchSharp's whole native load trace: the one useful message here.
                string trace;
                try
                {
                    torch.InitializeDeviceType(DeviceType.CUDA);
                    trace = "libtorch loaded, but torch.cuda.is_available() is false (no GPU or driver).";
                }
                catch (Exception e)
                {
                    trace = e.Message;
                }
                throw new InvalidOperationException(
                    $"{NoCudaMessage}: the tests would silently run on the CPU. Run them against a CUDA libtorch " +
                    $"(-p:TorchBackend=cuda-linux, or TorchBackend=none with LD_LIBRARY_PATH at a CUDA libtorch; docs/gpu.md), " +
                    $"or unset {Variable}. TorchSharp said: {trace}");
            }
            torch.backends.cudnn.allow_tf32 = false;
            torch.backends.cuda.matmul.allow_tf32 = false;
            torch.set_default_device(new torch.Device(requested));
        }
    }

    /// <summary>The assembly fixture that applies <see cref="TestDevice"/> before the first test runs.</summary>
    public sealed class TestDeviceFixture
    {
        /// <summary>Applies the requested device; a failure here fails every test with its message.</summary>
        public TestDeviceFixture()
        {
            TestDevice.Apply();
            if (TestDevice.IsCuda)
                Console.Error.WriteLine($"RnnSharp.Tests: models run on {TestDevice.Requested} (TF32 off in cuDNN and cuBLAS).");
        }
    }
}
