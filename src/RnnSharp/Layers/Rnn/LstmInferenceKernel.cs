using System;
using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A fused LSTM call on the CPU without gradients, checked. libtorch runs a CPU LSTM on oneDNN, with its
    /// forward_inference kernel when gradients are off and forward_training when they are on. On some AVX-512 CPUs the
    /// inference kernel returns wrong numbers for some shapes (seen on an AMD EPYC, family 26, with libtorch 2.10:
    /// errors up to 1.3 at 1-16, 33, 48 and 100 units with batch 4, right at 17-32, 50, 64 and 128), while the training
    /// kernel agrees with the reference to 1e-7. So the first call of each shape runs both kernels and compares: where
    /// they agree, that shape runs the (faster) inference kernel from then on; where they disagree, the training kernel
    /// (correct, slower), and RnnSharp says so once.
    /// </summary>
    internal static class LstmInferenceKernel
    {
        private static readonly ConcurrentDictionary<(long Batch, long Steps, long Features, long Units, long Directions, ScalarType Type), bool> Verdicts = new();
        private static int told;

        /// <summary>Runs <paramref name="lstm"/> on <paramref name="x"/> (batch first) from <paramref name="states"/>
        /// (h, c).</summary>
        public static (Tensor Output, Tensor H, Tensor C) Call(TorchSharp.Modules.LSTM lstm, Tensor x, Tensor[] states)
        {
            if (x.device_type != DeviceType.CPU || is_grad_enabled() || x.numel() == 0) return lstm.call(x, (states[0], states[1]));
            var key = (x.shape[0], x.shape[1], x.shape[2], states[0].shape[2], states[0].shape[0], x.dtype);
            if (Verdicts.TryGetValue(key, out bool inferenceRight))
                return inferenceRight ? lstm.call(x, (states[0], states[1])) : Training(lstm, x, states);
            var inference = lstm.call(x, (states[0], states[1]));
            var training = Training(lstm, x, states);
            // Kernel round-off differs by ~1e-7 in float32 and within bfloat16's 2^-8 steps; the wrong results are off by 1e-2 and more.
            double tolerance = x.dtype == ScalarType.Float32 ? 1e-4 : 1.0 / 32;
            bool agree;
            using (NewDisposeScope())
                agree = MaxDifference(inference.Item1, training.Output) <= tolerance
                    && MaxDifference(inference.Item2, training.H) <= tolerance
                    && MaxDifference(inference.Item3, training.C) <= tolerance;
            Verdicts[key] = agree;
            var (kept, dropped) = agree ? (inference, training) : (training, inference);
            dropped.Item1.Dispose();
            dropped.Item2.Dispose();
            dropped.Item3.Dispose();
            if (!agree && System.Threading.Interlocked.Exchange(ref told, 1) == 0)
                Console.Error.WriteLine(
                    $"RnnSharp: libtorch's oneDNN LSTM inference kernel gave wrong results on this CPU (batch {key.Item1}, {key.Item3} features, " +
                    $"{key.Item4} units); LSTM inference of such shapes runs oneDNN's training kernel instead (correct, slower). See docs/benchmarks.md.");
            return kept;
        }

        private static double MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().to(ScalarType.Float32).item<float>();

        // With gradients on, libtorch takes oneDNN's forward_training kernel; the results are detached.
        private static (Tensor Output, Tensor H, Tensor C) Training(TorchSharp.Modules.LSTM lstm, Tensor x, Tensor[] states)
        {
            using (enable_grad())
            {
                var (output, h, c) = lstm.call(x, (states[0], states[1]));
                var detached = (output.detach(), h.detach(), c.detach());
                output.Dispose();
                h.Dispose();
                c.Dispose();
                return detached;
            }
        }
    }
}
