using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;

namespace RnnSharp.Bench
{
    /// <summary>One thing to time: <see cref="Run"/> processes <see cref="Items"/> samples (or steps) per call.</summary>
    internal sealed record Contender(string Name, Action Run, long Items, int StepsPerRun = 1);

    /// <summary>The timings of one contender: seconds per run, with the managed bytes it allocated per run.</summary>
    internal sealed class Series
    {
        public Series(Contender contender) => Contender = contender;

        public Contender Contender { get; }
        public List<double> Seconds { get; } = new();
        public List<long> AllocatedBytes { get; } = new();

        public double MedianSeconds => Stats.Median(Seconds);
        public double MinSeconds => Seconds.Min();
        public double MaxSeconds => Seconds.Max();

        /// <summary>Throughput (items per second) at the median, fastest and slowest run.</summary>
        public double MedianThroughput => Contender.Items / MedianSeconds;
        public double BestThroughput => Contender.Items / MinSeconds;
        public double WorstThroughput => Contender.Items / MaxSeconds;

        /// <summary>Median managed allocation per step (one batch or one layer call), in bytes.</summary>
        public double AllocatedPerStep => Stats.Median(AllocatedBytes.Select(b => (double)b).ToList()) / Contender.StepsPerRun;
    }

    /// <summary>
    /// Memory seen while a group ran: resident set size when it started (what earlier cases left mapped: glibc and
    /// libtorch keep freed memory for reuse) and its peak during the group, and the managed heap's peak.
    /// </summary>
    internal sealed record MemoryReport(double RssStartMb, double PeakRssMb, bool PeakIsPerCase, double ManagedPeakMb, double RssAfterMb);

    /// <summary>How many runs to make: <see cref="Reps"/> timed repetitions, fewer (not below <see cref="MinReps"/>)
    /// where a repetition of all contenders would overrun <see cref="BudgetSeconds"/>.</summary>
    internal sealed record Plan(int Warmup, int Reps, int MinReps, double BudgetSeconds);

    /// <summary>
    /// Times contenders of one configuration in the same process, interleaved: after the warm-up, each repetition
    /// runs every contender once, rotating the order, so drifting load on a shared machine hits all of them alike.
    /// The garbage collector runs between (never inside) timed runs, as BenchmarkDotNet does between iterations.
    /// </summary>
    internal static class Harness
    {
        /// <summary>Waits for the device's queued work (CUDA runs asynchronously); nothing on the CPU. Called inside
        /// the timed region, so a run is timed until its last kernel ends.</summary>
        public static Action Synchronize { get; set; } = () => { };

        // A warm-up run this long has warmed up whatever there is to warm; more would only spend the budget.
        private const double LongWarmupSeconds = 5;

        public static (IReadOnlyList<Series> Series, MemoryReport Memory) Measure(IReadOnlyList<Contender> contenders, Plan plan)
        {
            Settle();
            double rssStart = MemoryProbe.RssBytes() / 1048576.0;
            bool perCase = MemoryProbe.ResetPeakRss();
            double managedPeak = 0;
            double round = 0;
            foreach (var c in contenders)
            {
                double last = 0;
                for (int i = 0; i < plan.Warmup && (i == 0 || last < LongWarmupSeconds); i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    c.Run();
                    Synchronize();
                    last = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(false));
                    Settle();
                }
                round += last;
            }
            int reps = round > 0 ? (int)Math.Clamp(Math.Floor(plan.BudgetSeconds / round), plan.MinReps, plan.Reps) : plan.Reps;
            var series = contenders.Select(c => new Series(c)).ToList();
            for (int r = 0; r < reps; r++)
            {
                for (int k = 0; k < series.Count; k++)
                {
                    var s = series[(k + r) % series.Count];
                    long allocated = GC.GetAllocatedBytesForCurrentThread();
                    long start = Stopwatch.GetTimestamp();
                    s.Contender.Run();
                    Synchronize();
                    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    s.AllocatedBytes.Add(GC.GetAllocatedBytesForCurrentThread() - allocated);
                    s.Seconds.Add(seconds);
                    managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(false));
                    Settle();
                }
            }
            var memory = new MemoryReport(rssStart, MemoryProbe.PeakRssBytes() / 1048576.0, perCase, managedPeak / 1048576.0, MemoryProbe.RssBytes() / 1048576.0);
            return (series, memory);
        }

        /// <summary>Median over repetitions of A's throughput over B's within the same repetition (the two ran back to
        /// back, so slow drifts in the machine's load cancel).</summary>
        public static double PairedRatio(Series a, Series b)
            => Stats.Median(a.Seconds.Zip(b.Seconds, (sa, sb) => a.Contender.Items / sa / (b.Contender.Items / sb)).ToList());

        /// <summary>Collects garbage (finalising dropped tensors) outside the timed region.</summary>
        public static void Settle()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
    }

    internal static class Stats
    {
        public static double Median(IReadOnlyList<double> values)
        {
            if (values.Count == 0) return double.NaN;
            var sorted = values.OrderBy(v => v).ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }

        /// <summary>Least-squares slope of <paramref name="y"/> against its index.</summary>
        public static double Slope(IReadOnlyList<double> y)
        {
            int n = y.Count;
            if (n < 2) return 0;
            double meanX = (n - 1) / 2.0, meanY = y.Average(), num = 0, den = 0;
            for (int i = 0; i < n; i++)
            {
                num += (i - meanX) * (y[i] - meanY);
                den += (i - meanX) * (i - meanX);
            }
            return num / den;
        }
    }
}
