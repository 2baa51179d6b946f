using System;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A fused LSTM call on the CPU without gradients. libtorch runs a CPU LSTM on oneDNN, with its forward_inference
    /// kernel when gradients are off and forward_training when they are on. On some AVX-512 CPUs the inference kernel
    /// returns wrong numbers (seen on an AMD EPYC, family 26, with libtorch 2.10: errors up to 1.3 at 1-16, 33, 48 and
    /// 100 units with batch 4, and, for other shapes, only with some data), while the training kernel agrees with the
    /// reference to 1e-7. A per-shape check proved unreliable (a shape right on one batch was wrong on the next) and made
    /// results depend on call history, so without gradients the call always runs the training kernel: correct and
    /// deterministic, slower than the inference kernel where that one is right.
    /// </summary>
    internal static class LstmInferenceKernel
    {
        /// <summary>Runs <paramref name="lstm"/> on <paramref name="x"/> (batch first) from <paramref name="states"/>
        /// (h, c).</summary>
        public static (Tensor Output, Tensor H, Tensor C) Call(TorchSharp.Modules.LSTM lstm, Tensor x, Tensor[] states)
        {
            if (x.device_type != DeviceType.CPU || is_grad_enabled() || x.numel() == 0) return lstm.call(x, (states[0], states[1]));
            // With gradients on, libtorch takes oneDNN's forward_training kernel; the results are detached.
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
