using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using RnnSharp.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Cuda
{
    /// <summary>
    /// Tests that need a CUDA device: skipped (and reported as skipped) where none is available, whatever
    /// <c>RNNSHARP_TEST_DEVICE</c> says. Every comparison has TF32 off (the CPU computes in full float32).
    /// </summary>
    public class CudaTests
    {
        private const int Features = 4, Units = 5;
        private const double Tolerance = 1e-4;

        public enum Kind { SimpleRnn, Lstm, Gru, BidirectionalSimpleRnn, BidirectionalLstm, BidirectionalGru }

        /// <summary>None; right-padded; left-padded; one row fully masked; valid steps with holes (not one contiguous
        /// run, which no fused kernel expresses).</summary>
        public enum MaskKind { None, Right, Left, EmptyRow, Holes }

        public static IEnumerable<object[]> Cases()
            => from kind in Enum.GetValues<Kind>()
               from mask in Enum.GetValues<MaskKind>()
               from fused in new[] { true, false }
               select new object[] { kind, mask, fused };

        private static readonly torch.Device Cpu = new(DeviceType.CPU);
        private static readonly torch.Device Cuda = new(DeviceType.CUDA);

        private static void RequireCuda()
        {
            Assert.SkipUnless(TestDevice.CudaAvailable, TestDevice.SkipReason);
            // Whatever device the suite runs on, these tests compare with TF32 off.
            torch.backends.cudnn.allow_tf32 = false;
            torch.backends.cuda.matmul.allow_tf32 = false;
        }

        private static Layer Make(Kind kind, bool returnSequences)
        {
            RNN Cell(Kind k) => k switch
            {
                Kind.SimpleRnn or Kind.BidirectionalSimpleRnn => new SimpleRNN(Units, returnSequences: returnSequences),
                Kind.Lstm or Kind.BidirectionalLstm => new LSTM(Units, returnSequences: returnSequences),
                _ => new GRU(Units, returnSequences: returnSequences),
            };
            return kind >= Kind.BidirectionalSimpleRnn ? new Bidirectional(Cell(kind)) : Cell(kind);
        }

        private static void SetFused(Layer layer, bool fused)
        {
            if (layer is RNN rnn) rnn.UseFused = fused;
            else ((Bidirectional)layer).UseFused = fused;
        }

        private static RnnExecutionPath? PathOf(Layer layer) => layer is RNN rnn ? rnn.LastCallPath : ((Bidirectional)layer).LastCallPath;

        private static (int Steps, (int From, int To)[] Rows)? Layout(MaskKind mask) => mask switch
        {
            MaskKind.Right => (7, new[] { (0, 7), (0, 4), (0, 1), (0, 6) }),
            MaskKind.Left => (7, new[] { (0, 7), (3, 7), (6, 7), (1, 7) }),
            MaskKind.EmptyRow => (6, new[] { (0, 5), (0, 0), (0, 2), (0, 6) }),
            MaskKind.Holes => (7, new[] { (0, 7), (0, 7), (0, 7), (0, 7) }),
            _ => null,
        };

        private static Tensor? Mask(MaskKind kind)
        {
            if (Layout(kind) is not { } layout) return null;
            var (steps, rows) = layout;
            var values = rows.SelectMany((r, i) => Enumerable.Range(0, steps).Select(t =>
                kind == MaskKind.Holes ? t % 3 != i % 3 || t == 0 : t >= r.From && t < r.To)).ToArray();
            return tensor(values, new long[] { rows.Length, steps }, device: Cpu);
        }

        private static void Close(Tensor expected, Tensor actual, string what)
        {
            var diff = (expected.cpu() - actual.cpu()).abs().max().item<float>();
            Assert.True(diff <= Tolerance, $"{what}: CPU and CUDA differ by {diff:0.0e0} (tolerance {Tolerance:0e0})");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void CpuAndCudaAgreeForEveryRecurrentLayerPathAndMask(Kind kind, MaskKind maskKind, bool fused)
        {
            RequireCuda();
            int steps = Layout(maskKind)?.Steps ?? 7;
            var mask = Mask(maskKind);
            long batch = mask?.shape[0] ?? 4;
            Backend.SetRandomSeed(23);
            var x = randn(new[] { batch, steps, (long)Features }, device: Cpu);
            foreach (bool returnSequences in new[] { false, true })
            {
                string what = $"{kind} mask={maskKind} fused={fused} seq={returnSequences}";
                var onCpu = Make(kind, returnSequences);
                onCpu.Build(new int?[] { null, steps, Features });
                onCpu.to(Cpu);
                var onCuda = Make(kind, returnSequences);
                onCuda.Build(new int?[] { null, steps, Features });
                onCuda.SetWeights(onCpu.GetWeights());
                onCuda.to(Cuda);
                SetFused(onCpu, fused);
                SetFused(onCuda, fused);

                var xa = x.detach().requires_grad_(true);
                var xb = x.detach().to(Cuda).requires_grad_(true);
                var a = onCpu.Call(xa, mask, null, training: true).Output;
                var b = onCuda.Call(xb, mask?.to(Cuda), null, training: true).Output;
                Assert.Equal(DeviceType.CUDA, b.device_type);
                Assert.Equal(PathOf(onCpu), PathOf(onCuda));
                if (!fused || maskKind == MaskKind.Holes) Assert.Equal(RnnExecutionPath.StepByStep, PathOf(onCuda));
                else Assert.Equal(RnnExecutionPath.Fused, PathOf(onCuda));
                Close(a, b, what + ": outputs");

                var weights = randn(a.shape, device: Cpu);
                (a * weights).sum().backward();
                (b * weights.to(Cuda)).sum().backward();
                Close(xa.grad!, xb.grad!, what + ": input gradient");
                foreach (var (pa, pb) in onCpu.parameters().Zip(onCuda.parameters()).Where(p => p.First.requires_grad))
                    Close(pa.grad!, pb.grad!, what + ": weight gradient");
            }
        }

        [Theory]
        [InlineData(Kind.SimpleRnn)]
        [InlineData(Kind.Lstm)]
        [InlineData(Kind.Gru)]
        [InlineData(Kind.BidirectionalLstm)]
        public void MaskedBatchesRunPackedOnCudnn(Kind kind)
        {
            RequireCuda();
            foreach (var maskKind in new[] { MaskKind.Right, MaskKind.Left, MaskKind.EmptyRow })
            {
                var (steps, _) = Layout(maskKind)!.Value;
                var mask = Mask(maskKind)!.to(Cuda);
                Backend.SetRandomSeed(31);
                var x = randn(new[] { mask.shape[0], steps, (long)Features }, device: Cuda);
                var packed = Make(kind, returnSequences: true);
                packed.Build(new int?[] { null, steps, Features });
                var stepwise = Make(kind, returnSequences: true);
                stepwise.Build(new int?[] { null, steps, Features });
                stepwise.SetWeights(packed.GetWeights());
                packed.to(Cuda);
                stepwise.to(Cuda);
                SetFused(stepwise, false);
                using (no_grad())
                {
                    var a = packed.Call(x, mask).Output;
                    var b = stepwise.Call(x, mask).Output;
                    Assert.Equal(RnnExecutionPath.Fused, PathOf(packed));
                    // On CUDA no batch runs in length groups (a CPU-only strategy): a masked batch is packed for cuDNN.
                    if (packed is RNN rnn) Assert.Equal(0, rnn.LastLengthGroups);
                    Close(b, a, $"{kind} {maskKind}: cuDNN packed vs step-by-step");
                }
            }
        }

        private static Sequential Classifier()
        {
            var model = new Sequential(new Layer[]
            {
                new Embedding(50, 8, maskZero: true),
                new LSTM(16, returnSequences: true),
                new GRU(8),
                new Dense(1, activation: "sigmoid"),
            });
            model.Compile("adam", "binary_crossentropy", new[] { "accuracy" });
            return model;
        }

        private static (Tensor X, Tensor Y) Data(long n, long steps)
        {
            var lengths = randint(1, steps + 1, new[] { n, 1L }, device: Cpu);
            var ids = randint(1, 50, new[] { n, steps }, device: Cpu) * (arange(steps, device: Cpu).unsqueeze(0) < lengths);
            var y = (ids.sum(1, keepdim: true) % 2).to(ScalarType.Float32);
            return (ids, y);
        }

        [Fact]
        public void ToCudaAndBackRoundTripsAModel()
        {
            RequireCuda();
            Backend.SetRandomSeed(3);
            var (x, y) = Data(64, 9);
            var model = Classifier();
            model.Build(new int?[] { null, 9 });
            model.To("cpu");
            var onCpu = model.Predict(x, batchSize: 32);

            Assert.Same(model, model.To("cuda"));
            Assert.Equal(DeviceType.CUDA, model.Device.type);
            Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
            var onCuda = model.Predict(x, batchSize: 32); // inputs on the CPU follow the model
            Close(onCpu, onCuda, "Predict before training");
            Assert.All(model.Layers.OfType<RNN>(), r => Assert.Equal(RnnExecutionPath.Fused, r.LastCallPath));

            var history = model.Fit(x, y, batchSize: 16, epochs: 2, verbose: 0);
            Assert.True(history.Values["loss"].All(double.IsFinite));
            var trained = model.Predict(x, batchSize: 32).cpu();

            model.To("cpu");
            Assert.Equal(DeviceType.CPU, model.Device.type);
            Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
            Close(trained, model.Predict(x, batchSize: 32), "Predict after training, back on the CPU");
        }

        [Fact]
        public void MemoryOnTheDeviceStaysFlatAcrossEpochs()
        {
            RequireCuda();
            Backend.SetRandomSeed(4);
            var (x, y) = Data(512, 20);
            var model = Classifier();
            model.Build(new int?[] { null, 20 });
            model.To("cuda");
            var live = new List<long>();
            var used = new List<long>();
            var probe = new LambdaCallback(onEpochEnd: (_, _) =>
            {
                cuda.synchronize();
                live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
                if (DeviceMemory.Used() is long bytes) used.Add(bytes);
            });
            model.Fit(x.to(Cuda), y.to(Cuda), batchSize: 32, epochs: 8, verbose: 0, callbacks: new Callback[] { probe });
            Assert.Equal(8, live.Count);
            // After the first epochs (optimizer slots, metric state, the caching allocator's pools) nothing accumulates.
            Assert.True(live.Skip(2).Max() - live.Skip(2).Min() <= 2, "live tensors per epoch: " + string.Join(", ", live));
            if (used.Count == 8)
                Assert.True(used.Skip(2).Max() - used.Skip(2).Min() <= 16L << 20,
                    "device memory in use per epoch (MiB): " + string.Join(", ", used.Select(b => b >> 20)));
        }

        /// <summary>The device's memory in use (total − free), from the CUDA runtime libtorch has loaded; null where it
        /// cannot be read (TorchSharp has no allocator statistics).</summary>
        private static class DeviceMemory
        {
            [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
            private delegate int MemGetInfo(out nuint free, out nuint total);

            private static readonly Lazy<MemGetInfo?> Function = new(() =>
            {
                foreach (string name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so" })
                    if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "cudaMemGetInfo", out var address))
                        return Marshal.GetDelegateForFunctionPointer<MemGetInfo>(address);
                return null;
            });

            public static long? Used()
                => Function.Value is { } f && f(out var free, out var total) == 0 ? (long)(total - free) : null;
        }
    }
}
