using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Losses;
using RnnSharp.Optimizers;

namespace RnnSharp.Trainers
{
    // Keras 3's Trainer.get_compile_config and compile_from_config: what Compile was given, as a .keras file stores it.
    public abstract partial class Trainer
    {
        /// <summary>
        /// What <c>Compile</c> was given, as Keras 3's <c>get_compile_config()</c> (the <c>compile_config</c> of a
        /// <c>.keras</c> file): <c>optimizer</c>, <c>loss</c> and the losses' objects in Keras 3's serialized form,
        /// <c>loss_weights</c>, <c>metrics</c> by name (one list, or one per output), and Keras's execution options at
        /// their defaults. Null before <c>Compile</c>.
        /// </summary>
        public Dictionary<string, object?>? GetCompileConfig()
        {
            var state = Compiled;
            if (state is null) return null;
            bool multi = state.OutputNames.Count > 1;
            object? loss = state.Loss is { } single ? single.Serialize() : state.Losses.Select(l => (object?)l?.Serialize()).ToList();
            object? lossWeights = state.LossWeights.All(w => w == 1.0) ? null : state.LossWeights.Select(w => (object?)w).ToList();
            var names = state.MetricNames;
            object? metrics = names.All(n => n.Count == 0) ? null
                : !multi || names.All(n => n.SequenceEqual(names[0])) ? names[0].Select(n => (object?)n).ToList()
                : names.Select(n => (object?)n.Select(m => (object?)m).ToList()).ToList();
            return new Dictionary<string, object?>
            {
                ["optimizer"] = state.Optimizer.Serialize(),
                ["loss"] = loss,
                ["loss_weights"] = lossWeights,
                ["metrics"] = metrics,
                ["weighted_metrics"] = null,
                ["run_eagerly"] = false,
                ["steps_per_execution"] = 1,
                ["jit_compile"] = false,
            };
        }

        /// <summary>
        /// Compiles the model from a compile configuration as <see cref="GetCompileConfig"/> returns it or Keras 3
        /// writes it (Keras's <c>compile_from_config</c>, which <see cref="Model.Load(string, bool)"/> calls): the
        /// optimizer, the loss (one, a list per output or a dict by output name; names, Keras 3 loss functions or loss
        /// objects), <c>loss_weights</c> and <c>metrics</c> (names or metric objects; one list for every output, a list per
        /// output or a dict). A config without a loss leaves the model uncompiled, as RnnSharp cannot train without one.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown optimizer, loss or metric, an option RnnSharp does not have
        /// (e.g. <c>weighted_metrics</c>), or lists that do not fit the model's outputs.</exception>
        public void CompileFromConfig(IReadOnlyDictionary<string, object?> config)
        {
            ArgumentNullException.ThrowIfNull(config);
            var outputs = AsModel().OutputNames;
            if (config.GetValueOrDefault("weighted_metrics") is IEnumerable weighted and not string && weighted.Cast<object?>().Any())
                throw new ArgumentException($"Model \"{Name}\": the compile config's weighted_metrics are not supported by RnnSharp.", nameof(config));
            var lossValue = config.GetValueOrDefault("loss");
            if (lossValue is null) return;
            var optimizer = Optimizer.Deserialize(config.GetValueOrDefault("optimizer") ?? "rmsprop");
            IReadOnlyList<Loss?> losses = lossValue switch
            {
                IReadOnlyDictionary<string, object?> byName when !byName.ContainsKey("class_name") => outputs.Select(o => byName.GetValueOrDefault(o) is { } l ? Loss.Deserialize(l) : null).ToArray(),
                IList list => list.Cast<object?>().Select(l => l is null ? null : Loss.Deserialize(l)).ToArray(),
                _ => Enumerable.Repeat(Loss.Deserialize(lossValue), outputs.Count).ToArray(),
            };
            IReadOnlyList<double>? weights = config.GetValueOrDefault("loss_weights") switch
            {
                null => null,
                IReadOnlyDictionary<string, object?> byName => outputs.Select(o => byName.GetValueOrDefault(o) is { } w ? Convert.ToDouble(w, System.Globalization.CultureInfo.InvariantCulture) : 1.0).ToArray(),
                IList list => list.Cast<object?>().Select(w => Convert.ToDouble(w, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
                var other => throw new ArgumentException($"Model \"{Name}\": the compile config's loss_weights should be a list or a dict, found {other}.", nameof(config)),
            };
            IReadOnlyList<IReadOnlyList<string>> metrics = config.GetValueOrDefault("metrics") switch
            {
                null => outputs.Select(_ => (IReadOnlyList<string>)Array.Empty<string>()).ToArray(),
                IReadOnlyDictionary<string, object?> byName => outputs.Select(o => MetricNamesOf(byName.GetValueOrDefault(o))).ToArray(),
                IList list when list.Cast<object?>().Any(m => m is IList) => list.Cast<object?>().Select(MetricNamesOf).ToArray(),
                var all => outputs.Select(_ => MetricNamesOf(all)).ToArray(),
            };
            Compile(optimizer, losses, weights, metrics);
        }

        // Metric names from a compile config entry: a name, a metric object ({"class_name": "BinaryAccuracy", "config":
        // {"name": ...}}, by its Keras name), or a list of those.
        private static IReadOnlyList<string> MetricNamesOf(object? entry) => entry switch
        {
            null => Array.Empty<string>(),
            string name => new[] { name },
            IReadOnlyDictionary<string, object?> obj when obj.GetValueOrDefault("class_name") is string className
                => new[] { className == "function" && obj.GetValueOrDefault("config") is string function ? function : Utils.NameUtils.ToSnakeCase(className) },
            IList list => list.Cast<object?>().SelectMany(MetricNamesOf).ToArray(),
            _ => throw new ArgumentException($"A compile config's metric must be a name or a metric object, not {entry}."),
        };
    }
}
