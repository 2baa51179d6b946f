using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Ops;
using RnnSharp.Saving;

namespace RnnSharp
{
    /// <summary>
    /// A functional model's config, as Keras 2 writes it (<c>get_network_config</c>) and reads it back
    /// (<c>reconstruct_from_config</c>): <c>name</c>; <c>layers</c>, each serialized with its <c>name</c> and
    /// <c>inbound_nodes</c> (one entry per call, each input as <c>[layer_name, node_index, tensor_index, kwargs]</c>, a
    /// recurrent layer's initial states as further inputs, a call's <see cref="Node.CallArguments"/> in <c>kwargs</c>, a tensor among them as <c>[layer_name, node_index, tensor_index]</c>); <c>input_layers</c> and <c>output_layers</c>
    /// (<c>[layer_name, node_index, tensor_index]</c>). Reading also takes Keras 3's nodes
    /// (<c>{"args": [...], "kwargs": {...}}</c> with <c>__keras_tensor__</c> entries).
    /// </summary>
    internal static class FunctionalConfig
    {
        /// <summary>The config of <paramref name="model"/> (a functional model).</summary>
        public static Dictionary<string, object?> Write(Model model)
        {
            var graph = model.Graph;
            var history = History(graph);
            List<object?> Ref(KerasTensor t) => history(t);
            var layers = new List<object?>();
            foreach (var layer in graph.Layers)
            {
                var inbound = new List<object?>();
                foreach (var node in layer.InboundNodes)
                {
                    if (!graph.Contains(node) || node.IsInput) continue;
                    // A keyword tensor as tf-keras writes one: [layer, node, tensor].
                    var kwargs = AddCallKwargs(new Dictionary<string, object?>(), node, Ref);
                    // tf-keras writes a call of separate tensor arguments (mha(query, value)) as its first input with the
                    // others as keyword tensors.
                    if (layer.InputArgumentNames is { } names && node.InputTensors.Count > 1)
                    {
                        for (int i = 1; i < node.InputTensors.Count; i++) kwargs[names[i]] = Ref(node.InputTensors[i]);
                        var first = Ref(node.InputTensors[0]);
                        first.Add(kwargs);
                        inbound.Add(new List<object?> { first });
                        continue;
                    }
                    // Keras 2 passes a recurrent layer's initial states as further inputs of its call.
                    inbound.Add(node.InputTensors.Concat(node.InitialState).Select(t =>
                    {
                        var entry = Ref(t);
                        entry.Add(kwargs);
                        return (object?)entry;
                    }).ToList());
                }
                var serialized = LayerRegistry.Serialize(layer);
                serialized["name"] = layer.Name;
                serialized["inbound_nodes"] = inbound;
                layers.Add(serialized);
            }
            return new Dictionary<string, object?>
            {
                ["name"] = model.Name,
                ["layers"] = layers,
                ["input_layers"] = graph.Inputs.Select(t => (object?)Ref(t)).ToList(),
                ["output_layers"] = graph.Outputs.Select(t => (object?)Ref(t)).ToList(),
            };
        }

        /// <summary>A tensor's <c>[layer_name, node_index, tensor_index]</c> in <paramref name="graph"/>'s config, in both
        /// Keras dialects: Keras numbers each layer's nodes within the model, and a nested model's own first node is
        /// not written.</summary>
        internal static Func<KerasTensor, List<object?>> History(Functional graph)
        {
            var conversion = new Dictionary<Node, int>();
            foreach (var layer in graph.Layers)
            {
                int kept = SkipsFirstNode(layer) ? 1 : 0;
                foreach (var node in layer.InboundNodes)
                    if (graph.Contains(node)) conversion[node] = kept++;
            }
            return t => new List<object?> { t.Layer.Name, conversion[t.Node], t.TensorIndex };
        }

        /// <summary>Adds a call's keyword arguments both Keras dialects write (explicit masks, a fixed training mode,
        /// the layer's call arguments) to <paramref name="kwargs"/>, each tensor as <paramref name="encode"/> writes it.</summary>
        internal static Dictionary<string, object?> AddCallKwargs(Dictionary<string, object?> kwargs, Node node, Func<KerasTensor, object> encode)
        {
            if (node.Masks is { } masks && masks.Any(m => m is not null))
                kwargs["mask"] = masks.Count == 1 ? encode(masks[0]!) : masks.Select(m => m is null ? null : encode(m)).ToList();
            if (node.Training is bool training) kwargs["training"] = training;
            foreach (var (name, value) in node.CallArguments) kwargs[name] = value is KerasTensor t ? encode(t) : value;
            return kwargs;
        }

        // A layer's config; Keras 2.0-2.2 wrote a nested Sequential's as the bare list of its layers.
        private static IReadOnlyDictionary<string, object?>? NestedConfig(string className, IReadOnlyDictionary<string, object?> data)
            => data.GetValueOrDefault("config") switch
            {
                IReadOnlyDictionary<string, object?> config => config,
                IList layers when className == nameof(Sequential) => new Dictionary<string, object?> { ["name"] = data.GetValueOrDefault("name"), ["layers"] = layers },
                _ => null,
            };

