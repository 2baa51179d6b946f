using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using Xunit;
using static RnnSharp.Tests.Layers.Rnn.KerasReference;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Rnn
{
    /// <summary>
    /// <see cref="FusedEngine"/>: the one eligibility rule (each reason it gives), that the layers report and follow it
    /// (recurrent dropout only bars the fused kernel in training), which layer owns and registers an engine, the
    /// recurrent bias held at zero where Keras has one bias, and Keras's parameter counts.
    /// </summary>
    public class FusedEngineTests
    {
        private const int Features = 3, Units = 4, Steps = 5, Batch = 3;
        private const double Tolerance = 1e-5;

        private const string NotFusedCellInPair = "a direction's cell is not a FusedRNNCell (SimpleRNNCell, LSTMCell, GRUCell)";
        private const string PairDiffers = "the backward layer's cell differs from the forward layer's (kind, units, bias or activation)";
        private const string ForwardGoesBackwards = "the forward layer has goBackwards: true";
        private const string DirectionAlone =
            "its weights live in the bidirectional engine of its Bidirectional wrapper, which runs it fused; called on its own it runs step by step";
        private const string RecurrentDropoutInTraining = "recurrentDropout > 0 (in training) is not supported by the fused kernel";
        private const string GruResetBefore = "resetAfter: false (the fused kernel applies the reset gate after the recurrent product)";
        private const string HardSigmoid = "recurrentActivation \"hard_sigmoid\" (the fused kernel computes sigmoid)";

        private static string? Rule(bool training, params RNN[] layers) => FusedEngine.Ineligibility(layers, useFused: true, training);

        private static RNN Stacked() => new RNN(new AbstractRNNCell[] { new LSTMCell(Units), new LSTMCell(Units) });

        // ---- The rule, reason by reason ----

        [Fact]
        public void UseFusedFalseIsTheReasonBeforeAnyOther()
        {
            Assert.Equal("UseFused is false", FusedEngine.Ineligibility(new[] { new LSTM(Units) }, useFused: false, training: false));
            Assert.Equal("UseFused is false", FusedEngine.Ineligibility(new[] { Stacked() }, useFused: false, training: true));
            Assert.Equal("UseFused is false", FusedEngine.Ineligibility(new RNN[] { new LSTM(Units), new GRU(Units, goBackwards: true) }, useFused: false, training: true));
            var layer = new LSTM(Units) { UseFused = false };
            Assert.Equal("UseFused is false", layer.ExecutionPathReason);
            var bi = new Bidirectional(new LSTM(Units)) { UseFused = false };
            Assert.Equal("UseFused is false", bi.ExecutionPathReason);
        }

        [Fact]
        public void ACellThatIsNotAFusedRnnCellIsNamedForOneLayer()
        {
            const string expected = "the cell is a StackedRNNCells; the fused kernels run cells derived from FusedRNNCell (SimpleRNNCell, LSTMCell, GRUCell)";
            Assert.Equal(expected, Rule(false, Stacked()));
            Assert.Equal(expected, Stacked().ExecutionPathReason);
        }

        [Fact]
        public void ACellThatIsNotAFusedRnnCellInAPairIsADirectionsCell()
        {
            Assert.Equal(NotFusedCellInPair, Rule(false, Stacked(), new LSTM(Units, goBackwards: true)));
            Assert.Equal(NotFusedCellInPair, Rule(false, new LSTM(Units), Stacked()));
            Assert.Equal(NotFusedCellInPair, new Bidirectional(Stacked()).ExecutionPathReason);
        }

        public static IEnumerable<object[]> Incompatibilities() => new[]
        {
            new object[] { "GRU resetAfter false", GruResetBefore },
            new object[] { "GRU hard_sigmoid", HardSigmoid },
            new object[] { "GRU relu", "activation \"relu\" (the fused kernel computes tanh)" },
            new object[] { "LSTM hard_sigmoid", HardSigmoid },
            new object[] { "LSTM relu", "activation \"relu\" (the fused kernel computes tanh)" },
            new object[] { "SimpleRNN sigmoid", "activation \"sigmoid\" (the fused kernel supports tanh and relu)" },
        };

        private static RNN Incompatible(string name, bool goBackwards = false) => name switch
        {
            "GRU resetAfter false" => new GRU(Units, resetAfter: false, goBackwards: goBackwards),
            "GRU hard_sigmoid" => new GRU(Units, recurrentActivation: "hard_sigmoid", goBackwards: goBackwards),
            "GRU relu" => new GRU(Units, activation: "relu", goBackwards: goBackwards),
            "LSTM hard_sigmoid" => new LSTM(Units, recurrentActivation: "hard_sigmoid", goBackwards: goBackwards),
            "LSTM relu" => new LSTM(Units, activation: "relu", goBackwards: goBackwards),
            _ => new SimpleRNN(Units, activation: "sigmoid", goBackwards: goBackwards),
        };

        private static RNN Compatible(string name, bool goBackwards = false) => name.Split(' ')[0] switch
        {
            "GRU" => new GRU(Units, goBackwards: goBackwards),
            "LSTM" => new LSTM(Units, goBackwards: goBackwards),
            _ => new SimpleRNN(Units, goBackwards: goBackwards),
        };

        [Theory]
        [MemberData(nameof(Incompatibilities))]
        public void ACellOptionTheKernelCannotComputeIsTheReason(string layer, string reason)
        {
            foreach (bool training in new[] { false, true })
            {
                Assert.Equal(reason, Rule(training, Incompatible(layer)));
                Assert.Equal(reason, Incompatible(layer).GetExecutionPathReason(training));
                // In a pair: the forward layer's reason as is, the backward layer's prefixed.
                Assert.Equal(reason, Rule(training, Incompatible(layer), Compatible(layer, goBackwards: true)));
                Assert.Equal("backward layer: " + reason, Rule(training, Compatible(layer), Incompatible(layer, goBackwards: true)));
            }
            Assert.Equal(reason, new Bidirectional(Incompatible(layer)).ExecutionPathReason);
            Assert.Equal("backward layer: " + reason,
                new Bidirectional(Compatible(layer), backwardLayer: Incompatible(layer, goBackwards: true)).ExecutionPathReason);
            // The same kind with the kernel's options has no reason.
            Assert.Null(Rule(true, Compatible(layer)));
        }

        [Fact]
        public void SimpleRnnWithReluRunsFused()
        {
            Assert.Null(new SimpleRNN(Units, activation: "relu").ExecutionPathReason);
            Assert.Null(new Bidirectional(new SimpleRNN(Units, activation: "relu")).ExecutionPathReason);
        }

        public static IEnumerable<object[]> DifferingPairs() => new[]
        {
            new object[] { "kind" },
            new object[] { "units" },
            new object[] { "bias" },
            new object[] { "activation" },
        };

        [Theory]
        [MemberData(nameof(DifferingPairs))]
        public void ABackwardLayerThatDiffersFromTheForwardLayerIsTheReason(string difference)
        {
            var (forward, backward, matching) = difference switch
            {
                "kind" => ((RNN)new LSTM(Units), (RNN)new GRU(Units, goBackwards: true), (RNN)new LSTM(Units, goBackwards: true)),
                "units" => (new LSTM(Units), new LSTM(Units + 1, goBackwards: true), new LSTM(Units, goBackwards: true)),
                "bias" => (new LSTM(Units), new LSTM(Units, useBias: false, goBackwards: true), new LSTM(Units, goBackwards: true)),
                _ => (new SimpleRNN(Units), new SimpleRNN(Units, activation: "relu", goBackwards: true), new SimpleRNN(Units, goBackwards: true)),
            };
            Assert.Equal(PairDiffers, Rule(false, forward, backward));
            Assert.Equal(PairDiffers, Rule(true, forward, backward));
            Assert.Equal(PairDiffers, new Bidirectional(forward, backwardLayer: backward).ExecutionPathReason);
            // The same pair without the difference has none.
            Assert.Null(Rule(true, forward, matching));
        }

        [Fact]
        public void AForwardLayerGoingBackwardsIsTheReason()
        {
            Assert.Equal(ForwardGoesBackwards, Rule(false, new LSTM(Units, goBackwards: true), new LSTM(Units)));
            var bi = new Bidirectional(new LSTM(Units, goBackwards: true));
            Assert.Equal(ForwardGoesBackwards, bi.ExecutionPathReason);
            Assert.Equal(ForwardGoesBackwards, bi.GetExecutionPathReason(training: false));
        }

        [Fact]
        public void ADirectionOfABidirectionalEngineCalledOnItsOwnRunsStepByStepAsKeras()
        {
            var rng = new Random(701);
            var wf = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var wb = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var bi = new Bidirectional(new LSTM(Units, returnSequences: true));
            bi.Build(new int?[] { null, Steps, Features });
            bi.SetWeights(CellTests.KerasWeights(Kind.Lstm, wf).Concat(CellTests.KerasWeights(Kind.Lstm, wb)).ToArray());
            Assert.Null(bi.ExecutionPathReason);
            foreach (var direction in new[] { bi.ForwardLayer, bi.BackwardLayer })
            {
                Assert.Equal(2, ((FusedRNNCell)direction.Cell).View!.Engine.Directions);
                Assert.Equal(DirectionAlone, Rule(false, direction));
                Assert.Equal(DirectionAlone, Rule(true, direction));
                Assert.Equal(DirectionAlone, direction.ExecutionPathReason);
            }
            var forward = bi.ForwardLayer.Call(TestTensors.From(x)).Output;
            Assert.Equal(RnnExecutionPath.StepByStep, bi.ForwardLayer.LastCallPath);
            TestTensors.AssertClose(KerasReference.Run(Kind.Lstm, x, wf, Units).SequenceFlat, forward, Tolerance, "forward direction alone");
            var backward = bi.BackwardLayer.Call(TestTensors.From(x)).Output;
            Assert.Equal(RnnExecutionPath.StepByStep, bi.BackwardLayer.LastCallPath);
            TestTensors.AssertClose(KerasReference.Run(Kind.Lstm, x, wb, Units, goBackwards: true).SequenceFlat, backward, Tolerance, "backward direction alone");
            // The wrapper itself still runs fused.
            bi.Call(TestTensors.From(x));
            Assert.Equal(RnnExecutionPath.Fused, bi.LastCallPath);
        }

        [Fact]
        public void RecurrentDropoutIsTheReasonOnlyInTraining()
        {
            foreach (var layer in new RNN[] { new LSTM(Units, recurrentDropout: 0.25), new GRU(Units, recurrentDropout: 0.25), new SimpleRNN(Units, recurrentDropout: 0.25) })
            {
                Assert.Equal(RecurrentDropoutInTraining, Rule(true, layer));
                Assert.Null(Rule(false, layer));
                Assert.Equal(RecurrentDropoutInTraining, layer.ExecutionPathReason);
                Assert.Null(layer.GetExecutionPathReason(training: false));
            }
            Assert.Equal(RecurrentDropoutInTraining, Rule(true, new LSTM(Units), new LSTM(Units, recurrentDropout: 0.25, goBackwards: true)));
            var bi = new Bidirectional(new LSTM(Units, recurrentDropout: 0.25));
            Assert.Equal(RecurrentDropoutInTraining, bi.ExecutionPathReason);
            Assert.Null(bi.GetExecutionPathReason(training: false));
            // Input dropout is applied before the kernel: it does not bar it.
            Assert.Null(new LSTM(Units, dropout: 0.3).ExecutionPathReason);
        }

        // ---- The layers report the rule they follow ----

        public static IEnumerable<object[]> PathCases() => new[]
        {
            new object[] { "LSTM" }, new object[] { "GRU" }, new object[] { "GRU resetAfter false" }, new object[] { "SimpleRNN sigmoid" },
            new object[] { "LSTM recurrentDropout" }, new object[] { "stacked" }, new object[] { "LSTM UseFused false" },
        };

        private static RNN LayerNamed(string name, bool returnSequences = false) => name switch
        {
            "LSTM" => new LSTM(Units, returnSequences: returnSequences),
            "GRU" => new GRU(Units, returnSequences: returnSequences),
            "GRU resetAfter false" => new GRU(Units, resetAfter: false, returnSequences: returnSequences),
            "SimpleRNN sigmoid" => new SimpleRNN(Units, activation: "sigmoid", returnSequences: returnSequences),
            "LSTM recurrentDropout" => new LSTM(Units, recurrentDropout: 0.3, returnSequences: returnSequences),
            "stacked" => new RNN(new AbstractRNNCell[] { new LSTMCell(Units), new LSTMCell(Units) }, returnSequences: returnSequences),
            _ => new LSTM(Units, returnSequences: returnSequences) { UseFused = false },
        };

        [Theory]
        [MemberData(nameof(PathCases))]
        public void AnRnnReportsAndTakesThePathOfTheRule(string name)
        {
            var layer = LayerNamed(name);
            var x = randn(Batch, Steps, Features);
            Assert.Equal(layer.GetExecutionPathReason(training: true), layer.ExecutionPathReason);
            Assert.Equal(layer.ExecutionPathReason is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, layer.ExecutionPath);
            layer.Call(x, training: true);
            Assert.Equal(layer.ExecutionPath, layer.LastCallPath);
            layer.Call(x, training: false);
            Assert.Equal(layer.GetExecutionPathReason(training: false) is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, layer.LastCallPath);
        }

        [Theory]
        [MemberData(nameof(PathCases))]
        public void ABidirectionalReportsAndTakesThePathOfTheRule(string name)
        {
            var bi = new Bidirectional(LayerNamed(name));
            if (name == "LSTM UseFused false") bi.UseFused = false;
            var x = randn(Batch, Steps, Features);
            Assert.Equal(bi.GetExecutionPathReason(training: true), bi.ExecutionPathReason);
            Assert.Equal(bi.ExecutionPathReason is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, bi.ExecutionPath);
            bi.Call(x, training: true);
            Assert.Equal(bi.ExecutionPath, bi.LastCallPath);
            bi.Call(x, training: false);
            Assert.Equal(bi.GetExecutionPathReason(training: false) is null ? RnnExecutionPath.Fused : RnnExecutionPath.StepByStep, bi.LastCallPath);
        }

        [Theory]
        [InlineData(Kind.SimpleRnn)]
        [InlineData(Kind.Lstm)]
        [InlineData(Kind.Gru)]
        public void WithRecurrentDropoutTrainingRunsStepByStepAndInferenceRunsFusedAsKeras(Kind kind)
        {
            var rng = new Random(720 + (int)kind);
            var w = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var initial = Enumerable.Range(0, StateCount(kind)).Select(_ => TestTensors.Random2(rng, Batch, Units)).ToArray();
            // Right padded, left padded, one empty row.
            var mask = new[] { new[] { true, true, true, false, false }, new[] { false, false, true, true, true }, new bool[Steps] };
            RNN layer = kind switch
            {
                Kind.SimpleRnn => new SimpleRNN(Units, recurrentDropout: 0.4, returnSequences: true, returnState: true),
                Kind.Lstm => new LSTM(Units, recurrentDropout: 0.4, returnSequences: true, returnState: true),
                _ => new GRU(Units, recurrentDropout: 0.4, returnSequences: true, returnState: true),
            };
            RecurrentLayerTests.SetKerasWeights(layer, kind, w);
            var xt = TestTensors.From(x);
            var states = initial.Select(TestTensors.From).ToArray();

            layer.Call(xt, TestTensors.Mask(mask), states, training: true);
            Assert.Equal(RnnExecutionPath.StepByStep, layer.LastCallPath);

            var result = layer.Call(xt, TestTensors.Mask(mask), states, training: false);
            Assert.Equal(RnnExecutionPath.Fused, layer.LastCallPath);
            var expected = KerasReference.Run(kind, x, w, Units, mask, initial);
            TestTensors.AssertClose(expected.SequenceFlat, result.Output, Tolerance, $"{kind} inference sequence");
            for (int k = 0; k < StateCount(kind); k++)
                TestTensors.AssertClose(expected.StateFlat(k), result.States[k], Tolerance, $"{kind} inference state {k}");

            // Without a mask too.
            var unmasked = layer.Call(xt, training: false);
            Assert.Equal(RnnExecutionPath.Fused, layer.LastCallPath);
            TestTensors.AssertClose(KerasReference.Run(kind, x, w, Units).SequenceFlat, unmasked.Output, Tolerance, $"{kind} unmasked inference");
        }

        [Fact]
        public void ABidirectionalWithRecurrentDropoutRunsFusedAtInferenceAsTwoKerasPasses()
        {
            var rng = new Random(730);
            var wf = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var wb = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var bi = new Bidirectional(new LSTM(Units, recurrentDropout: 0.4, returnSequences: true));
            bi.Build(new int?[] { null, Steps, Features });
            bi.SetWeights(CellTests.KerasWeights(Kind.Lstm, wf).Concat(CellTests.KerasWeights(Kind.Lstm, wb)).ToArray());

            bi.Call(TestTensors.From(x), training: true);
            Assert.Equal(RnnExecutionPath.StepByStep, bi.LastCallPath);
            var output = bi.Call(TestTensors.From(x), training: false).Output;
            Assert.Equal(RnnExecutionPath.Fused, bi.LastCallPath);
            var f = KerasReference.Run(Kind.Lstm, x, wf, Units).Sequence;
            var b = KerasReference.Run(Kind.Lstm, x, wb, Units, goBackwards: true).Sequence;
            // concat of the forward sequence and the backward one reversed back to time order.
            var expected = f.Select((s, i) => s.Select((step, t) => step.Concat(b[i][Steps - 1 - t]))).SelectMany(s => s.SelectMany(v => v)).ToArray();
            TestTensors.AssertClose(expected, output, Tolerance, "bidirectional inference");
        }

        // ---- Who owns the engine ----

        private static string[] Names(Layer layer) => layer.named_parameters().Select(p => p.name).ToArray();

        [Theory]
        [InlineData(Kind.SimpleRnn)]
        [InlineData(Kind.Lstm)]
        [InlineData(Kind.Gru)]
        public void AnRnnOverAnUnbuiltCellRegistersTheEngineOnce(Kind kind)
        {
            var rnn = new RNN(PackedRunTests.Cell(kind));
            rnn.Build(new int?[] { null, Steps, Features });
            var names = Names(rnn);
            Assert.Equal(1, names.Count(n => n == "engine.weight_ih_l0"));
            Assert.Equal(new[] { "engine.bias_hh_l0", "engine.bias_ih_l0", "engine.weight_hh_l0", "engine.weight_ih_l0" }, names.OrderBy(n => n, StringComparer.Ordinal));
            Assert.Empty(Names(rnn.Cell));
        }

        [Fact]
        public void ABidirectionalOwnsOneEngineForBothDirections()
        {
            var bi = new Bidirectional(new LSTM(Units));
            bi.Build(new int?[] { null, Steps, Features });
            var names = Names(bi);
            Assert.Equal(1, names.Count(n => n == "engine.weight_ih_l0"));
            Assert.Equal(1, names.Count(n => n == "engine.weight_ih_l0_reverse"));
            Assert.All(names, n => Assert.StartsWith("engine.", n));
            Assert.Equal(8, names.Length);
            Assert.Empty(Names(bi.ForwardLayer));
            Assert.Empty(Names(bi.BackwardLayer));
        }

        [Fact]
        public void ACellUsedAloneRegistersItsOwnEngineAndStepsAsKeras()
        {
            var rng = new Random(740);
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, Features, Units);
            var x = TestTensors.Random2(rng, Batch, Features);
            var h0 = TestTensors.Random2(rng, Batch, Units);
            var c0 = TestTensors.Random2(rng, Batch, Units);
            var cell = new LSTMCell(Units);
            cell.Build(new int?[] { null, Features });
            cell.SetWeights(CellTests.KerasWeights(Kind.Lstm, w));
            Assert.Equal(1, Names(cell).Count(n => n == "engine.weight_ih_l0"));
            var (output, h, c) = cell.Call(TestTensors.From(x), initialState: new[] { TestTensors.From(h0), TestTensors.From(c0) });
            var expected = KerasReference.Run(Kind.Lstm, x.Select(row => new[] { row }).ToArray(), w, Units, initial: new[] { h0, c0 });
            TestTensors.AssertClose(expected.SequenceFlat, output, Tolerance, "cell output");
            TestTensors.AssertClose(expected.StateFlat(0), h, Tolerance, "cell h");
            TestTensors.AssertClose(expected.StateFlat(1), c, Tolerance, "cell c");
        }

        [Fact]
        public void ACellCalledBeforeBeingBuiltRegistersItsOwnEngine()
        {
            var cell = new GRUCell(Units);
            cell.Call(randn(Batch, Features));
            Assert.Equal(new[] { "engine.bias_hh_l0", "engine.bias_ih_l0", "engine.weight_hh_l0", "engine.weight_ih_l0" }, Names(cell).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData(Kind.SimpleRnn)]
        [InlineData(Kind.Lstm)]
        [InlineData(Kind.Gru)]
        public void AnRnnOverABuiltCellRegistersTheCellAndStillRunsFused(Kind kind)
        {
            var rng = new Random(750 + (int)kind);
            var w = RecurrentLayerTests.MakeWeights(kind, rng, Features, Units);
            var x = TestTensors.Random3(rng, Batch, Steps, Features);
            var mask = new[] { new[] { true, true, true, true, true }, new[] { true, true, false, false, false }, new[] { false, true, true, true, true } };
            var cell = PackedRunTests.Cell(kind);
            cell.Build(new int?[] { null, Features });
            var rnn = new RNN(cell, returnSequences: true, returnState: true);
            RecurrentLayerTests.SetKerasWeights(rnn, kind, w);
            var names = Names(rnn);
            Assert.Equal(1, names.Count(n => n == "cell.engine.weight_ih_l0"));
            Assert.DoesNotContain(names, n => n.StartsWith("engine.", StringComparison.Ordinal));
            Assert.Equal(RnnExecutionPath.Fused, rnn.ExecutionPath);
            // The cell holds its engine's second bias (GRU's, with resetAfter, is a weight); the RNN's Trainable keeps it so.
            rnn.Trainable = false;
            rnn.Trainable = true;
            Assert.Equal(kind == Kind.Gru, Parameter(rnn, "cell.engine.bias_hh_l0").requires_grad);
            Assert.True(Parameter(rnn, "cell.engine.weight_ih_l0").requires_grad);
            var result = rnn.Call(TestTensors.From(x), TestTensors.Mask(mask));
            Assert.Equal(RnnExecutionPath.Fused, rnn.LastCallPath);
            var expected = KerasReference.Run(kind, x, w, Units, mask);
            TestTensors.AssertClose(expected.SequenceFlat, result.Output, Tolerance, $"{kind} sequence");
            for (int k = 0; k < StateCount(kind); k++)
                TestTensors.AssertClose(expected.StateFlat(k), result.States[k], Tolerance, $"{kind} state {k}");
        }

        /// <summary>
        /// A cell shared by two RNNs, as Keras allows (<c>cell = LSTMCell(4); a = RNN(cell); b = RNN(cell)</c>): both layers
        /// hold the cell's weights (one engine, registered by each) and training through either trains them.
        /// </summary>
        [Fact]
        public void ACellSharedByTwoRnnsIsTrainedThroughTheFirst()
        {
            Backend.SetRandomSeed(745);
            var cell = new LSTMCell(Units);
            var first = new RNN(cell, inputShape: new int?[] { Steps, Features });
            var second = new RNN(cell);
            var model = new Sequential(new Layer[] { first, new Dense(1) });
            model.Build(new int?[] { null, Steps, Features });
            Assert.Equal(4 * (Units * (Features + Units) + Units), first.CountParams());
            var kernelBefore = first.GetWeights()[0];
            model.Compile("sgd", "mse");
            model.Fit(randn(8, Steps, Features), randn(8, 1), batchSize: 4, epochs: 2, verbose: 0);
            Assert.False(kernelBefore.allclose(first.GetWeights()[0]), "the shared cell's kernel did not train through the first RNN");
            Assert.Equal(4, first.parameters().Count());
            Assert.Equal(4, second.parameters().Count());
        }

        /// <summary>An RNN made over a cell that another RNN has already built also holds and trains the cell's weights.</summary>
        [Fact]
        public void AnRnnOverACellAnotherRnnBuiltHoldsAndTrainsItsWeights()
        {
            Backend.SetRandomSeed(747);
            var cell = new SimpleRNNCell(3);
            var first = new RNN(cell);
            first.Build(new int?[] { null, 4, 2 });
            var second = new RNN(cell);
            Assert.Equal(3, second.parameters().Count(p => p.requires_grad));
            var model = new Sequential(new Layer[] { second, new Dense(1) });
            model.Build(new int?[] { null, 4, 2 });
            var kernelBefore = cell.GetWeights()[0];
            model.Compile("sgd", "mse");
            model.Fit(randn(8, 4, 2), randn(8, 1), batchSize: 4, verbose: 0);
            Assert.False(kernelBefore.allclose(cell.GetWeights()[0]), "the cell's kernel did not train through the second RNN");
            Assert.Equal(RnnExecutionPath.Fused, second.LastCallPath);
        }

        // ---- The held recurrent bias ----

        public static IEnumerable<object[]> RecurrentBiases() => new[]
        {
            new object[] { "LSTM", true }, new object[] { "SimpleRNN", true }, new object[] { "GRU resetAfter false", true }, new object[] { "GRU", false },
        };

        private static RNN Recurrent(string name) => name switch
        {
            "LSTM" => new LSTM(Units, inputShape: new int?[] { Steps, Features }),
            "SimpleRNN" => new SimpleRNN(Units, inputShape: new int?[] { Steps, Features }),
            "GRU resetAfter false" => new GRU(Units, resetAfter: false, inputShape: new int?[] { Steps, Features }),
            _ => new GRU(Units, inputShape: new int?[] { Steps, Features }),
        };

        private static Tensor Parameter(Layer layer, string name) => layer.named_parameters().Single(p => p.name == name).parameter;

        [Theory]
        [MemberData(nameof(RecurrentBiases))]
        public void TheKernelsSecondBiasIsHeldAtZeroWhereKerasHasOneBias(string name, bool held)
        {
            Backend.SetRandomSeed(760);
            var layer = Recurrent(name);
            var model = new Sequential(new Layer[] { layer, new Dense(1) });
            model.Build(new int?[] { null, Steps, Features });
            var bias = Parameter(layer, "engine.bias_hh_l0");
            Assert.Equal(!held, bias.requires_grad);
            if (held) Assert.Equal(0f, bias.abs().max().item<float>());
            // Freezing and unfreezing the layer does not release a held parameter.
            layer.Trainable = false;
            Assert.False(bias.requires_grad);
            layer.Trainable = true;
            Assert.Equal(!held, bias.requires_grad);

            var biasBefore = bias.detach().clone();
            var kernelBefore = Parameter(layer, "engine.weight_ih_l0").detach().clone();
            model.Compile("sgd", "mse");
            var x = randn(8, Steps, Features);
            var y = randn(8, 1);
            model.Fit(x, y, batchSize: 4, epochs: 2, verbose: 0);
            // The step trained the kernel (else the test would prove nothing) ...
            Assert.False(kernelBefore.allclose(Parameter(layer, "engine.weight_ih_l0")), $"{name}: the kernel did not train");
            // ... and left a held bias at zero, while GRU's separate recurrent bias (resetAfter) trained.
            if (held) Assert.Equal(0f, Parameter(layer, "engine.bias_hh_l0").abs().max().item<float>());
            else Assert.False(biasBefore.allclose(Parameter(layer, "engine.bias_hh_l0")), $"{name}: the recurrent bias did not train");
        }

        [Fact]
        public void ABidirectionalHoldsBothDirectionsSecondBias()
        {
            var bi = new Bidirectional(new LSTM(Units));
            bi.Build(new int?[] { null, Steps, Features });
            foreach (var name in new[] { "engine.bias_hh_l0", "engine.bias_hh_l0_reverse" })
            {
                var bias = Parameter(bi, name);
                Assert.False(bias.requires_grad, name);
                Assert.Equal(0f, bias.abs().max().item<float>());
            }
            Assert.True(Parameter(bi, "engine.bias_ih_l0_reverse").requires_grad);
        }

        // ---- Keras's parameter counts ----

        [Theory]
        [InlineData("SimpleRNN", true)]
        [InlineData("SimpleRNN", false)]
        [InlineData("LSTM", true)]
        [InlineData("LSTM", false)]
        [InlineData("GRU", true)]
        [InlineData("GRU", false)]
        [InlineData("GRU resetAfter false", true)]
        [InlineData("GRU resetAfter false", false)]
        public void CountsAreKerasFormulas(string name, bool useBias)
        {
            const int f = Features, u = Units;
            // Keras: SimpleRNN u(f + u) + u; LSTM 4(u(f + u) + u); GRU 3(u(f + u) + 2u) with reset_after, 3(u(f + u) + u) without.
            long expected = name switch
            {
                "SimpleRNN" => u * (f + u) + (useBias ? u : 0),
                "LSTM" => 4 * (u * (f + u) + (useBias ? u : 0)),
                "GRU" => 3 * (u * (f + u) + (useBias ? 2 * u : 0)),
                _ => 3 * (u * (f + u) + (useBias ? u : 0)),
            };
            RNN Make() => name switch
            {
                "SimpleRNN" => new SimpleRNN(u, useBias: useBias),
                "LSTM" => new LSTM(u, useBias: useBias),
                "GRU" => new GRU(u, useBias: useBias),
                _ => new GRU(u, useBias: useBias, resetAfter: false),
            };
            var layer = Make();
            layer.Build(new int?[] { null, Steps, f });
            Assert.Equal(expected, layer.CountParams());
            Assert.Equal(expected, layer.CountTrainableParams());
            var bi = new Bidirectional(Make());
            bi.Build(new int?[] { null, Steps, f });
            Assert.Equal(2 * expected, bi.CountParams());
            Assert.Equal(2 * expected, bi.CountTrainableParams());
            var cell = name switch
            {
                "SimpleRNN" => (FusedRNNCell)new SimpleRNNCell(u, useBias: useBias),
                "LSTM" => new LSTMCell(u, useBias: useBias),
                "GRU" => new GRUCell(u, useBias: useBias),
                _ => new GRUCell(u, useBias: useBias, resetAfter: false),
            };
            cell.Build(new int?[] { null, f });
            Assert.Equal(expected, cell.CountParams());
        }
    
        /// <summary>
        /// Inference (no gradients) on the fused LSTM against the independent reference, over hidden sizes where libtorch's
        /// oneDNN forward_inference kernel was seen to return wrong numbers on an AVX-512 CPU (1 to 100 units).
        /// </summary>
        [Theory]
        [InlineData(1, 1)]
        [InlineData(4, 5)]
        [InlineData(16, 8)]
        [InlineData(50, 16)]
        [InlineData(4, 33)]
        [InlineData(16, 100)]
        public void LstmInferenceWithoutGradientsMatchesReference(int features, int units)
        {
            var rng = new Random(features * 1000 + units);
            var w = RecurrentLayerTests.MakeWeights(Kind.Lstm, rng, features, units);
            var x = TestTensors.Random3(rng, 4, 5, features);
            var expected = KerasReference.Run(Kind.Lstm, x, w, units);
            var layer = new LSTM(units, returnSequences: true, returnState: true);
            RecurrentLayerTests.SetKerasWeights(layer, Kind.Lstm, w);
            using (no_grad())
            {
                var result = layer.Call(TestTensors.From(x));
                Assert.Equal(RnnExecutionPath.Fused, layer.LastCallPath);
                TestTensors.AssertClose(expected.SequenceFlat, result.Output, 1e-5, $"{features}->{units} sequence");
                TestTensors.AssertClose(expected.StateFlat(1), result.States[1], 1e-5, $"{features}->{units} carry");
                Assert.False(result.Output.requires_grad);
            }
        }
}
}
