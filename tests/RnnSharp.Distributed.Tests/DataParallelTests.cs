using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnSharp.Distributed.Tests.Support;
using RnnSharp.Tests.Support;
using Xunit;

namespace RnnSharp.Distributed.Tests
{
    /// <summary>
    /// Data-parallel training on two real MPI processes (<c>mpirun --oversubscribe -np 2</c>) against one ordinary
    /// process with the same global batch: the worker (tests/RnnSharp.Distributed.Tests.Worker) trains a stacked RNN with
    /// a validation split, ReduceLROnPlateau, EarlyStopping and a CSV log, then evaluates and predicts. Skipped, with the
    /// reason, where <c>mpirun</c> is missing (.ci/run installs Open MPI).
    /// </summary>
    public sealed class DataParallelTests : IClassFixture<DataParallelTests.Runs>
    {
        private readonly Runs runs;

        public DataParallelTests(Runs runs) => this.runs = runs;

        [Fact]
        public void TwoProcessesWithHalfBatchesEndWithOneProcessWeights()
        {
            var (single, ranks) = runs.Get();
            var expected = Weights(single);
            Assert.True(expected.Length >= 8, $"expected the weights of Embedding, LSTM, GRU and Dense; got {expected.Length} arrays");
            foreach (var rank in ranks)
            {
                var actual = Weights(rank);
                Assert.Equal(expected.Length, actual.Length);
                for (int i = 0; i < expected.Length; i++)
                    AssertClose(expected[i], actual[i], 1e-6, $"weight array {i}");
            }
            // Training changed the weights, so the comparison is not of two untouched initialisations.
            double change = expected.Zip(Weights(runs.Initial())).Max(p => MaxDifference(p.First, p.Second));
            Assert.True(change > 1e-3, $"training moved no weight by more than {change}");
        }

        [Fact]
        public void LogsAndCallbackDecisionsAreOneProcessOnEveryRank()
        {
            var (single, ranks) = runs.Get();
            var expectedHistory = single.GetProperty("history");
            var expectedRates = Doubles(single.GetProperty("learningRates"));
            // EarlyStopping stops after epoch 3 of 6, and ReduceLROnPlateau halves the rate on the way.
            Assert.InRange(expectedRates.Length, 2, 5);
            Assert.True(expectedRates.Distinct().Count() > 1);
            foreach (var rank in ranks)
            {
                Assert.Equal(expectedRates, Doubles(rank.GetProperty("learningRates")));
                foreach (var key in new[] { "loss", "acc", "val_loss", "val_acc", "lr" })
                    AssertClose(Doubles(expectedHistory.GetProperty(key)), Doubles(rank.GetProperty("history").GetProperty(key)), 1e-5, key);
                foreach (var key in new[] { "loss", "acc" })
                    AssertClose(new[] { single.GetProperty("evaluate").GetProperty(key).GetDouble() },
                        new[] { rank.GetProperty("evaluate").GetProperty(key).GetDouble() }, 1e-5, "evaluate " + key);
            }
        }

        [Fact]
        public void PredictGathersEveryRankInInputOrder()
        {
            var (single, ranks) = runs.Get();
            var expected = Doubles(single.GetProperty("predict"));
            Assert.Equal(62, expected.Length);
            foreach (var rank in ranks) AssertClose(expected, Doubles(rank.GetProperty("predict")), 1e-6, "predictions");
        }

        [Fact]
        public void OnlyRankZeroPrintsAndWritesTheCsvLog()
        {
            var job = runs.Get();
            int epochs = Doubles(job.Single.GetProperty("learningRates")).Length;
            // verbose 2 prints "Epoch k/6" once per epoch: once in all, not once per process.
            Assert.Equal(epochs, CountOf(runs.MpiOutput, "Epoch "));
            var rows = File.ReadAllLines(Path.Combine(runs.Directory.Path, "log-2.csv"));
            Assert.Equal(epochs + 1, rows.Length);
            Assert.Equal(File.ReadAllLines(Path.Combine(runs.Directory.Path, "log-1.csv"))[0], rows[0]);
        }

