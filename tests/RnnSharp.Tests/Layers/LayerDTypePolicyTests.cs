using System;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Layers.Rnn;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers
{
    /// <summary>
    /// Every kind of layer under <c>mixed_bfloat16</c> against the same model in float32 (same weights): embedding,
    /// convolution, normalizations, a masked Bidirectional LSTM, attention, pooling and a softmax head. The 16-bit model
    /// computes in bfloat16 (its outputs differ from float32's by more than float32 rounding) and agrees within a budget
    /// for seven layers of bfloat16 rounding.
    /// </summary>
    [Collection("MixedPrecision")]
    public class LayerDTypePolicyTests
    {
        private static Model Build(string policy)
        {
            using var scope = MixedPrecisionScope.Global(policy);
            var tokens = Keras.Input(new int?[] { 7 }, dtype: "int64");
            var x = new Embedding(30, 8, maskZero: true).Call(tokens);
            x = new Conv1D(8, 3, padding: "same", activation: "relu").Call(x);
            x = new LayerNormalization().Call(x);
            x = new Bidirectional(new LSTM(6, returnSequences: true)).Call(x);
            x = new MultiHeadAttention(numHeads: 2, keyDim: 4).Call(x, x);
            x = new GlobalAveragePooling1D().Call(x);
            x = new BatchNormalization().Call(x);
            var y = new Dense(3, activation: "softmax").Call(x);
            return new Model(tokens, y);
        }

        [Fact]
        public void EveryLayerComputesInTheComputeDtypeAndAgreesWithFloat32()
        {
            Backend.SetRandomSeed(21);
            using var full = Build("float32");
            using var low = Build("mixed_bfloat16");
            low.SetWeights(full.GetWeights());
            Assert.All(low.Layers.Skip(1), l => Assert.Equal("mixed_bfloat16", l.DtypePolicy.Name));
            Assert.All(low.GetWeights(), w => Assert.Equal(ScalarType.Float32, w.dtype));
            // Trailing zeros are masked steps: the Bidirectional LSTM runs masked (fused, length groups).
            var tokens = tensor(new long[] { 3, 5, 7, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 9, 0, 0, 0, 0, 0 }, new long[] { 3, 7 });
            var expected = full.Predict(tokens);
            var actual = low.Predict(tokens);
            Assert.Equal(ScalarType.Float32, actual.dtype);
            double worst = (actual - expected).abs().max().item<float>();
            Assert.True(worst <= 7 * MixedPrecisionRnnTests.Budget("mixed_bfloat16"), $"max difference {worst}");
            Assert.True(worst > 1e-6, $"max difference {worst}: the model did not compute in bfloat16");
            Assert.True(actual.sum(1).allclose(ones(3), rtol: 0, atol: 1e-5), "the float32 softmax head sums to 1");
        }
    }
}
