using System;
using System.IO;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.CustomLayers;
using RnnSharp.Tests.Support;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// docs/architecture.md's "how to add a recurrent layer", proved: <see cref="IndRNN"/> (a cell no fused kernel
    /// computes) and <see cref="IRNN"/> (a cell that names the relu kernel) are each one file of the
    /// RnnSharp.Tests.CustomLayers project, written against RnnSharp's public API only, plus the registry lines below.
    /// Each then works as the built-in layers do: its path, masks, gradients, Bidirectional, configs, saving, Summary and Fit.
    /// </summary>
    public class CustomRecurrentLayerTests
    {
        private const int Batch = 3, Steps = 6, Features = 4, Units = 5;
        private const double Tolerance = 1e-5;

        static CustomRecurrentLayerTests()
        {
            LayerRegistry.Register("IndRNN", IndRNN.FromConfig);
            LayerRegistry.Register("IRNN", IRNN.FromConfig);
        }

        // IndRNN from its equations, with Keras's masking rule (a masked step keeps the state and repeats the output).
        private static (double[][][] Sequence, double[][] Final) IndRnnReference(
            double[][][] x, double[][] kernel, double[] recurrent, double[] bias, bool[][] mask)
        {
            var sequence = new double[x.Length][][];
            var finals = new double[x.Length][];
            for (int b = 0; b < x.Length; b++)
            {
                var h = new double[Units];
                sequence[b] = new double[Steps][];
                for (int t = 0; t < Steps; t++)
                {
                    if (mask[b][t])
                        h = Enumerable.Range(0, Units).Select(j =>
                            Math.Max(0, Enumerable.Range(0, Features).Sum(i => x[b][t][i] * kernel[i][j]) + recurrent[j] * h[j] + bias[j])).ToArray();
                    sequence[b][t] = (double[])h.Clone();
                }
                finals[b] = h;
            }
            return (sequence, finals);
        }

        private static bool[][] RightPadded() => new[] { 6, 4, 1 }.Select(n => Enumerable.Range(0, Steps).Select(t => t < n).ToArray()).ToArray();

        private static bool[][] LeftPadded() => new[] { 6, 3, 1 }.Select(n => Enumerable.Range(0, Steps).Select(t => t >= Steps - n).ToArray()).ToArray();

        [Fact]
        public void IndRnnRunsStepByStepAndComputesItsEquationsWithMasks()
        {
            var rng = new Random(301);
            var kernel = TestTensors.Random2(rng, Features, Units);
            var recurrent = TestTensors.Random1(rng, Units, scale: 0.9);
            var bias = TestTensors.Random1(rng, Units);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var mask = RightPadded();
            var expected = IndRnnReference(x, kernel, recurrent, bias, mask);

            var layer = new IndRNN(Units, returnSequences: true, returnState: true);
            layer.Build(new int?[] { null, Steps, Features });
            Assert.Equal(Features * Units + Units + Units, layer.CountParams());
            layer.SetWeights(new[] { TestTensors.From(kernel), TestTensors.From(recurrent), TestTensors.From(bias) });
            Assert.Equal(RnnExecutionPath.StepByStep, layer.ExecutionPath);
            Assert.Contains("IndRNNCell", layer.ExecutionPathReason);

            var input = TestTensors.From(x).requires_grad_(true);
            var (sequence, state) = layer.Call(input, TestTensors.Mask(mask));
            TestTensors.AssertClose(expected.Sequence.SelectMany(b => b.SelectMany(t => t)).ToArray(), sequence, Tolerance, "IndRNN sequence");
            TestTensors.AssertClose(expected.Final.SelectMany(h => h).ToArray(), state, Tolerance, "IndRNN state");
            Assert.Equal(RnnExecutionPath.StepByStep, layer.LastCallPath);
            sequence.sum().backward();
            Assert.Equal(3, layer.parameters().Count(p => p.grad is not null));
            // The padded steps of the last sample contribute nothing to its input's gradient.
            Assert.Equal(0f, input.grad![2].narrow(0, 1, Steps - 1).abs().sum().item<float>());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void IrnnRunsOnTheFusedReluKernelAndComputesItsEquations(bool leftPadded)
        {
            var rng = new Random(303);
            var w = RecurrentLayerTests.MakeWeights(Kind.SimpleRnn, rng);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var initial = TestTensors.Random2(rng, Batch, Units);
            var mask = leftPadded ? LeftPadded() : RightPadded();
            static double Relu(double v) => Math.Max(0, v);
            var expected = KerasReference.Run(Kind.SimpleRnn, x, w, Units, mask, new[] { initial }, activation: Relu);

            var layer = new IRNN(Units, recurrentScale: 0.5, returnSequences: true, returnState: true);
            layer.Build(new int?[] { null, Steps, Features });
            // The initial recurrent kernel is the scaled identity.
            Assert.True(layer.GetWeights()[1].allclose(eye(Units) * 0.5));
            Assert.Equal(RnnExecutionPath.Fused, layer.ExecutionPath);
            RecurrentLayerTests.SetKerasWeights(layer, Kind.SimpleRnn, w);
            var step = new IRNN(Units, returnSequences: true, returnState: true) { UseFused = false };
            step.Build(new int?[] { null, Steps, Features });
            step.SetWeights(layer.GetWeights());

            foreach (var (rnn, path) in new[] { (layer, RnnExecutionPath.Fused), (step, RnnExecutionPath.StepByStep) })
            {
                var (sequence, state) = rnn.Call(TestTensors.From(x), TestTensors.Mask(mask), new[] { TestTensors.From(initial) });
                TestTensors.AssertClose(expected.SequenceFlat, sequence, Tolerance, $"IRNN sequence, {path}");
                TestTensors.AssertClose(expected.StateFlat(0), state, Tolerance, $"IRNN state, {path}");
                Assert.Equal(path, rnn.LastCallPath);
            }
            // Its engine is registered once, by the layer, with the held recurrent bias frozen.
            Assert.Single(layer.named_parameters(), p => p.name == "engine.weight_ih_l0");
            Assert.False(layer.named_parameters().Single(p => p.name == "engine.bias_hh_l0").parameter.requires_grad);
        }

        [Fact]
        public void BidirectionalIrnnRunsOnOneBidirectionalEngine()
        {
            var rng = new Random(305);
            var wf = RecurrentLayerTests.MakeWeights(Kind.SimpleRnn, rng);
            var wb = RecurrentLayerTests.MakeWeights(Kind.SimpleRnn, rng);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var mask = RightPadded();
            static double Relu(double v) => Math.Max(0, v);
            var forward = KerasReference.Run(Kind.SimpleRnn, x, wf, Units, mask, activation: Relu, zeroOutputForMask: true);
            var backward = KerasReference.Run(Kind.SimpleRnn, x, wb, Units, mask, goBackwards: true, activation: Relu, zeroOutputForMask: true);

            var layer = new Bidirectional(new IRNN(Units, returnSequences: true));
            layer.Build(new int?[] { null, Steps, Features });
            Assert.Equal("forward_" + layer.Layer.Name, layer.ForwardLayer.Name);
            Assert.IsType<IRNN>(layer.BackwardLayer);
            Assert.Contains(layer.named_parameters(), p => p.name == "engine.weight_ih_l0_reverse");
            Assert.Equal(RnnExecutionPath.Fused, layer.ExecutionPath);
            var bias = (double[] b) => TestTensors.From(b);
            layer.SetWeights(new[]
            {
                TestTensors.From(wf.Kernel), TestTensors.From(wf.Recurrent), bias(wf.Bias!),
                TestTensors.From(wb.Kernel), TestTensors.From(wb.Recurrent), bias(wb.Bias!),
            });
            var output = layer.Call(TestTensors.From(x), TestTensors.Mask(mask)).Output;
            // concat(forward, backward reversed back to time order), per sample and step.
            var expected = Enumerable.Range(0, Batch).SelectMany(b => Enumerable.Range(0, Steps)
                .SelectMany(t => forward.Sequence[b][t].Concat(backward.Sequence[b][Steps - 1 - t]))).ToArray();
            TestTensors.AssertClose(expected, output, Tolerance, "Bidirectional(IRNN)");
            Assert.Equal(RnnExecutionPath.Fused, layer.LastCallPath);
        }

        [Fact]
        public void BothLayersRoundTripThroughConfigsFilesSummaryAndFit()
        {
            Backend.SetRandomSeed(307);
            Backend.ClearSession();
            var model = new Sequential(new Layer[]
            {
                new Masking(inputShape: new int?[] { Steps, Features }),
                new IndRNN(Units, returnSequences: true, dropout: 0.1),
                new IRNN(3, recurrentScale: 0.8),
                new Dense(1),
            });
            var lines = new System.Collections.Generic.List<string>();
            model.Summary(printFn: lines.Add);
            // Keras's classic summary rows: name (class), output shape, parameters (kernel + recurrent kernel + bias).
            Assert.Contains("ind_rnn (IndRNN)             (None, 6, 5)              30        ", lines);
            Assert.Contains("irnn (IRNN)                  (None, 3)                 27        ", lines);

            // Through the registry, as a Keras config would be read.
            using var copy = Sequential.FromJson(model.ToJson());
            Assert.IsType<IndRNN>(copy.Layers[1]);
            Assert.Equal(0.1, ((IndRNN)copy.Layers[1]).Dropout);
            Assert.Equal(0.8, ((IRNNCell)copy.Layers[2].InnerLayers[0]).RecurrentScale);
            Assert.Equal(model.ToJson(), copy.ToJson());

            var x = randn(8, Steps, Features);
            x[1, 4..] = zeros(2, Features);
            var y = randn(8, 1);
            model.Compile("adam", "mse");
            var history = model.Fit(x, y, batchSize: 4, epochs: 3, verbose: 0);
            Assert.All(history.Values["loss"], v => Assert.True(double.IsFinite(v)));
            var before = model.Predict(x);

            using var dir = new TempDir();
            foreach (string file in new[] { "m.rnnsharp", "m.h5" })
            {
                string path = Path.Combine(dir.Path, file);
                model.Save(path);
                using var loaded = Sequential.Load(path);
                Assert.True(loaded.Predict(x).allclose(before, rtol: 0, atol: 1e-6), file);
                Assert.Equal(RnnExecutionPath.Fused, ((RNN)loaded.Layers[2]).LastCallPath);
            }
        }
    }
}