        [Fact]
        public void ModelSavedOnRankZeroLoadsIntoOneProcessWithTheSamePredictions()
        {
            var (single, ranks) = runs.Get();
            var loaded = MpiJob.RunAlone("load", runs.Directory.Path);
            Assert.True(loaded.ExitCode == 0, loaded.All);
            var predictions = Doubles(Read(Path.Combine(runs.Directory.Path, "load.json")).GetProperty("predict"));
            AssertClose(Doubles(ranks[0].GetProperty("predict")), predictions, 1e-6, "predictions of the loaded model");
        }

        [Theory]
        [InlineData("mismatch-model", "model")]
        [InlineData("mismatch-data", "number of samples")]
        public void MismatchAcrossProcessesIsDetectedAtStart(string scenario, string what)
        {
            MpiJob.RequireMpirun();
            using var directory = new TempDir();
            var job = MpiJob.RunMpi(2, scenario, directory.Path);
            Assert.NotEqual(0, job.ExitCode);
            // Both processes raise it (each names the difference), rather than one waiting for the other.
            Assert.Contains($"MISMATCH on rank 0: Data-parallel Fit: process 1 of 2 has a different {what} than process 0.", job.All);
            Assert.Contains($"MISMATCH on rank 1: Data-parallel Fit: process 1 of 2 has a different {what} than process 0.", job.All);
            Assert.False(File.Exists(directory.File("result-2-0.json")));
        }

        [Fact]
        public void ARankThatThrowsEndsTheJobWithItsError()
        {
            MpiJob.RequireMpirun();
            using var directory = new TempDir();
            var job = MpiJob.RunMpi(2, "fault", directory.Path);
            Assert.NotEqual(0, job.ExitCode);
            Assert.Contains("RnnSharp: process 1 of 2 failed in data-parallel Fit; ending the job.", job.All);
            Assert.Contains("injected failure on rank 1", job.All);
            // (mpirun's own "MPI_ABORT was invoked" notice is not asserted: under load it was once missing from the
            // captured output while the job had still ended with the rank's error and a non-zero status.)
            Assert.False(File.Exists(directory.File("result-2-0.json")));
        }

        private static float[][] Weights(JsonElement result)
            => result.GetProperty("weights").EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(v => v.GetDouble()).ToArray();

        private static JsonElement Read(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

        private static int CountOf(string text, string part)
        {
            int count = 0;
            for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal)) count++;
            return count;
        }

        private static double MaxDifference(IReadOnlyList<float> a, IReadOnlyList<float> b) => a.Zip(b).Max(p => Math.Abs((double)p.First - p.Second));

        private static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tolerance, string what)
            => AssertClose(expected.Select(v => (double)v).ToArray(), actual.Select(v => (double)v).ToArray(), tolerance, what);

        private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                    $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R} (tolerance {tolerance})");
        }

        /// <summary>The training runs shared by the tests: one process alone, then two under mpirun, in one folder.</summary>
        public sealed class Runs : IDisposable
        {
            private (JsonElement Single, JsonElement[] Ranks)? results;

            internal TempDir Directory { get; } = new();

            public string MpiOutput { get; private set; } = "";

            public (JsonElement Single, JsonElement[] Ranks) Get()
            {
                MpiJob.RequireMpirun();
                lock (this)
                {
                    if (results is { } done) return done;
                    var alone = MpiJob.RunAlone("train", Directory.Path);
                    Assert.True(alone.ExitCode == 0, alone.All);
                    var job = MpiJob.RunMpi(2, "train", Directory.Path);
                    Assert.True(job.ExitCode == 0, job.All);
                    MpiOutput = job.Output;
                    results = (Read(Directory.File("result-1-0.json")),
                        new[] { Read(Directory.File("result-2-0.json")), Read(Directory.File("result-2-1.json")) });
                    return results.Value;
                }
            }

            // The weights before training: the same seed and model, trained for no step.
            public JsonElement Initial()
            {
                lock (this)
                {
                    string path = Directory.File("initial-1-0.json");
                    if (!File.Exists(path))
                    {
                        var run = MpiJob.RunAlone("initial", Directory.Path);
                        Assert.True(run.ExitCode == 0, run.All);
                    }
                    return Read(path);
                }
            }

            public void Dispose() => Directory.Dispose();
        }
    }
}
