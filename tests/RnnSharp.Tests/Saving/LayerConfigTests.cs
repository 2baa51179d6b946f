using System;
using System.Collections.Generic;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// Each layer's FromConfig is Keras's <c>cls(**config)</c> (LayerConfig.Instantiate): arguments by their Keras names,
    /// the constructor's defaults where a key is missing, an explicit null where the argument takes one, clear errors.
    /// </summary>
    public class LayerConfigTests
    {
        private static LayerConfig Config(string className, params (string Key, object? Value)[] entries)
        {
            var values = new Dictionary<string, object?>();
            foreach (var (key, value) in entries) values[key] = value;
            return new LayerConfig(className, values);
        }

        [Fact]
        public void MissingKeysTakeTheConstructorsDefaults()
        {
            var lstm = LSTM.FromConfig(Config("LSTM", ("units", 3L)));
            // Keras's defaults, written only in LSTM's constructor.
            Assert.Equal(3, lstm.Units);
            Assert.False(lstm.ReturnSequences);
            Assert.False(lstm.GoBackwards);
            Assert.True(lstm.UnitForgetBias);
            Assert.True(lstm.UseBias);
            Assert.Equal("tanh", lstm.Activation.Name);
            Assert.Equal("sigmoid", lstm.RecurrentActivation.Name);
            Assert.Equal("glorot_uniform", lstm.KernelInitializer.Name);
            Assert.Equal("orthogonal", lstm.RecurrentInitializer.Name);
            Assert.Equal(0.0, lstm.Dropout);

            var gru = GRU.FromConfig(Config("GRU", ("units", 2L)));
            Assert.True(gru.ResetAfter);
            var embedding = Embedding.FromConfig(Config("Embedding", ("input_dim", 10L), ("output_dim", 4L)));
            Assert.False(embedding.MaskZero);
            Assert.Null(embedding.InputLength);
            Assert.Equal(0.0, Masking.FromConfig(Config("Masking")).MaskValue);
        }

        [Fact]
        public void KerasNamesBindToTheirArguments()
        {
            var lstm = LSTM.FromConfig(Config("LSTM",
                ("units", 4L), ("return_sequences", true), ("go_backwards", true), ("unit_forget_bias", false), ("recurrent_dropout", 0.25),
                ("activation", "relu"), ("kernel_initializer", new Dictionary<string, object?> { ["class_name"] = "Zeros", ["config"] = new Dictionary<string, object?>() }),
                ("batch_input_shape", new List<object?> { null, 7L, 3L }), ("name", "encoder"), ("trainable", false),
                // Keras's keys RnnSharp does not take are ignored, as they hold only their defaults here.
                ("kernel_regularizer", null), ("implementation", 2L), ("time_major", false), ("dtype", "float32")));
            Assert.True(lstm.ReturnSequences);
            Assert.True(lstm.GoBackwards);
            Assert.False(lstm.UnitForgetBias);
            Assert.Equal(0.25, lstm.RecurrentDropout);
            Assert.Equal("relu", lstm.Activation.Name);
            Assert.Equal("zeros", lstm.KernelInitializer.Name);
            Assert.Equal(new int?[] { null, 7, 3 }, lstm.BatchInputShape);
            Assert.Equal("encoder", lstm.Name);
            Assert.False(lstm.Trainable);

            // A number written as a float (JSON from another writer) still binds to an int argument.
            Assert.Equal(5, Dense.FromConfig(Config("Dense", ("units", 5.0))).Units);
            // Dropout takes Keras's batch_input_shape like every layer, batch size included.
            Assert.Equal(new int?[] { 32, 10 }, Dropout.FromConfig(Config("Dropout", ("rate", 0.5), ("batch_input_shape", new List<object?> { 32L, 10L }))).BatchInputShape);
        }

        [Fact]
        public void AnExplicitNullReachesAnArgumentThatTakesNull()
        {
            var lstm = new Dictionary<string, object?> { ["class_name"] = "LSTM", ["config"] = new Dictionary<string, object?> { ["units"] = 3L } };
            // merge_mode None: both outputs (Keras); a missing merge_mode is the default "concat".
            Assert.Null(Bidirectional.FromConfig(Config("Bidirectional", ("layer", lstm), ("merge_mode", null))).MergeMode);
            Assert.Equal("concat", Bidirectional.FromConfig(Config("Bidirectional", ("layer", lstm))).MergeMode);
            // A null where the argument cannot take one is the default (Keras 2 writes "input_length": null).
            Assert.Null(Embedding.FromConfig(Config("Embedding", ("input_dim", 10L), ("output_dim", 4L), ("input_length", null))).InputLength);
            Assert.True(LSTM.FromConfig(Config("LSTM", ("units", 3L), ("use_bias", null))).UseBias);
        }

        [Fact]
        public void NestedLayersAndCellListsAreRebuiltThroughTheRegistry()
        {
            var cell = new Dictionary<string, object?> { ["class_name"] = "GRUCell", ["config"] = new Dictionary<string, object?> { ["units"] = 2L, ["reset_after"] = false } };
            var rnn = RNN.FromConfig(Config("RNN", ("cell", cell), ("return_state", true)));
            Assert.False(Assert.IsType<GRUCell>(rnn.Cell).ResetAfter);
            Assert.True(rnn.ReturnState);
            var stacked = StackedRNNCells.FromConfig(Config("StackedRNNCells", ("cells", new List<object?> { cell, cell })));
            Assert.Equal(2, stacked.Cells.Count);
            var td = TimeDistributed.FromConfig(Config("TimeDistributed",
                ("layer", new Dictionary<string, object?> { ["class_name"] = "Dense", ["config"] = new Dictionary<string, object?> { ["units"] = 6L } })));
            Assert.Equal(6, Assert.IsType<Dense>(td.Layer).Units);
        }

        [Fact]
        public void MissingOrMistypedValuesRaiseErrorsNamingTheLayerAndKey()
        {
            var missing = Assert.Throws<ArgumentException>(() => LSTM.FromConfig(Config("LSTM", ("name", "encoder"))));
            Assert.Equal("Layer config of LSTM \"encoder\" has no \"units\".", missing.Message);
            var mistyped = Assert.Throws<ArgumentException>(() => Dense.FromConfig(Config("Dense", ("units", "many"))));
            Assert.Equal("Layer config of Dense: \"units\" should be an integer, found many (String).", mistyped.Message);
            var dense = new Dictionary<string, object?> { ["class_name"] = "Dense", ["config"] = new Dictionary<string, object?> { ["units"] = 2L } };
            var notRecurrent = Assert.Throws<ArgumentException>(() => Bidirectional.FromConfig(Config("Bidirectional", ("layer", dense))));
            Assert.Equal("Layer config of Bidirectional: \"layer\" should be a RNN, found a Dense.", notRecurrent.Message);
            var notCells = Assert.Throws<ArgumentException>(() => StackedRNNCells.FromConfig(Config("StackedRNNCells", ("cells", new List<object?> { dense }))));
            Assert.Contains("\"cells\" should hold AbstractRNNCells, found a Dense", notCells.Message);
            // The constructor's own check, not reflection's wrapper.
            var negative = Assert.Throws<ArgumentException>(() => Dense.FromConfig(Config("Dense", ("units", -1L))));
            Assert.StartsWith("Received an invalid value for `units`", negative.Message);
            Assert.Throws<ArgumentNullException>(() => Dense.FromConfig(null!));
        }

        [Fact]
        public void TheRegistryMapsKerasClassNamesAndTheCudnnAliases()
        {
            Assert.IsType<LSTM>(LayerRegistry.Deserialize("LSTM", new Dictionary<string, object?> { ["units"] = 3L }));
            // tf.keras's cuDNN layers: LSTM and GRU (resetAfter) arguments; their weights convert on load.
            var cudnnLstm = Assert.IsType<LSTM>(LayerRegistry.Deserialize("CuDNNLSTM", new Dictionary<string, object?> { ["units"] = 3L, ["return_sequences"] = true }));
            Assert.True(cudnnLstm.ReturnSequences);
            Assert.True(Assert.IsType<GRU>(LayerRegistry.Deserialize("CuDNNGRU", new Dictionary<string, object?> { ["units"] = 3L })).ResetAfter);
            var unknown = Assert.Throws<ArgumentException>(() => LayerRegistry.Deserialize("Conv2D", new Dictionary<string, object?>()));
            Assert.StartsWith("Unknown layer: Conv2D.", unknown.Message);
        }
    }
}
