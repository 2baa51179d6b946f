using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Keras 3's <c>serialize_keras_object</c> for the <c>config.json</c> of a <c>.keras</c> file: every object as
    /// <c>{"module": ..., "class_name": ..., "config": {...}, "registered_name": ...}</c>, layers with their
    /// <c>build_config</c>, dtypes as <c>DTypePolicy</c> objects, initializers as <c>keras.initializers</c> objects,
    /// a Sequential model led by its <c>InputLayer</c>, a functional model's calls as Keras 3's nodes
    /// (<c>{"args": [...], "kwargs": {...}}</c> with <c>__keras_tensor__</c> entries). Keras 2's configs
    /// (<see cref="Layer.GetConfig"/>) stay the default everywhere else.
    /// </summary>
    /// <remarks>
    /// Like Keras's own <c>use_legacy_config</c> switch, the dialect is a scope: while <see cref="Serialize(Model)"/> runs,
    /// <see cref="LayerRegistry.Serialize"/> (which every wrapper and RNN uses for its nested layers) and
    /// <see cref="Initializers.Initializer.Serialize"/> write Keras 3's forms, so nested objects follow without each
    /// layer knowing about the dialect.
    /// </remarks>
    internal static class Keras3Serialization
    {
        [ThreadStatic] private static int depth;

        /// <summary>True while a Keras 3 config is being written on this thread.</summary>
        public static bool Active => depth > 0;

        /// <summary>The <c>registered_name</c> of RnnSharp's own classes: none, as for Keras's built-in classes.</summary>
        private const string? BuiltIn = null;

        /// <summary>The model as Keras 3's <c>config.json</c> holds it (without <c>compile_config</c>).</summary>
        public static Dictionary<string, object?> Serialize(Model model)
        {
            depth++;
            try
            {
                return SerializeLayer(model);
            }
            finally
            {
                depth--;
            }
        }

        /// <summary>A layer as Keras 3 serializes it; only valid inside <see cref="Serialize(Model)"/>'s scope.</summary>
        public static Dictionary<string, object?> SerializeLayer(Layer layer)
        {
            var config = layer switch
            {
                Sequential sequential => SequentialConfig(sequential),
                Model model => FunctionalModelConfig(model),
                _ => layer.GetKeras3Config(),
            };
            var result = Wrap(ModuleOf(layer), layer.ClassName, config);
            if (layer.GetBuildConfig() is { } build) result["build_config"] = build;
            return result;
        }

        /// <summary><c>{"module", "class_name", "config", "registered_name"}</c>, Keras 3's form of any object.</summary>
        public static Dictionary<string, object?> Wrap(string module, string className, object? config) => new()
        {
            ["module"] = module,
            ["class_name"] = className,
            ["config"] = config,
            ["registered_name"] = BuiltIn,
        };

        /// <summary>Keras 3's float32 <c>DTypePolicy</c>, which every layer's config holds as its <c>dtype</c>.</summary>
        public static Dictionary<string, object?> DTypePolicy(string name = "float32")
            => Wrap("keras", "DTypePolicy", new Dictionary<string, object?> { ["name"] = name });

        // Keras's public module of each class; registered custom layers are written under their own namespace.
        private static string ModuleOf(Layer layer) => layer switch
        {
            Model => "keras",
            _ when layer.GetType().Assembly == typeof(Layer).Assembly => "keras.layers",
            _ => layer.GetType().Namespace ?? "custom",
        };

        // Keras 3's Sequential.get_config: name, trainable, dtype, the InputLayer first, then the layers.
        private static Dictionary<string, object?> SequentialConfig(Sequential model)
        {
            var layers = new List<object?>();
            if (model.InputShape is { } shape)
                layers.Add(Wrap("keras.layers", "InputLayer", InputLayer.Keras3Config(shape, "float32", "input_layer")));
            layers.AddRange(model.Layers.Select(l => (object?)SerializeLayer(l)));
            var config = new Dictionary<string, object?>
            {
                ["name"] = model.Name,
                ["trainable"] = model.Trainable,
                ["dtype"] = model.DtypePolicy.Serialize(keras3: true),
                ["layers"] = layers,
            };
            if (model.InputShape is { } built) config["build_input_shape"] = built.ToArray();
            return config;
        }

        // Keras 3's Functional.get_config: each layer with its name and its calls as {"args", "kwargs"} nodes.
        private static Dictionary<string, object?> FunctionalModelConfig(Model model)
        {
            var graph = model.Graph;
            var history = RnnSharp.FunctionalConfig.History(graph);
            List<object?> History(KerasTensor t) => history(t);
            Dictionary<string, object?> Tensor(KerasTensor t) => new()
            {
                ["class_name"] = "__keras_tensor__",
                ["config"] = new Dictionary<string, object?>
                {
                    ["shape"] = t.Shape.ToArray(),
                    ["dtype"] = t.DType,
                    ["keras_history"] = History(t),
                },
            };
            var layers = new List<object?>();
            foreach (var layer in graph.Layers)
            {
                var inbound = new List<object?>();
                foreach (var node in layer.InboundNodes)
                {
                    if (!graph.Contains(node) || node.IsInput) continue;
                    object? first = node.OneInput ? Tensor(node.InputTensors[0]) : node.InputTensors.Select(t => (object?)Tensor(t)).ToList();
                    var kwargs = new Dictionary<string, object?>();
                    if (node.InitialState.Count > 0) kwargs["initial_state"] = node.InitialState.Select(t => (object?)Tensor(t)).ToList();
                    RnnSharp.FunctionalConfig.AddCallKwargs(kwargs, node, Tensor);
                    // A call of separate tensor arguments (mha(query, value)) has them as positional arguments.
                    var args = layer.InputArgumentNames is not null && node.InputTensors.Count > 1
                        ? node.InputTensors.Select(t => (object?)Tensor(t)).ToList()
                        : new List<object?> { first };
                    inbound.Add(new Dictionary<string, object?> { ["args"] = args, ["kwargs"] = kwargs });
                }
                var serialized = SerializeLayer(layer);
                serialized["name"] = layer.Name;
                serialized["inbound_nodes"] = inbound;
                layers.Add(serialized);
            }
            return new Dictionary<string, object?>
            {
                ["name"] = model.Name,
                ["trainable"] = model.Trainable,
                ["layers"] = layers,
                // Keras 3 maps its inputs' structure: a model of one input (output) writes the single entry.
                ["input_layers"] = graph.Inputs.Count == 1 ? History(graph.Inputs[0]) : graph.Inputs.Select(t => (object?)History(t)).ToList(),
                ["output_layers"] = graph.Outputs.Count == 1 ? History(graph.Outputs[0]) : graph.Outputs.Select(t => (object?)History(t)).ToList(),
            };
        }
    }
}
