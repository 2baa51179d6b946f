using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>The 16-bit fused run keeps its inner graph only until backward: training steps and inference leave no live
    /// tensors behind once their dispose scope ends.</summary>
    [Collection("MixedPrecision")]
    public class LowPrecisionRunTests
    {
        [Theory]
        [InlineData(0, true, false)]
        [InlineData(1, false, false)]
        [InlineData(2, true, false)]
        [InlineData(0, true, true)]
        public void LeavesNoLiveTensors(int kind, bool returnSequences, bool masked)
        {
            RNN layer = kind switch
            {
                0 => new LSTM(8, returnSequences: returnSequences, dtype: "mixed_bfloat16"),
                1 => new GRU(8, returnSequences: returnSequences, dtype: "mixed_bfloat16"),
                _ => new SimpleRNN(8, returnSequences: returnSequences, dtype: "mixed_bfloat16"),
            };
            layer.Build(new int?[] { null, 6, 4 });
            Backend.SetRandomSeed(3);
            var x = randn(5, 6, 4);
            var mask = tensor(Enumerable.Range(0, 30).Select(i => i % 6 < 6 - i / 6).ToArray(), new long[] { 5, 6 });
            static long Live() => TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            void Round()
            {
                for (int i = 0; i < 5; i++)
                {
                    using var scope = NewDisposeScope();
                    layer.Call(x, masked ? mask : null, training: true).Output.to(ScalarType.Float32).sum().backward();
                }
                for (int i = 0; i < 5; i++)
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    layer.Call(x, masked ? mask : null);
                }
            }
            Round(); // the first run makes the engine's 16-bit copy, kept for the layer's life
            long before = Live();
            Round();
            Round();
            Assert.Equal(before, Live());
            Assert.All(layer.parameters().Where(p => p.requires_grad), p => Assert.Equal(ScalarType.Float32, p.grad!.dtype));
        }
    }
}
