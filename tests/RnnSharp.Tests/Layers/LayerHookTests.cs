using System;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Tests.Layers.Rnn;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers
{
    /// <summary>
    /// A layer's call goes through TorchSharp's module call: forward pre-hooks and forward hooks registered on a layer
    /// (or on a model) run on every call, inside a model too (Call, Predict, Fit); a hook that returns a tensor replaces
    /// the input or the output (returned states kept); TorchSharp's own <c>call</c> runs the layer in the module's
    /// training mode. And <c>ComputeMask(inputs)</c> without a mask is Keras's <c>compute_mask(inputs)</c>.
    /// </summary>
    public class LayerHookTests
    {
        private const int Steps = 4, Features = 3, Units = 5, Samples = 5;
        private const double Tolerance = 1e-5;

        private static (Sequential Model, LSTM Lstm, Dense Dense) LstmDenseModel()
        {
            Backend.SetRandomSeed(801);
            var lstm = new LSTM(Units, inputShape: new int?[] { Steps, Features });
            var dense = new Dense(1);
            var model = new Sequential(new Layer[] { lstm, dense });
            model.Build(new int?[] { null, Steps, Features });
            return (model, lstm, dense);
        }

        /// <summary>An LSTM with Keras weights <paramref name="w"/>, built for <see cref="Features"/> features.</summary>
        private static LSTM KerasLstm(Weights w, bool returnSequences = false, bool returnState = false, double recurrentDropout = 0)
        {
            var lstm = new LSTM(Units, returnSequences: returnSequences, returnState: returnState, recurrentDropout: recurrentDropout);
            RecurrentLayerTests.SetKerasWeights(lstm, Kind.Lstm, w);
            return lstm;
        }

        private static double[][][] Times(double[][][] x, double factor) => x.Select(b => b.Select(t => t.Select(v => v * factor).ToArray()).ToArray()).ToArray();

        [Fact]
        public void AForwardHookOnALayerInAModelFiresOnEveryCallPredictBatchAndFitBatch()
        {
            var (model, lstm, _) = LstmDenseModel();
            int count = 0;
            nn.Module<Tensor, Tensor>? seenModule = null;
            var hook = lstm.register_forward_hook((module, input, output) =>
            {
                count++;
                seenModule = module;
                return null!;
            });
            var x = randn(Samples, Steps, Features);
            var y = randn(Samples, 1);

            model.Call(x);
            Assert.Equal(1, count);
            Assert.Same(lstm, seenModule);

            count = 0;
            model.Predict(x, batchSize: 2);
            Assert.Equal(3, count);

            count = 0;
            model.Compile("sgd", "mse");
            model.Fit(x, y, batchSize: 2, epochs: 2, verbose: 0, shuffle: false);
            Assert.Equal(6, count);

            count = 0;
            model.Evaluate(x, y, batchSize: 2, verbose: 0);
            Assert.Equal(3, count);

            // A removed hook no longer fires.
            hook.remove();
            count = 0;
            model.Call(x);
            Assert.Equal(0, count);
        }

        [Fact]
        public void AForwardHookReturningATensorReplacesTheLayersOutputInTheModel()
        {
            var (model, lstm, dense) = LstmDenseModel();
            dense.SetWeights(new[] { TestTensors.From(TestTensors.Random2(new Random(802), Units, 1)), tensor(new[] { 0.75f }) });
            var x = randn(Samples, Steps, Features);
            // Without the hook the output depends on the input.
            Assert.True(model.Call(x).sub(0.75f).abs().max().item<float>() > 1e-3f);

            var hook = lstm.register_forward_hook((module, input, output) => output * 0);
            // Zeros into Dense: its output is its bias, 0.75, for every sample.
            var output = model.Call(x);
            Assert.Equal(new long[] { Samples, 1 }, output.shape);
            TestTensors.AssertClose(Enumerable.Repeat(0.75, Samples).ToArray(), output, 1e-7, "output with the LSTM's output zeroed");
            hook.remove();
        }

        [Fact]
        public void APreHookReplacingTheInputChangesTheOutputAsKerasOnTheReplacedInput()
        {
            var rng = new Random(803);
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random3(rng, Samples, Steps, Features);
            var lstm = KerasLstm(w, returnSequences: true);
            Tensor? seenInput = null;
            var hook = lstm.register_forward_pre_hook((module, input) =>
            {
                seenInput = input;
                return input * 2;
            });
            var doubled = KerasReference.Run(Kind.Lstm, Times(x, 2), w, Units).SequenceFlat;

            var xt = TestTensors.From(x);
            TestTensors.AssertClose(doubled, lstm.Call(xt).Output, Tolerance, "layer call with the input doubled");
            Assert.Same(xt, seenInput);
            // Inside a model too.
            var model = new Sequential(new Layer[] { lstm });
            TestTensors.AssertClose(doubled, model.Call(TestTensors.From(x)), Tolerance, "model call with the input doubled");

            hook.remove();
            TestTensors.AssertClose(KerasReference.Run(Kind.Lstm, x, w, Units).SequenceFlat, lstm.Call(TestTensors.From(x)).Output, Tolerance, "without the hook");
        }

        [Fact]
        public void AHookReplacingTheOutputOfALayerWithReturnStateKeepsTheStates()
        {
            var rng = new Random(804);
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random3(rng, Samples, Steps, Features);
            var initial = new[] { TestTensors.Random2(rng, Samples, Units), TestTensors.Random2(rng, Samples, Units) };
            var lstm = KerasLstm(w, returnState: true);
            lstm.register_forward_hook((module, input, output) => output + 1);
            var expected = KerasReference.Run(Kind.Lstm, x, w, Units, initial: initial);

            var result = lstm.Call(TestTensors.From(x), initialState: initial.Select(TestTensors.From).ToArray());
            Assert.Equal(3, result.Count);
            var (output, h, c) = result;
            TestTensors.AssertClose(expected.LastFlat.Select(v => v + 1).ToArray(), output, Tolerance, "replaced output");
            TestTensors.AssertClose(expected.StateFlat(0), h, Tolerance, "h");
            TestTensors.AssertClose(expected.StateFlat(1), c, Tolerance, "c");
        }

        [Fact]
        public void TorchSharpsCallRunsTheLayerInTheModulesTrainingMode()
        {
            var rng = new Random(805);
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random3(rng, Samples, Steps, Features);
            // Recurrent dropout bars the fused kernel only in training, so the path taken tells the mode.
            var lstm = KerasLstm(w, returnSequences: true, recurrentDropout: 0.5);
            int count = 0;
            lstm.register_forward_hook((module, input, output) =>
            {
                count++;
                return null!;
            });

            lstm.eval();
            var y = lstm.call(TestTensors.From(x));
            Assert.Equal(RnnExecutionPath.Fused, lstm.LastCallPath);
            TestTensors.AssertClose(KerasReference.Run(Kind.Lstm, x, w, Units).SequenceFlat, y, Tolerance, "eval call");

            lstm.train();
            lstm.call(TestTensors.From(x));
            Assert.Equal(RnnExecutionPath.StepByStep, lstm.LastCallPath);
            Assert.Equal(2, count);

            var dropout = new RnnSharp.Layers.Dropout(0.5);
            var input = ones(20, 50);
            dropout.eval();
            Assert.True(TestTensors.Same(input, dropout.call(input)));
            dropout.train();
            var dropped = TestTensors.Values(dropout.call(input));
            // Keras's inverted dropout: each unit is 0 or 1 / (1 - rate).
            Assert.All(dropped, v => Assert.True(v == 0f || v == 2f, $"value {v}"));
            Assert.Contains(0f, dropped);
            Assert.Contains(2f, dropped);
        }

        [Fact]
        public void ComputeMaskWithoutAMaskArgumentIsKerasComputeMask()
        {
            var tokens = tensor(new long[] { 1, 0, 3, 0, 0, 2 }, new long[] { 2, 3 });
            // Embedding(mask_zero=True).compute_mask(inputs) is inputs != 0.
            var mask = new Embedding(10, 3, maskZero: true).ComputeMask(tokens);
            Assert.NotNull(mask);
            Assert.Equal(ScalarType.Bool, mask!.dtype);
            Assert.Equal(new long[] { 2, 3 }, mask.shape);
            Assert.Equal(new[] { true, false, true, false, false, true }, mask.data<bool>().ToArray());
            Assert.Null(new Embedding(10, 3).ComputeMask(tokens));
            // Dense does not support masking: None.
            Assert.Null(new Dense(2).ComputeMask(randn(2, 3)));
            // Masking(mask_value=0).compute_mask(inputs) is any(inputs != 0, axis=-1).
            var x = tensor(new float[] { 0, 0, 1, 0, 0, 0, 0, 2 }, new long[] { 1, 4, 2 });
            Assert.Equal(new[] { false, true, false, true }, new Masking(0.0).ComputeMask(x)!.data<bool>().ToArray());
        }

        [Fact]
        public void HooksOnTheModelItselfFireOnCallAndPredictAndCanReplaceItsInputOrOutput()
        {
            var (model, _, _) = LstmDenseModel();
            var x = randn(Samples, Steps, Features);
            int count = 0;
            var counter = model.register_forward_hook((module, input, output) =>
            {
                count++;
                return null!;
            });
            model.Call(x);
            Assert.Equal(1, count);
            model.Predict(x, batchSize: 2);
            Assert.Equal(4, count);
            counter.remove();

            var replaceOutput = model.register_forward_hook((module, input, output) => zeros_like(output) + 3);
            TestTensors.AssertClose(Enumerable.Repeat(3.0, Samples).ToArray(), model.Call(x), 0, "model output replaced");
            replaceOutput.remove();

            var shifted = x + 0.5;
            var expected = model.Call(shifted);
            var replaceInput = model.register_forward_pre_hook((module, input) => input + 0.5);
            Assert.True(model.Call(x).allclose(expected, rtol: 0, atol: 1e-6));
            replaceInput.remove();
        }

        /// <summary>
        /// A call hands its arguments through TorchSharp's call per thread: one model or layer serving calls from several
        /// threads at once gives each call its own mask, initial state and mode (inference on a shared model, as a
        /// service does).
        /// </summary>
        [Fact]
        public void ConcurrentCallsOnOneModelKeepTheirOwnArguments()
        {
            Backend.SetRandomSeed(61);
            var model = new Sequential(new Layer[] { new Embedding(20, 4, maskZero: true), new LSTM(Units), new Dense(1) });
            var lstm = new LSTM(Units, returnSequences: true);
            const int Threads = 4, Calls = 100;
            var inputs = Enumerable.Range(0, Threads).Select(t =>
            {
                var ids = randint(1, 20, new long[] { 3, 6 });
                // Each thread's batch is padded differently, so each call has its own mask.
                ids[t % 3].narrow(0, 2 + t % 3, 4 - t % 3).fill_(0);
                return ids;
            }).ToArray();
            var sequences = Enumerable.Range(0, Threads).Select(_ => randn(3, 6, Features)).ToArray();
            var states = Enumerable.Range(0, Threads).Select(_ => new[] { randn(3, Units), randn(3, Units) }).ToArray();
            var expected = inputs.Select(x => model.Call(x)).ToArray();
            var expectedSequences = sequences.Select((x, t) => lstm.Call(x, initialState: states[t]).Output).ToArray();
            // Pre-hooks that yield the thread between a call's start and its forward, where the arguments are handed on.
            foreach (var layer in new Layer[] { model.Layers[1], lstm })
                layer.register_forward_pre_hook((_, _) =>
                {
                    System.Threading.Thread.Yield();
                    return null!;
                });

            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            var workers = Enumerable.Range(0, Threads).Select(t => new System.Threading.Thread(() =>
            {
                try
                {
                    using var scope = NewDisposeScope();
                    for (int i = 0; i < Calls; i++)
                    {
                        if (!model.Call(inputs[t]).allclose(expected[t], rtol: 0, atol: 1e-6)) failures.Add($"thread {t}: model output");
                        if (!lstm.Call(sequences[t], initialState: states[t]).Output.allclose(expectedSequences[t], rtol: 0, atol: 1e-6))
                            failures.Add($"thread {t}: layer output with its initial state");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"thread {t}: {e.GetType().Name}: {e.Message}");
                }
            })).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            Assert.Empty(failures);
        }
    }
}
