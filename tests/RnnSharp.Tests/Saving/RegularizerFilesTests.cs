using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using RnnSharp.Constraints;
using RnnSharp.Layers;
using RnnSharp.Regularizers;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>Regularizers and constraints in model files, as Keras 2 and Keras 3 write them: read back into the
    /// layers (and so into training), written again in the same form, and never dropped: one RnnSharp does not know
    /// fails the load, naming it.</summary>
    [Collection("Names")]
    public class RegularizerFilesTests
    {
        // Keras 3's serialize_keras_object of L2(0.01): L2 keeps its factor as a Python float.
        private const string Keras3L2 = "{\"module\": \"keras.regularizers\", \"class_name\": \"L2\", \"config\": {\"l2\": 0.01}, \"registered_name\": null}";

        // Keras 2.0's l2(0.01) is an L1L2 whose factors went through float32 (K.cast_to_floatx).
        private const string Keras20L2 = "{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 0.009999999776482582}}";

        private static double SumOfSquares(double[][] m) => m.Sum(r => r.Sum(v => v * v));

        // Every value under `key` anywhere in a JSON document, each as canonical (indented) JSON text.
        private static string[] ValuesOf(string json, string key)
        {
            var found = new System.Collections.Generic.List<string>();
            void Walk(object? node)
            {
                switch (node)
                {
                    case System.Collections.Generic.IReadOnlyDictionary<string, object?> map:
                        foreach (var (k, v) in map)
                        {
                            if (k == key) found.Add(v is null ? "null" : RnnSharp.Saving.ConfigJson.Serialize(v));
                            Walk(v);
                        }
                        break;
                    case System.Collections.IEnumerable items when node is not string:
                        foreach (var item in items) Walk(item);
                        break;
                }
            }
            Walk(RnnSharp.Saving.ConfigJson.Parse(json));
            return found.ToArray();
        }

        private static string Canonical(string json) => RnnSharp.Saving.ConfigJson.Serialize(RnnSharp.Saving.ConfigJson.Parse(json)!);

        [Fact]
        public void AKeras3FileWithL2OnItsKernelsTrainsWithThePenaltyAndWritesItBack()
        {
            // The layout of a real Keras 3 .keras config with kernel_regularizer=L2(0.01) on its recurrent layers: the
            // Keras 3 fixture with each "kernel_regularizer": null (both LSTM halves, the GRU, the Dense) set to L2(0.01).
            using var dir = new TempDir();
            var w = new KerasHdf5Tests.ModelWeights(13);
            w.WriteKeras3(dir.File("model.weights.h5"));
            string config = File.ReadAllText(KerasZipFormatTests.Fixture("sequential_bidirectional_keras3.json"));
            Assert.Equal(4, config.Split("\"kernel_regularizer\": null").Length - 1);
            string path = dir.File("l2.keras");
            KerasZipFormatTests.WriteKerasArchive(path, config.Replace("\"kernel_regularizer\": null", "\"kernel_regularizer\": " + Keras3L2), dir.File("model.weights.h5"));

            using var model = Model.Load(path);
            var bidirectional = (Bidirectional)model.Layers[1];
            var gru = (GRU)model.Layers[2];
            var dense = (Dense)model.Layers[4];
            foreach (var regularizer in new[] { ((LSTMCell)bidirectional.ForwardLayer.Cell).KernelRegularizer, ((LSTMCell)bidirectional.BackwardLayer.Cell).KernelRegularizer, gru.Cell.KernelRegularizer, dense.KernelRegularizer })
                Assert.Equal(0.01, Assert.IsType<L2>(regularizer).Factor);
            Assert.Null(gru.Cell.RecurrentRegularizer);

            // The model's losses are 0.01 Σ kernel² of the four kernels, from the file's weights in doubles.
            double expected = 0.01 * (SumOfSquares(w.Forward.Kernel) + SumOfSquares(w.Backward.Kernel) + SumOfSquares(w.Gru.Kernel) + SumOfSquares(w.DenseKernel));
            Assert.Equal(4, model.Losses.Count);
            Assert.Equal(expected, model.Losses.Sum(l => (double)l.item<float>()), 1e-5);

            // Saved again, the config holds Keras 3's L2 object where the file had it.
            string again = dir.File("again.keras");
            model.Save(again);
            using var zip = ZipFile.OpenRead(again);
            using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
            string written = reader.ReadToEnd();
            Assert.Equal(4, ValuesOf(written, "kernel_regularizer").Count(v => v == Canonical(Keras3L2)));
        }

        [Fact]
        public void AKeras20ConfigWithL1L2IsReadAndWrittenAsKeras2WroteIt()
        {
            string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Saving", "Fixtures", "Sequential", "bidirectional_lstm_keras208.json"))
                .Replace("\"kernel_regularizer\": null", "\"kernel_regularizer\": " + Keras20L2);
            using var model = Model.FromJson(json);
            var forward = (LSTMCell)((Bidirectional)model.GetLayer("bidirectional_1")).ForwardLayer.Cell;
            var l1l2 = Assert.IsType<L1L2>(forward.KernelRegularizer);
            Assert.Equal((0.0, 0.009999999776482582), (l1l2.L1, l1l2.L2));
            Assert.Equal(2, ValuesOf(model.ToJson(), "kernel_regularizer").Count(v => v == Canonical(Keras20L2)));
        }

        [Fact]
        public void AnActivityRegularizerOnALayerWhoseConstructorHasNoneIsKept()
        {
            // Keras 3's base config writes activity_regularizer for any layer that has one.
            using var dir = new TempDir();
            var w = new KerasHdf5Tests.ModelWeights(14);
            w.WriteKeras3(dir.File("model.weights.h5"));
            string config = File.ReadAllText(KerasZipFormatTests.Fixture("sequential_bidirectional_keras3.json"))
                .Replace("\"name\": \"dropout\",", "\"name\": \"dropout\", \"activity_regularizer\": " + Keras3L2 + ",");
            string path = dir.File("activity.keras");
            KerasZipFormatTests.WriteKerasArchive(path, config, dir.File("model.weights.h5"));
            using var model = Model.Load(path);
            Assert.Equal(0.01, Assert.IsType<L2>(model.Layers[3].ActivityRegularizer).Factor);
            Assert.Contains(Canonical("{\"class_name\": \"L2\", \"config\": {\"l2\": 0.009999999776482582}}"), ValuesOf(model.ToJson(), "activity_regularizer"));
        }

        [Fact]
        public void UnknownRegularizersAndConstraintsFailTheLoadNamingThem()
        {
            using var dir = new TempDir();
            var w = new KerasHdf5Tests.ModelWeights(15);
            w.WriteKeras3(dir.File("model.weights.h5"));
            string config = File.ReadAllText(KerasZipFormatTests.Fixture("sequential_bidirectional_keras3.json"));

            string custom = dir.File("custom.keras");
            KerasZipFormatTests.WriteKerasArchive(custom, config.Replace("\"recurrent_regularizer\": null",
                "\"recurrent_regularizer\": {\"module\": null, \"class_name\": \"SparsityRegularizer\", \"config\": {\"rate\": 0.1}, \"registered_name\": \"Custom>SparsityRegularizer\"}"),
                dir.File("model.weights.h5"));
            var e = Assert.ThrowsAny<ArgumentException>(() => Model.Load(custom));
            Assert.Contains("SparsityRegularizer", e.Message);
            Assert.Contains("recurrent_regularizer", e.Message);

            string radial = dir.File("radial.keras");
            KerasZipFormatTests.WriteKerasArchive(radial, config.Replace("\"bias_constraint\": null",
                "\"bias_constraint\": {\"module\": \"keras.constraints\", \"class_name\": \"RadialConstraint\", \"config\": {}, \"registered_name\": null}"),
                dir.File("model.weights.h5"));
            Assert.Contains("RadialConstraint", Assert.ThrowsAny<ArgumentException>(() => Model.Load(radial)).Message);

            // A regularizer on a layer that takes none (a Dropout has no kernel) is refused rather than dropped.
            string misplaced = dir.File("misplaced.keras");
            KerasZipFormatTests.WriteKerasArchive(misplaced, config.Replace("\"name\": \"dropout\",", "\"name\": \"dropout\", \"kernel_regularizer\": " + Keras3L2 + ","),
                dir.File("model.weights.h5"));
            e = Assert.ThrowsAny<ArgumentException>(() => Model.Load(misplaced));
            Assert.Contains("\"kernel_regularizer\"", e.Message);
            Assert.Contains("Dropout takes no kernel_regularizer", e.Message);
        }

        [Fact]
        public void EveryLayerWithRegularizersAndConstraintsRoundTripsThroughEveryFormat()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(16);
            var model = new Sequential(new Layer[]
            {
                new Embedding(20, 6, embeddingsRegularizer: new L1(0.001), activityRegularizer: new L2(0.002), embeddingsConstraint: new MaxNorm(3), inputShape: new int?[] { 5 }),
                new Conv1D(4, 2, padding: "same", kernelRegularizer: new L1L2(0.01, 0.02), biasRegularizer: "l2", activityRegularizer: "l1",
                    kernelConstraint: new MaxNorm(2.5, new[] { 0, 1 }), biasConstraint: "non_neg"),
                new LSTM(3, returnSequences: true, kernelRegularizer: new OrthogonalRegularizer(0.1, "columns"), recurrentRegularizer: new L2(0.03),
                    biasRegularizer: new L1(0.04), activityRegularizer: new L2(0.05), kernelConstraint: new UnitNorm(1), recurrentConstraint: new MinMaxNorm(0.1, 0.9, 0.5),
                    biasConstraint: new NonNeg()),
                new Bidirectional(new GRU(2, returnSequences: true, kernelRegularizer: "l2", recurrentConstraint: "max_norm")),
                new TimeDistributed(new Dense(3, kernelRegularizer: new L2(0.06), biasConstraint: new MaxNorm(1.5, axis: 0))),
                new LayerNormalization(betaRegularizer: new L1(0.07), gammaConstraint: new NonNeg()),
                new BatchNormalization(gammaRegularizer: new L2(0.08), betaConstraint: new MinMaxNorm()),
                new SimpleRNN(2, kernelRegularizer: new L1(0.09), activityRegularizer: new L1L2(l2: 0.1)),
                new Dense(1, activityRegularizer: new L1(0.11)),
            });
            var x = tensor(new long[] { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0 }, new long[] { 3, 5 });
            model.Compile("adam", "mse");
            model.Fit(x, ones(3, 1), epochs: 1, verbose: 0);
            NewLayerFilesTests.AssertRoundTrips(model, x);
            // The loaded model trains with the same penalties.
            using var dir = new TempDir();
            model.Save(dir.File("m.keras"));
            using var loaded = Model.Load(dir.File("m.keras"));
            model.Call(x);
            loaded.Call(x);
            Assert.Equal(model.Losses.Count, loaded.Losses.Count);
            Assert.Equal(model.Losses.Sum(l => (double)l.item<float>()), loaded.Losses.Sum(l => (double)l.item<float>()), 1e-5);
        }

        [Fact]
        public void MultiHeadAttentionsRegularizersRoundTripAndPenalizeTheFourProjections()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(17);
            var query = Keras.Input(new int?[] { 4, 3 });
            var value = Keras.Input(new int?[] { 5, 3 });
            var mha = new MultiHeadAttention(2, 2, kernelRegularizer: new L2(0.1), biasRegularizer: new L1(0.2), activityRegularizer: new L2(0.3),
                kernelConstraint: new MaxNorm(1.0), biasConstraint: new NonNeg());
            var model = new Model(new[] { query, value }, mha.Call(new[] { query, value }).Output);
            var q = rand(2, 4, 3);
            var v = rand(2, 5, 3);
            NewLayerFilesTests.AssertRoundTrips(model, q, v);
            model.Call(new[] { q, v });
            // Eight weight penalties (four kernels, four biases) and four activity penalties (query, key, value, output).
            Assert.Equal(12, model.Losses.Count);
        }
    }
}
