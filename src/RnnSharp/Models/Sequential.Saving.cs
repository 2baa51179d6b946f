using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;

namespace RnnSharp
{
    public partial class Sequential
    {
        /// <summary>
        /// Loads a model saved by <see cref="Model.Save"/>, as Keras's <c>keras.models.load_model</c>: rebuilds the layers
        /// from the config (<see cref="LayerRegistry"/>), builds the model and sets the weights. A Keras 2 full-model
        /// <c>.h5</c> file (<c>model.save("m.h5")</c> of a Sequential model) and a Keras 3 <c>.keras</c> file load too; a
        /// <c>.keras</c> file's model is compiled as it was saved unless <paramref name="compile"/> is false.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="compile">Whether to compile the model from the file's compile configuration.</param>
        /// <exception cref="System.IO.FileNotFoundException">There is no such file.</exception>
        /// <exception cref="System.IO.InvalidDataException">The file is truncated, corrupt or not an RnnSharp file.</exception>
        /// <exception cref="ArgumentException">The file holds only weights, or a layer cannot be rebuilt.</exception>
        /// <exception cref="NotSupportedException">The file holds a functional model (load it with <see cref="Model.Load"/>).</exception>
        public static new Sequential Load(string path, bool compile = true) => (Sequential)ModelSaving.Load(path, sequentialOnly: true, compile: compile);

        /// <summary>
        /// Creates a model from a config as <see cref="GetConfig"/> returns it (or as read back from JSON), as Keras's
        /// <c>Sequential.from_config</c>: <c>name</c>, <c>layers</c> (each <c>class_name</c> and <c>config</c>) and,
        /// optionally, <c>build_input_shape</c>, with which the model is built when its first layer declares no input
        /// shape. The weights are newly initialised. Configs keep initializers by name only, so their arguments take
        /// Keras's defaults.
        /// </summary>
        /// <exception cref="ArgumentException">The config is malformed or names an unknown layer class.</exception>
        public static new Sequential FromConfig(IReadOnlyDictionary<string, object?> config)
        {
            // A whole serialized model, {"class_name": "Sequential", "config": {...}}, is accepted as well; Keras 2.0-2.2
            // wrote a Sequential's config as the bare list of its layers.
            if (config.TryGetValue("class_name", out var rootClass) && config.TryGetValue("config", out var inner)
                && inner is IReadOnlyDictionary<string, object?> or System.Collections.IList)
            {
                if (rootClass is string c && c != nameof(Sequential))
                    throw new NotSupportedException($"The config describes a {c} model, not a Sequential one: rebuild it with Model.FromConfig.");
                config = inner as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?> { ["layers"] = inner };
            }
            ArgumentNullException.ThrowIfNull(config);
            string? name = config.TryGetValue("name", out var n) ? n as string : null;
            if (!config.TryGetValue("layers", out var layerList) || layerList is not System.Collections.IEnumerable entries || layerList is string)
                throw new ArgumentException("The Sequential config has no \"layers\" list.", nameof(config));
            var layers = new List<Layer>();
            Sequential? model = null;
            try
            {
                int?[]? inputLayerShape = null;
                foreach (var entry in entries)
                {
                    if (entry is not IReadOnlyDictionary<string, object?> layerEntry
                        || !layerEntry.TryGetValue("class_name", out var cls) || cls is not string className
                        || !layerEntry.TryGetValue("config", out var lc) || lc is not IReadOnlyDictionary<string, object?> layerConfig)
                        throw new ArgumentException(
                            $"Layer #{layers.Count} of the Sequential config is not {{\"class_name\": ..., \"config\": {{...}}}}.", nameof(config));
                    if (className == "InputLayer")
                    {
                        // Keras 2.4+ and Keras 3 list the model's input as an InputLayer entry: it gives the input shape.
                        var input = new LayerConfig(className, layerConfig);
                        inputLayerShape = input.GetShape("batch_input_shape") ?? input.GetShape("batch_shape");
                        continue;
                    }
                    // The input shape an InputLayer entry gave is the first layer's declared one, as if given to it.
                    if (layers.Count == 0 && inputLayerShape is not null && !layerConfig.ContainsKey("batch_input_shape"))
                        layerConfig = new Dictionary<string, object?>(layerConfig) { ["batch_input_shape"] = inputLayerShape };
                    layers.Add(LayerRegistry.Deserialize(className, layerConfig));
                }
                model = new Sequential(layers, name);
                if (!model.Built && inputLayerShape is not null && layers.Count > 0)
                    model.Build(inputLayerShape);
                if (!model.Built && config.TryGetValue("build_input_shape", out var shape) && shape is not null && layers.Count > 0)
                    model.Build(new LayerConfig(nameof(Sequential), config).GetShape("build_input_shape"));
                return model;
            }
            catch
            {
                // The layers hold native tensors: free them when the model cannot be made.
                if (model is not null) model.Dispose();
                else foreach (var layer in layers) layer.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Rebuilds a model from JSON as <see cref="Model.ToJson"/> or Keras's <c>model.to_json()</c> writes it (Keras's
        /// <c>keras.models.model_from_json</c>), with fresh weights; Keras 2's JSON (an <c>InputLayer</c> entry or a
        /// <c>batch_input_shape</c> in the first layer's config, initializers as <c>{"class_name": ..., "config": ...}</c>)
        /// is accepted.
        /// </summary>
        /// <exception cref="System.Text.Json.JsonException">The text is not JSON.</exception>
        /// <exception cref="ArgumentException">The JSON is not a Sequential model config, or names an unknown layer class.</exception>
        public static new Sequential FromJson(string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            if (ConfigJson.Parse(json) is not IReadOnlyDictionary<string, object?> root)
                throw new ArgumentException("The JSON is not an object (expected {\"class_name\": \"Sequential\", \"config\": {...}}).", nameof(json));
            return FromConfig(root);
        }
    }
}
