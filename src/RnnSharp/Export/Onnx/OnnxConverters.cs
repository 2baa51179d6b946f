using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Export.Onnx.Converters;
using RnnSharp.Layers;

namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// The one registry of layer → ONNX converter. Matched by exact type: a subclass of a layer may compute something
    /// else, so it needs its own entry. A new layer needs one converter file and one line here.
    /// </summary>
    internal static class OnnxConverters
    {
        private static readonly Dictionary<Type, OnnxLayerConverter> Map = new()
        {
            [typeof(SimpleRNN)] = new RnnConverter(),
            [typeof(LSTM)] = new RnnConverter(),
            [typeof(GRU)] = new RnnConverter(),
            [typeof(RNN)] = new RnnConverter(),
            [typeof(Bidirectional)] = new BidirectionalConverter(),
            [typeof(Dense)] = new DenseConverter(),
            [typeof(Embedding)] = new EmbeddingConverter(),
            [typeof(Dropout)] = new IdentityConverter(),
            [typeof(SpatialDropout1D)] = new IdentityConverter(),
            [typeof(GaussianNoise)] = new IdentityConverter(),
            [typeof(Activation)] = new ActivationConverter(),
            [typeof(Masking)] = new MaskingConverter(),
            [typeof(TimeDistributed)] = new TimeDistributedConverter(),
            [typeof(Add)] = new MergeConverter(),
            [typeof(Subtract)] = new MergeConverter(),
            [typeof(Multiply)] = new MergeConverter(),
            [typeof(Average)] = new MergeConverter(),
            [typeof(Maximum)] = new MergeConverter(),
            [typeof(Minimum)] = new MergeConverter(),
            [typeof(Concatenate)] = new ConcatenateConverter(),
            [typeof(Dot)] = new DotConverter(),
            [typeof(Attention)] = new DenseAttentionConverter(),
            [typeof(AdditiveAttention)] = new DenseAttentionConverter(),
            [typeof(Conv1D)] = new Conv1DConverter(),
            [typeof(MaxPooling1D)] = new Pooling1DConverter(),
            [typeof(AveragePooling1D)] = new Pooling1DConverter(),
            [typeof(GlobalAveragePooling1D)] = new GlobalPooling1DConverter(),
            [typeof(GlobalMaxPooling1D)] = new GlobalPooling1DConverter(),
            [typeof(Flatten)] = new FlattenConverter(),
            [typeof(Reshape)] = new ReshapeConverter(),
            [typeof(RepeatVector)] = new RepeatVectorConverter(),
            [typeof(Permute)] = new PermuteConverter(),
            [typeof(LayerNormalization)] = new LayerNormalizationConverter(),
            [typeof(BatchNormalization)] = new BatchNormalizationConverter(),
        };

        /// <summary>The layer classes the export converts.</summary>
        public static IEnumerable<Type> SupportedLayers => Map.Keys;

        /// <summary>The converter of <paramref name="layer"/>'s class.</summary>
        /// <exception cref="NotSupportedException">The class has none; the message names the layer.</exception>
        public static OnnxLayerConverter For(Layer layer)
            => Map.TryGetValue(layer.GetType(), out var converter) ? converter
                : throw OnnxExporter.Unsupported(layer, $"the layer class {layer.GetType().Name}",
                    string.Join(", ", Map.Keys.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal)));
    }
}
