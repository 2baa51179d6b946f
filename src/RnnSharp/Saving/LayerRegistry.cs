using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Rebuilds layers from their class name and config (Keras's <c>layers.deserialize</c>), for
    /// <see cref="Model.FromConfig"/> and <see cref="Model.Load"/>: a map from Keras's class names (and the
    /// aliases older Keras files use) to each layer's own <c>FromConfig</c>. Knows <c>SimpleRNN</c>, <c>LSTM</c>,
    /// <c>GRU</c>, <c>RNN</c>, the cells (<c>SimpleRNNCell</c>, <c>LSTMCell</c>, <c>GRUCell</c>, <c>StackedRNNCells</c>),
    /// <c>Bidirectional</c>, <c>TimeDistributed</c>, <c>Masking</c>, <c>Dense</c>, <c>Embedding</c>, <c>Dropout</c>,
    /// <c>SpatialDropout1D</c>, <c>GaussianNoise</c>, <c>Conv1D</c>, <c>MaxPooling1D</c>, <c>AveragePooling1D</c>,
    /// <c>GlobalAveragePooling1D</c>, <c>GlobalMaxPooling1D</c>, <c>Activation</c>, the
    /// merge layers (<c>Concatenate</c>, <c>Add</c>, <c>Subtract</c>, <c>Multiply</c>, <c>Average</c>, <c>Maximum</c>,
    /// <c>Minimum</c>, <c>Dot</c>), <c>RepeatVector</c>, <c>Flatten</c>, <c>Reshape</c>, <c>Permute</c>, <c>LayerNormalization</c>,
    /// <c>BatchNormalization</c>, the attention layers (<c>Attention</c>, <c>AdditiveAttention</c>,
    /// <c>MultiHeadAttention</c>), <c>InputLayer</c> and models, and Keras's aliases (<c>Convolution1D</c>,
    /// <c>MaxPool1D</c>, <c>AvgPool1D</c>, <c>GlobalAvgPool1D</c>, <c>GlobalMaxPool1D</c>). A Keras <c>Lambda</c> holds
    /// Python code: its factory raises an error saying so, until <see cref="Register"/> replaces it with a C#
    /// <see cref="Lambda"/>;
    /// <see cref="Register"/> adds others (Keras's <c>custom_objects</c>), custom cells included.
    /// </summary>
    public static class LayerRegistry
    {
        private static readonly object Gate = new();
        private static readonly Dictionary<string, Func<LayerConfig, Layer>> Factories = new(StringComparer.Ordinal)
        {
            ["SimpleRNN"] = SimpleRNN.FromConfig,
            ["LSTM"] = LSTM.FromConfig,
            ["GRU"] = GRU.FromConfig,
            ["RNN"] = RNN.FromConfig,
            ["SimpleRNNCell"] = SimpleRNNCell.FromConfig,
            ["LSTMCell"] = LSTMCell.FromConfig,
            ["GRUCell"] = GRUCell.FromConfig,
            ["StackedRNNCells"] = StackedRNNCells.FromConfig,
            ["Bidirectional"] = Bidirectional.FromConfig,
            ["TimeDistributed"] = TimeDistributed.FromConfig,
            ["Masking"] = Masking.FromConfig,
            ["Dense"] = Dense.FromConfig,
            ["Embedding"] = Embedding.FromConfig,
            ["Dropout"] = Dropout.FromConfig,
            ["SpatialDropout1D"] = SpatialDropout1D.FromConfig,
            ["GaussianNoise"] = GaussianNoise.FromConfig,
            ["GlobalAveragePooling1D"] = GlobalAveragePooling1D.FromConfig,
            ["GlobalMaxPooling1D"] = GlobalMaxPooling1D.FromConfig,
            // Keras's aliases, which its configs may name.
            ["GlobalAvgPool1D"] = GlobalAveragePooling1D.FromConfig,
            ["GlobalMaxPool1D"] = GlobalMaxPooling1D.FromConfig,
            ["Conv1D"] = Conv1D.FromConfig,
            ["Convolution1D"] = Conv1D.FromConfig,
            ["MaxPooling1D"] = MaxPooling1D.FromConfig,
            ["MaxPool1D"] = MaxPooling1D.FromConfig,
            ["AveragePooling1D"] = AveragePooling1D.FromConfig,
            ["AvgPool1D"] = AveragePooling1D.FromConfig,
            ["Activation"] = Activation.FromConfig,
            // Refuses: a Keras Lambda's function is Python code.
            ["Lambda"] = Lambda.FromConfig,
            ["InputLayer"] = InputLayer.FromConfig,
            ["RepeatVector"] = RepeatVector.FromConfig,
            ["Flatten"] = Flatten.FromConfig,
            ["Reshape"] = Reshape.FromConfig,
            ["Permute"] = Permute.FromConfig,
            ["LayerNormalization"] = LayerNormalization.FromConfig,
            ["BatchNormalization"] = BatchNormalization.FromConfig,
            ["Concatenate"] = Concatenate.FromConfig,
            ["Add"] = Add.FromConfig,
            ["Subtract"] = Subtract.FromConfig,
            ["Multiply"] = Multiply.FromConfig,
            ["Average"] = Average.FromConfig,
            ["Maximum"] = Maximum.FromConfig,
            ["Minimum"] = Minimum.FromConfig,
            ["Dot"] = Dot.FromConfig,
            ["Attention"] = Attention.FromConfig,
            ["AdditiveAttention"] = AdditiveAttention.FromConfig,
            ["MultiHeadAttention"] = MultiHeadAttention.FromConfig,
            // Nested models: Keras 2.4+ writes Functional, earlier Keras Model.
            ["Functional"] = Model.FromLayerConfig,
            ["Model"] = Model.FromLayerConfig,
            ["Sequential"] = config => Sequential.FromConfig(config.Values),
            // Aliases: tf.keras 1.x/2.x's cuDNN layers, whose configs are LSTM's and GRU's (resetAfter) arguments and
            // whose weights KerasWeightConversion converts on load.
            ["CuDNNLSTM"] = LSTM.FromConfig,
            ["CuDNNGRU"] = GRU.FromConfig,
        };

        /// <summary>The class names that can be rebuilt.</summary>
        public static IReadOnlyCollection<string> KnownClassNames
        {
            get
            {
                lock (Gate) return Factories.Keys.ToArray();
            }
        }

        /// <summary>Registers (or replaces) the factory of layers whose config has class name <paramref name="className"/>
        /// (usually <c>typeof(MyLayer).Name</c>, what <see cref="Sequential.GetConfig"/> writes).</summary>
        public static void Register(string className, Func<LayerConfig, Layer> factory)
        {
            ArgumentNullException.ThrowIfNull(factory);
            if (string.IsNullOrEmpty(className)) throw new ArgumentException("The class name must not be empty.", nameof(className));
            lock (Gate) Factories[className] = factory;
        }

        /// <summary>A layer as Keras serializes it: <c>{"class_name": ..., "config": {...}}</c>.</summary>
        public static Dictionary<string, object?> Serialize(Layer layer)
        {
            ArgumentNullException.ThrowIfNull(layer);
            if (Keras3Serialization.Active) return Keras3Serialization.SerializeLayer(layer);
            if (layer is Model model) return model.Serialize();
            return new Dictionary<string, object?> { ["class_name"] = layer.ClassName, ["config"] = layer.GetConfig() };
        }

        /// <summary>Builds a layer from its class name and config.</summary>
        /// <exception cref="ArgumentException">Unknown class name, or a config value that does not fit.</exception>
        public static Layer Deserialize(string className, IReadOnlyDictionary<string, object?> config)
        {
            Func<LayerConfig, Layer>? factory;
            lock (Gate) Factories.TryGetValue(className, out factory);
            if (factory is null)
                throw new ArgumentException(
                    $"Unknown layer: {className}. Please ensure this object is registered with LayerRegistry.Register(\"{className}\", factory). " +
                    $"Known layers: {string.Join(", ", KnownClassNames.OrderBy(n => n, StringComparer.Ordinal))}.", nameof(className));
            var layerConfig = new LayerConfig(className, config);
            var layer = factory(layerConfig);
            layerConfig.ApplyUnreadPenalties(layer);
            return layer;
        }
    }
}