        // Keras leaves out the node a nested model makes for itself when it is built.
        private static bool SkipsFirstNode(Layer layer) => layer is Model;

        /// <summary>Rebuilds a functional model from its config, layers first, then their calls in Keras's order.</summary>
        /// <exception cref="ArgumentException">The config is malformed or names an unknown layer class.</exception>
        public static Model Read(IReadOnlyDictionary<string, object?> config)
        {
            string modelName = config.GetValueOrDefault("name") as string ?? "model";
            string Where(string what) => $"The functional config of model \"{modelName}\" {what}";
            if (config.GetValueOrDefault("layers") is not IList layerList)
                throw new ArgumentException(Where("has no \"layers\" list."), nameof(config));
            var created = new Dictionary<string, Layer>();
            var order = new List<(Layer Layer, IReadOnlyDictionary<string, object?> Data)>();
            var nodeIndex = new Dictionary<(string, int), int>();
            var nodeCount = new Dictionary<Layer, int>();
            var unprocessed = new Dictionary<Layer, Queue<object?>>();
            try
            {
                foreach (var item in layerList)
                {
                    if (item is not IReadOnlyDictionary<string, object?> data || data.GetValueOrDefault("class_name") is not string className
                        || NestedConfig(className, data) is not { } layerConfig)
                        throw new ArgumentException(Where($"has a layer entry #{order.Count} that is not {{\"class_name\": ..., \"config\": {{...}}, \"inbound_nodes\": [...]}}."), nameof(config));
                    string name = data.GetValueOrDefault("name") as string ?? layerConfig.GetValueOrDefault("name") as string
                        ?? throw new ArgumentException(Where($"has a layer entry #{order.Count} without a name."), nameof(config));
                    if (!created.TryGetValue(name, out var layer))
                        created[name] = layer = LayerRegistry.Deserialize(className, layerConfig);
                    order.Add((layer, data));
                    nodeCount[layer] = SkipsFirstNode(layer) ? 1 : 0;
                    var queue = new Queue<object?>();
                    if (data.GetValueOrDefault("inbound_nodes") is IList nodes)
                        foreach (var node in nodes) queue.Enqueue(node);
                    unprocessed[layer] = queue;
                }

                KerasTensor? Resolve(IList reference)
                {
                    if (reference.Count < 3 || reference[0] is not string layerName)
                        throw new ArgumentException(Where($"has a malformed tensor reference [{string.Join(", ", reference.Cast<object?>())}]."), nameof(config));
                    if (!created.TryGetValue(layerName, out var layer))
                        throw new ArgumentException(Where($"refers to a layer \"{layerName}\" it does not define."), nameof(config));
                    int configNode = Convert.ToInt32(reference[1]), tensor = Convert.ToInt32(reference[2]);
                    int? index = layer is InputLayer ? 0 : nodeIndex.TryGetValue((layerName, configNode), out int i) ? i : null;
                    return index is int n ? layer.InboundNodes[n].Outputs[tensor] : null;
                }

                bool progress = true;
                while (unprocessed.Values.Any(q => q.Count > 0))
                {
                    if (!progress)
                        throw new ArgumentException(Where(
                            "cannot be rebuilt: some layer calls refer to tensors no call produces (layers left: " +
                            string.Join(", ", unprocessed.Where(kv => kv.Value.Count > 0).Select(kv => $"\"{kv.Key.Name}\"")) + ")."), nameof(config));
                    progress = false;
                    foreach (var (layer, _) in order)
                    {
                        var queue = unprocessed[layer];
                        while (queue.Count > 0 && ProcessNode(layer, queue.Peek(), Resolve, Where))
                        {
                            queue.Dequeue();
                            nodeIndex[(layer.Name, nodeCount[layer])] = layer.InboundNodes.Count - 1;
                            nodeCount[layer]++;
                            progress = true;
                        }
                    }
                }

                var inputs = References(config.GetValueOrDefault("input_layers")).Select(r => Resolve(r)
                    ?? throw new ArgumentException(Where($"names an input \"{r[0]}\" that no layer produces."), nameof(config))).ToArray();
                var outputs = References(config.GetValueOrDefault("output_layers")).Select(r => Resolve(r)
                    ?? throw new ArgumentException(Where($"names an output of \"{r[0]}\" that no call produces."), nameof(config))).ToArray();
                return new Model(inputs, outputs, config.GetValueOrDefault("name") as string);
            }
            catch
            {
                // The layers hold native tensors: free them when the model cannot be made.
                foreach (var layer in created.Values) layer.Dispose();
                throw;
            }
        }

        // input_layers/output_layers: a list of [name, node, tensor], or one such entry.
        private static IEnumerable<IList> References(object? value)
        {
            if (value is not IList list) return Array.Empty<IList>();
            return list.Count > 0 && list[0] is string ? new[] { list } : list.OfType<IList>();
        }

