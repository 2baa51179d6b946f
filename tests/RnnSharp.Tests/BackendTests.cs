using System;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests
{
    /// <summary>Libtorch's thread count may not change while other tests compute (its thread pool is shared): these
    /// tests run alone.</summary>
    [CollectionDefinition("ThreadCount", DisableParallelization = true)]
    public sealed class ThreadCountCollection { }

    /// <summary>Backend's thread control and the OpenMP wait policy it reports.</summary>
    [Collection("ThreadCount")]
    public sealed class BackendTests
    {
        [Fact]
        public void SetNumThreadsChangesLibtorchsIntraOpThreadCount()
        {
            int before = get_num_threads();
            try
            {
                // Two different values, so the test fails whatever the count was before it.
                Backend.SetNumThreads(1);
                Assert.Equal(1, get_num_threads());
                Assert.Equal(1, Backend.NumThreads);
                Backend.SetNumThreads(3);
                Assert.Equal(3, get_num_threads());
                Assert.Equal(3, Backend.NumThreads);
            }
            finally
            {
                set_num_threads(before);
            }
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-2)]
        public void SetNumThreadsBelowOneSaysWhatItExpectedAndLeavesTheCountAlone(int threads)
        {
            int before = get_num_threads();
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Backend.SetNumThreads(threads));
            Assert.Equal("threads", e.ParamName);
            Assert.Equal(threads, e.ActualValue);
            Assert.Contains("expects at least 1 thread", e.Message);
            Assert.Contains($"got {threads}", e.Message);
            Assert.Equal(before, get_num_threads());
        }

        [Fact]
        public void OpenMPWaitPolicyIsPassiveUnlessTheUserChoseOne()
        {
            Assert.SkipUnless(OperatingSystem.IsLinux(), "RnnSharp sets the wait policy on Linux only");
            // .NET's environment is the process's as it started: what the user chose, before RnnSharp's setenv.
            string? userPolicy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
            string? userSpin = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
            string? expected = userPolicy ?? (userSpin is null ? "PASSIVE" : null);
            Assert.Equal(expected, Backend.OpenMPWaitPolicy);
        }
    }
}
