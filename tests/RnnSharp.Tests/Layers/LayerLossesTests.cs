using System;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Regularizers;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers
{
    /// <summary><c>Layer.Losses</c>, Keras's <c>layer.losses</c>: weight penalties from the current weights, activity
    /// penalties of the last call divided by the batch size, collected over nested layers, none for frozen weights.</summary>
    public class LayerLossesTests
    {
        private static double Sum(Layer layer) => layer.Losses.Sum(l => (double)l.item<float>());

        [Fact]
        public void KerassDocumentedExampleGives5Point25()
        {
            // Keras's Regularizer docstring: Dense(5, kernel_initializer="ones", kernel_regularizer=L1(0.01),
            // activity_regularizer=L2(0.01)) on ones((5, 5)) * 2: kernel term 0.01·25 = 0.25, activity term
            // 0.01·25·10² / 5 (batch) = 5.
            var layer = new Dense(5, kernelInitializer: "ones", kernelRegularizer: new L1(0.01), activityRegularizer: new L2(0.01));
            layer.Call(ones(5, 5) * 2);
            Assert.Equal(2, layer.Losses.Count);
            Assert.Equal(5.25, Sum(layer), 1e-4);
        }

        [Fact]
        public void ActivityPenaltiesAreReplacedByEachOutermostCall()
        {
            var layer = new Dense(2, kernelInitializer: "ones", activityRegularizer: new L1(1.0));
            layer.Call(ones(4, 3));
            // Each output is 3 (bias 0): Σ|y| = 8·3 = 24, over a batch of 4.
            Assert.Equal(6.0, Sum(layer), 1e-5);
            layer.Call(ones(2, 3) * 2);
            // A new call's penalties replace the last call's: Σ|y| = 4·6 = 24 over 2.
            Assert.Equal(12.0, Sum(layer), 1e-5);
            Assert.Single(layer.Losses);
        }

        [Fact]
        public void ARecurrentLayersActivityRegularizerSeesItsStatesToo()
        {
            // Keras flattens the returned tensors: output, h and c each give a penalty.
            Backend.SetRandomSeed(3);
            var lstm = new LSTM(3, returnState: true, activityRegularizer: new L2(0.5));
            var x = rand(4, 5, 2);
            var result = lstm.Call(x);
            Assert.Equal(3, lstm.Losses.Count);
            double expected = result.All.Sum(t => 0.5 * TestTensors.Values(t).Sum(v => (double)v * v) / 4);
            Assert.Equal(expected, Sum(lstm), 1e-5);
        }

        [Fact]
        public void WeightPenaltiesAreReadFromTheCurrentWeightsInKerasLayout()
        {
            // A GRU's fused engine keeps PyTorch's layout and gate order; the penalties see Keras's weights.
            Backend.SetRandomSeed(4);
            var gru = new GRU(3, kernelRegularizer: new OrthogonalRegularizer(0.2, "columns"), recurrentRegularizer: new L1(0.1), biasRegularizer: new L2(0.3));
            gru.Call(rand(2, 4, 5));
            var weights = gru.GetWeights().Select(w => TestTensors.Values(w).Select(v => (double)v).ToArray()).ToArray();
            double[][] kernel = Enumerable.Range(0, 5).Select(i => weights[0].Skip(i * 9).Take(9).ToArray()).ToArray();
            var columns = Enumerable.Range(0, 9).Select(j => kernel.Select(r => r[j]).ToArray())
                .Select(v => { double n = Math.Sqrt(v.Sum(a => a * a)); return v.Select(a => a / n).ToArray(); }).ToArray();
            double cosines = 0;
            for (int i = 0; i < 9; i++)
                for (int j = 0; j < 9; j++)
                    if (i != j) cosines += Math.Abs(columns[i].Zip(columns[j], (a, b) => a * b).Sum());
            double expected = 0.2 * 0.5 * cosines / 36 + 0.1 * weights[1].Sum(Math.Abs) + 0.3 * weights[2].Sum(v => v * v);
            Assert.Equal(3, gru.Losses.Count);
            Assert.Equal(expected, Sum(gru), 1e-4);
        }

        [Fact]
        public void AModelCollectsThePenaltiesOfNestedLayersOnceAndSkipsFrozenOnes()
        {
            Backend.SetRandomSeed(5);
            var shared = new Dense(2, kernelRegularizer: new L2(1.0));
            var input = Keras.Input(new int?[] { 4, 3 });
            var h = new Bidirectional(new LSTM(2, returnSequences: true, kernelRegularizer: new L1(0.5))).Call(input);
            var a = new TimeDistributed(shared).Call(h.Output);
            var b = shared.Call(h.Output);
            var sum = new Add().Call(new[] { a.Output, b.Output });
            var frozen = new Dense(1, kernelRegularizer: new L2(100.0), trainable: false);
            var model = new Model(input, frozen.Call(sum.Output).Output);
            model.Call(ones(2, 4, 3));
            var bidirectional = model.Layers.OfType<Bidirectional>().Single();
            double L1Of(Tensor w) => 0.5 * TestTensors.Values(w).Sum(v => Math.Abs((double)v));
            double expected = L1Of(bidirectional.ForwardLayer.GetWeights()[0]) + L1Of(bidirectional.BackwardLayer.GetWeights()[0])
                + 1.0 * TestTensors.Values(shared.GetWeights()[0]).Sum(v => (double)v * v);
            // Two LSTM kernels and the shared Dense's kernel once; the frozen Dense's kernel is not a trainable weight.
            Assert.Equal(3, model.Losses.Count);
            Assert.Equal(expected, Sum(model), 1e-4);
        }

        [Fact]
        public void ALayerWithoutRegularizersHasNoLosses()
        {
            var layer = new LSTM(2);
            layer.Call(ones(1, 2, 2));
            Assert.Empty(layer.Losses);
        }
    }
}