        // One call of a layer from its node data; false when an input is not made yet (the call waits, as in Keras).
        private static bool ProcessNode(Layer layer, object? nodeData, Func<IList, KerasTensor?> resolve, Func<string, string> where)
        {
            var inputs = new List<KerasTensor>();
            IReadOnlyDictionary<string, object?>? kwargs = null;
            if (nodeData is IReadOnlyDictionary<string, object?> keras3)
            {
                // Keras 3: {"args": [...], "kwargs": {...}}, tensors as {"class_name": "__keras_tensor__", ...}.
                foreach (var arg in Flatten(keras3.GetValueOrDefault("args")))
                {
                    if (Keras3History(arg) is not { } history) continue;
                    if (resolve(history) is not { } t) return false;
                    inputs.Add(t);
                }
                kwargs = keras3.GetValueOrDefault("kwargs") as IReadOnlyDictionary<string, object?>;
            }
            else if (nodeData is IList entries)
            {
                IEnumerable<IList> list = entries.Count > 0 && entries[0] is string ? new[] { entries } : entries.OfType<IList>();
                foreach (var entry in list)
                {
                    if (resolve(entry) is not { } t) return false;
                    inputs.Add(t);
                    if (entry.Count > 3 && entry[3] is IReadOnlyDictionary<string, object?> k && k.Count > 0) kwargs = k;
                }
            }
            else
            {
                throw new ArgumentException(where($"has a malformed inbound node for layer \"{layer.Name}\"."));
            }
            if (inputs.Count == 0) throw new ArgumentException(where($"has an inbound node without inputs for layer \"{layer.Name}\"."));

            bool? training = null;
            var masks = new List<KerasTensor?>();
            var states = new List<KerasTensor>();
            List<KerasTensor> namedValue = new(), namedKey = new();
            var callArguments = new Dictionary<string, object?>();
            foreach (var (key, value) in kwargs ?? new Dictionary<string, object?>())
            {
                switch (key)
                {
                    case "training":
                        training = value as bool?;
                        break;
                    case "mask":
                        foreach (var m in TensorRefs(value))
                        {
                            if (m is null) { masks.Add(null); continue; }
                            if (resolve(m) is not { } mt) return false;
                            masks.Add(mt);
                        }
                        break;
                    case "initial_state":
                        foreach (var s in TensorRefs(value))
                        {
                            if (s is null || resolve(s) is not { } st) return false;
                            states.Add(st);
                        }
                        break;
                    case "value" or "key":
                        // MultiHeadAttention's value and key, which Keras records as keyword tensors: mha(query, value=...).
                        foreach (var r in TensorRefs(value))
                        {
                            if (r is null || resolve(r) is not { } rt) return false;
                            (key == "value" ? namedValue : namedKey).Add(rt);
                        }
                        break;
                    case var name when layer.CallArgumentNames.Contains(name):
                        // A call argument the layer takes (use_causal_mask, an attention_mask tensor, ...), recorded on the node.
                        if (TensorRefs(value).FirstOrDefault() is { } reference && IsTensorRef(value))
                        {
                            if (resolve(reference) is not { } argument) return false;
                            callArguments[name] = argument;
                        }
                        else
                        {
                            callArguments[name] = value;
                        }
                        break;
                    default:
                        if (value is not null)
                            throw new ArgumentException(where($"calls layer \"{layer.Name}\" with argument \"{key}\", which RnnSharp's layers do not take."));
                        break;
                }
            }
            inputs.AddRange(namedValue);
            inputs.AddRange(namedKey);
            // Keras 2 lists a recurrent layer's initial states as further inputs; the list call takes them so.
            if (callArguments.Count > 0)
                layer.CallWithArguments(inputs, callArguments, masks.Count > 0 ? masks : null, training);
            else
                layer.Call(inputs, masks.Count > 0 ? masks : null, states.Count > 0 ? states : null, training);
            return true;
        }

        // A mask or initial_state argument: one reference [name, node, tensor], a list of them (null entries kept), or
        // Keras 3's __keras_tensor__ dictionaries.
        private static IEnumerable<IList?> TensorRefs(object? value)
        {
            if (value is null) yield break;
            if (Keras3History(value) is { } single) { yield return single; yield break; }
            if (value is IList list && list.Count > 0 && list[0] is string) { yield return list; yield break; }
            if (value is IList many)
                foreach (var item in many)
                    yield return item is null ? null : Keras3History(item) ?? item as IList;
        }

        // One symbolic tensor: Keras 3's __keras_tensor__ dictionary or Keras 2's [layer_name, node_index, tensor_index].
        private static bool IsTensorRef(object? value)
            => Keras3History(value) is not null || value is IList { Count: 3 or 4 } list && list[0] is string && list[1] is not null and not string && list[2] is not null and not string;

        private static IList? Keras3History(object? value)
            => value is IReadOnlyDictionary<string, object?> d && d.GetValueOrDefault("class_name") as string == "__keras_tensor__"
                && d.GetValueOrDefault("config") is IReadOnlyDictionary<string, object?> c ? c.GetValueOrDefault("keras_history") as IList : null;

        private static IEnumerable<object?> Flatten(object? value)
        {
            if (value is IList list && Keras3History(value) is null)
            {
                foreach (var item in list)
                    foreach (var inner in Flatten(item)) yield return inner;
            }
            else
            {
                yield return value;
            }
        }
    }
}
