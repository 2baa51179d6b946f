using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Saving
{
    /// <summary>
    /// Keras 3's serialization of every layer RnnSharp has: Keras 3 builds a layer with <c>cls(**config)</c> and refuses
    /// a key its constructor does not take, so each layer config in a saved <c>.keras</c> file may hold only the
    /// arguments Keras 3 accepts (listed below from Keras 3.16's source); and the model comes back whole.
    /// </summary>
    [Collection("Names")]
    public class Keras3SerializationTests
    {
        // The keyword arguments each Keras 3 layer class accepts: its __init__ parameters, those of the classes it
        // passes **kwargs to, the kwargs it pops, and keras.layers.Layer's (name, trainable, dtype, autocast,
        // activity_regularizer, input_dim, input_shape, batch_size, batch_input_shape). Read from keras/src/layers with
        // Python's ast module.
        private static readonly Dictionary<string, string> Keras3Arguments = new()
        {
            ["Activation"] = "activation activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["Add"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["AdditiveAttention"] = "activity_regularizer autocast batch_input_shape batch_size dropout dtype input_dim input_shape name score_mode seed trainable use_scale",
            ["Attention"] = "activity_regularizer autocast batch_input_shape batch_size dropout dtype input_dim input_shape name score_mode seed trainable use_scale",
            ["Average"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["AveragePooling1D"] = "activity_regularizer autocast batch_input_shape batch_size data_format dtype input_dim input_shape name padding pool_dimensions pool_mode pool_size strides trainable",
            ["BatchNormalization"] = "activity_regularizer autocast axis batch_input_shape batch_size beta_constraint beta_initializer beta_regularizer center dtype epsilon gamma_constraint gamma_initializer gamma_regularizer input_dim input_shape momentum moving_mean_initializer moving_variance_initializer name renorm renorm_clipping renorm_momentum scale synchronized trainable",
            ["Bidirectional"] = "activity_regularizer autocast backward_layer batch_input_shape batch_size dtype input_dim input_shape layer merge_mode name trainable weights",
            ["Concatenate"] = "activity_regularizer autocast axis batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["Conv1D"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer data_format dilation_rate dtype filters groups input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer kernel_size lora_alpha lora_rank name padding rank strides trainable use_bias",
            ["Dense"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer dtype input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer lora_alpha lora_rank name quantization_config trainable units use_bias",
            ["Dot"] = "activity_regularizer autocast axes batch_input_shape batch_size dtype input_dim input_shape name normalize trainable",
            ["Dropout"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name noise_shape rate seed trainable",
            ["Embedding"] = "activity_regularizer autocast batch_input_shape batch_size dtype embeddings_constraint embeddings_initializer embeddings_regularizer input_dim input_length input_shape lora_alpha lora_rank mask_zero name output_dim quantization_config trainable weights",
            ["Flatten"] = "activity_regularizer autocast batch_input_shape batch_size data_format dtype input_dim input_shape name trainable",
            ["GRU"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer cell dropout dtype go_backwards implementation input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_activation recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer reset_after return_sequences return_state seed stateful trainable units unroll use_bias use_cudnn zero_output_for_mask",
            ["GaussianNoise"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name seed stddev trainable",
            ["GlobalAveragePooling1D"] = "activity_regularizer autocast batch_input_shape batch_size data_format dtype input_dim input_shape keepdims name pool_dimensions trainable",
            ["GlobalMaxPooling1D"] = "activity_regularizer autocast batch_input_shape batch_size data_format dtype input_dim input_shape keepdims name pool_dimensions trainable",
            ["InputLayer"] = "activity_regularizer autocast batch_input_shape batch_shape batch_size dtype input_dim input_shape input_tensor name optional ragged shape sparse trainable",
            ["LSTM"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer cell dropout dtype go_backwards implementation input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_activation recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences return_state seed stateful trainable unit_forget_bias units unroll use_bias use_cudnn zero_output_for_mask",
            ["LayerNormalization"] = "activity_regularizer autocast axis batch_input_shape batch_size beta_constraint beta_initializer beta_regularizer center dtype epsilon gamma_constraint gamma_initializer gamma_regularizer input_dim input_shape name rms_scaling scale trainable",
            ["Masking"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape mask_value name trainable",
            ["MaxPooling1D"] = "activity_regularizer autocast batch_input_shape batch_size data_format dtype input_dim input_shape name padding pool_dimensions pool_mode pool_size strides trainable",
            ["Maximum"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["Minimum"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["MultiHeadAttention"] = "activity_regularizer attention_axes autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer dropout dtype flash_attention input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer key_dim name num_heads output_shape seed sliding_window trainable use_bias use_gate value_dim",
            ["Multiply"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["Permute"] = "activity_regularizer autocast batch_input_shape batch_size dims dtype input_dim input_shape name trainable",
            ["RNN"] = "activity_regularizer autocast batch_input_shape batch_size cell dtype go_backwards input_dim input_shape name return_sequences return_state stateful trainable unroll zero_output_for_mask",
            ["RepeatVector"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape n name trainable",
            ["Reshape"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name target_shape trainable",
            ["SimpleRNN"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer cell dropout dtype go_backwards input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer return_sequences return_state seed stateful trainable units unroll use_bias zero_output_for_mask",
            ["SpatialDropout1D"] = "dtype name rate seed",
            ["Subtract"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape name trainable",
            ["TimeDistributed"] = "activity_regularizer autocast batch_input_shape batch_size dtype input_dim input_shape layer name trainable",
            ["LSTMCell"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer dropout dtype implementation input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_activation recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer seed trainable unit_forget_bias units use_bias",
            ["GRUCell"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer dropout dtype implementation input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_activation recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer reset_after seed trainable units use_bias",
            ["SimpleRNNCell"] = "activation activity_regularizer autocast batch_input_shape batch_size bias_constraint bias_initializer bias_regularizer dropout dtype input_dim input_shape kernel_constraint kernel_initializer kernel_regularizer name recurrent_constraint recurrent_dropout recurrent_initializer recurrent_regularizer seed trainable units use_bias",
            ["StackedRNNCells"] = "activity_regularizer autocast batch_input_shape batch_size cells dtype input_dim input_shape name trainable",
        };

        private static Model EveryLayer()
        {
            var ids = Keras.Input(new int?[] { 8 }, dtype: "int64", name: "ids");
            var x = new Embedding(20, 6, maskZero: true).Call(ids);
            var a = new LSTM(4, returnSequences: true).Call(x);
            var b = new GRU(4, returnSequences: true, resetAfter: false).Call(x);
            var c = new SimpleRNN(4, returnSequences: true).Call(x);
            var d = new Bidirectional(new LSTM(4, returnSequences: true), mergeMode: "sum").Call(x);
            var e = new RNN(new StackedRNNCells(new AbstractRNNCell[] { new LSTMCell(3), new SimpleRNNCell(3), new GRUCell(4) }), returnSequences: true).Call(x);
            var f = new TimeDistributed(new Dense(4)).Call(x);
            var m = new Add().Call(new[] { a, b, c, d, e, f });
            var m2 = new Concatenate().Call(new[] { m, a });
            var at = new Attention(useScale: true).Call(new[] { m2, m2 });
            var ad = new AdditiveAttention().Call(new[] { at, at });
            var mh = new MultiHeadAttention(2, 3).Call(new[] { ad, ad });
            var ln = new LayerNormalization().Call(mh);
            var bn = new BatchNormalization().Call(ln);
            var cv = new Conv1D(5, 3, padding: "causal", activation: "relu").Call(bn);
            var mp = new MaxPooling1D(2).Call(cv);
            var ap = new AveragePooling1D(2, padding: "same").Call(mp);
            var act = new Activation("tanh").Call(ap);
            var sd = new SpatialDropout1D(0.1).Call(act);
            var gn = new GaussianNoise(0.1).Call(sd);
            var pm = new Permute(new[] { 2, 1 }).Call(gn);
            var rs = new Reshape(new[] { 10 }).Call(pm);
            var rv = new RepeatVector(3).Call(rs);
            var fl = new Flatten().Call(rv);
            var dr = new Dropout(0.2).Call(fl);
            var ms = new Masking().Call(x);
            var gp = new GlobalAveragePooling1D().Call(ms);
            var gm = new GlobalMaxPooling1D().Call(x);
            var mul = new Multiply().Call(new[] { gp, gm });
            var sub = new Subtract().Call(new[] { gp, gm });
            var avg = new Average().Call(new[] { mul, sub });
            var mx = new Maximum().Call(new[] { avg, gp });
            var mn = new Minimum().Call(new[] { mx, gp });
            var dt = new Dot(1).Call(new[] { mn, gp });
            var all = new Concatenate().Call(new[] { dr, dt, mn });
            var outp = new Dense(1, activation: "sigmoid").Call(all);
            var model = new Model(ids, outp);
            return new Model(ids, outp);
        }

        [Fact]
        public void EveryLayerConfigHoldsOnlyArgumentsKeras3Takes()
        {
            Backend.ClearSession();
            using var model = EveryLayer();
            using var dir = new TempDir();
            model.Save(dir.File("all.keras"));
            using var zip = ZipFile.OpenRead(dir.File("all.keras"));
            using var reader = new StreamReader(zip.GetEntry("config.json")!.Open());
            var root = (Dictionary<string, object?>)ConfigJson.Parse(reader.ReadToEnd())!;
            var seen = new HashSet<string>();
            void Check(object? value)
            {
                if (value is Dictionary<string, object?> entry)
                {
                    if (entry.GetValueOrDefault("module") as string == "keras.layers" && entry["config"] is Dictionary<string, object?> config)
                    {
                        string className = (string)entry["class_name"]!;
                        Assert.True(Keras3Arguments.TryGetValue(className, out var accepted), className);
                        var extra = config.Keys.Except(accepted!.Split(' ')).ToList();
                        Assert.True(extra.Count == 0, $"{className}: Keras 3 does not take {string.Join(", ", extra)}");
                        Assert.Null(entry["registered_name"]);
                        seen.Add(className);
                    }
                    foreach (var inner in entry.Values) Check(inner);
                }
                else if (value is List<object?> list)
                {
                    foreach (var inner in list) Check(inner);
                }
            }
            Check(root);
            // Every class of the table was written (nested cells and layers included).
            Assert.Equal(Keras3Arguments.Keys.OrderBy(k => k), seen.OrderBy(k => k));
        }

        [Fact]
        public void AModelWithEveryLayerRoundTrips()
        {
            Backend.ClearSession();
            Backend.SetRandomSeed(5);
            using var model = EveryLayer();
            var x = tensor(new long[] { 1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 8, 9, 1, 2, 3, 4 }, new long[] { 2, 8 });
            NewLayerFilesTests.AssertRoundTrips(model, x);
        }
            [Fact]
        public void SeparateTensorArgumentsAreWrittenAsKerasWritesThem()
        {
            Backend.ClearSession();
            var query = Keras.Input(new int?[] { 3, 4 }, name: "query");
            var value = Keras.Input(new int?[] { 5, 4 }, name: "value");
            var attended = new MultiHeadAttention(2, 3, name: "mha").Call(new[] { query, value });
            using var model = new Model(new[] { query, value }, attended);

            // Keras 2 (tf-keras's Node.serialize): the first input, the others as keyword tensors.
            var keras2 = (Dictionary<string, object?>)ConfigJson.Parse(model.ToJson())!;
            var layer2 = ((List<object?>)((Dictionary<string, object?>)keras2["config"]!)["layers"]!).Cast<Dictionary<string, object?>>().Single(l => (string?)l["name"] == "mha");
            var node2 = (List<object?>)((List<object?>)layer2["inbound_nodes"]!)[0]!;
            var entry = Assert.Single(node2);
            var parts = (List<object?>)entry!;
            Assert.Equal(new object?[] { "query", 0L, 0L }, parts.Take(3));
            Assert.Equal(new object?[] { "value", 0L, 0L }, (List<object?>)((Dictionary<string, object?>)parts[3]!)["value"]!);

            // Keras 3: the inputs as positional arguments, mha(query, value).
            var keras3 = (Dictionary<string, object?>)ConfigJson.Parse(SavingFormats.KerasZip.SerializeModel(model))!;
            var layer3 = ((List<object?>)((Dictionary<string, object?>)keras3["config"]!)["layers"]!).Cast<Dictionary<string, object?>>().Single(l => (string?)l["name"] == "mha");
            var args = (List<object?>)((Dictionary<string, object?>)((List<object?>)layer3["inbound_nodes"]!)[0]!)["args"]!;
            Assert.Equal(2, args.Count);
            // Several inputs are listed; the single output is written as one entry, as Keras 3 maps a single tensor.
            var config3 = (Dictionary<string, object?>)keras3["config"]!;
            Assert.Equal(2, ((List<object?>)config3["input_layers"]!).Count);
            Assert.Equal(new object?[] { "mha", 0L, 0L }, (List<object?>)config3["output_layers"]!);
            Assert.All(args, a => Assert.Equal("__keras_tensor__", ((Dictionary<string, object?>)a!)["class_name"]));

            var q = randn(2, 3, 4);
            var v = randn(2, 5, 4);
            NewLayerFilesTests.AssertRoundTrips(model, q, v);
        }
    }
}
