using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnSharp.Layers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Saving
{
    /// <summary>The work behind <see cref="Sequential"/>'s save and load members (Keras's <c>saving</c> package).</summary>
    internal static class ModelSaving
    {
        public static void Save(Model model, string path, ArchiveKind kind)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    $"Model \"{model.Name}\" has not yet been built. Build the model first by calling Build(inputShape) or by calling the model on a batch of data.");
            var format = SavingFormats.ForPath(path);
            string? config = kind == ArchiveKind.Model ? ConfigJson.Serialize(ModelConfig(model)) : null;
            AtomicFile.Write(path, stream => format.Write(stream, new ModelArchive(kind, config, DescribeLayers(model))));
        }

        public static void LoadWeights(Model model, string path, bool byName = false)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    $"Model \"{model.Name}\" has not yet been built, so it has no weights to load into: build it first (Build(inputShape), or give its first layer an inputShape).");
            if (SavingFormats.ForPath(path) is KerasHdf5Format)
            {
                KerasHdf5Format.LoadInto(model, path, byName);
                return;
            }
            var archive = Read(path);
            SetWeights(model, archive.Layers.ToList(), path, byName);
        }

        public static Sequential Load(string path)
        {
            if (SavingFormats.ForPath(path) is KerasHdf5Format)
                return LoadKeras(path);
            var archive = Read(path);
            if (archive.Kind != ArchiveKind.Model)
                throw new ArgumentException(
                    $"\"{path}\" holds only weights (written by SaveWeights), not a model: build the model and call LoadWeights(path).", nameof(path));
            object? parsed;
            try
            {
                parsed = ConfigJson.Parse(archive.ModelConfig!);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Cannot load \"{path}\": its config.json is not valid JSON ({e.Message}). Nothing was loaded.", e);
            }
            if (parsed is not Dictionary<string, object?> root || root.GetValueOrDefault("config") is not Dictionary<string, object?> config)
                throw new InvalidDataException($"Cannot load \"{path}\": its config.json has no model config. Nothing was loaded.");
            if (root.GetValueOrDefault("class_name") is string className && className != nameof(Sequential))
                throw new NotSupportedException($"Cannot load \"{path}\": it holds a {className}; only Sequential models are supported.");
            var model = Sequential.FromConfig(config);
            try
            {
                SetWeights(model, archive.Layers.ToList(), path);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        // A Keras full-model HDF5 file: the architecture from model_config, the weights from model_weights.
        private static Sequential LoadKeras(string path)
        {
            string config = KerasHdf5Format.ReadModelConfig(path)
                ?? throw new ArgumentException(
                    $"\"{path}\" holds only weights (no model_config attribute), not a model: build the model and call LoadWeights(path).", nameof(path));
            Sequential model;
            try
            {
                model = Sequential.FromJson(config);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Cannot load \"{path}\": its model_config is not valid JSON ({e.Message}). Nothing was loaded.", e);
            }
            try
            {
                if (!model.Built)
                    throw new ArgumentException($"Cannot load \"{path}\": its model_config gives no input shape, so the model cannot be built.", nameof(path));
                KerasHdf5Format.LoadInto(model, path, byName: false);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        /// <summary>Keras's <c>{"class_name": "Sequential", "config": {...}}</c> with <c>build_input_shape</c>.</summary>
        internal static Dictionary<string, object?> ModelConfig(Model model, bool withVersion = false)
        {
            var root = model.Serialize();
            if (withVersion)
            {
                root["keras_version"] = KerasHdf5Format.KerasVersion;
                root["backend"] = KerasHdf5Format.BackendName;
            }
            return root;
        }

        /// <summary>Each layer's weights, read one layer at a time as the format writes them.</summary>
        private static IEnumerable<SavedLayer> DescribeLayers(Model model)
        {
            foreach (var layer in model.Layers)
            {
                var infos = layer.Weights;
                var kerasNames = KerasWeightNames.Keras2(layer);
                var tensors = layer.GetWeights();
                try
                {
                    var weights = infos.Select((info, i) =>
                    {
                        using var contiguous = tensors[i].contiguous();
                        return new SavedWeight(info.Name, info.Shape.ToArray(), contiguous.data<float>().ToArray()) { KerasName = kerasNames[i] };
                    }).ToList();
                    yield return new SavedLayer(layer.Name, layer.GetType().Name, weights);
                }
                finally
                {
                    foreach (var t in tensors) t.Dispose();
                }
            }
        }

        private static ModelArchive Read(string path)
        {
            var format = SavingFormats.ForPath(path);
            if (!File.Exists(path))
                throw new FileNotFoundException($"Unable to open file \"{path}\": no such file.", path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return format.Read(stream, path);
        }

        /// <summary>
        /// Matches the saved layers that have weights with the model's layers that have weights, in order (as Keras's
        /// <c>load_weights</c> without <c>by_name</c>), checks every count, name and shape, and only then sets them.
        /// </summary>
        private static void SetWeights(Model model, IReadOnlyList<SavedLayer> saved, string path, bool byName = false)
        {
            if (byName)
            {
                // Keras's by_name: each saved layer goes to the model's layer of the same name; others are left as they are.
                var pairs = saved.SelectMany(s => model.Layers.Where(l => l.Name == s.Name).Select(l => (Layer: l, Saved: s))).ToList();
                foreach (var (layer, source) in pairs) Check(model, layer, source, path, pairs.FindIndex(p => p.Layer == layer));
                using var byNameScope = NewDisposeScope();
                foreach (var (layer, source) in pairs)
                    layer.SetWeights(source.Weights.Select(w => tensor(w.Values, w.Shape.ToArray())).ToArray());
                return;
            }
            var targets = model.Layers.Where(l => l.Weights.Count > 0).ToList();
            var sources = saved.Where(l => l.Weights.Count > 0).ToList();
            string Fail(string reason) => $"Cannot load \"{path}\" into model \"{model.Name}\": {reason} Nothing was loaded.";
            if (sources.Count != targets.Count)
                throw new ArgumentException(Fail(
                    $"You are trying to load a weight file containing {sources.Count} layers into a model with {targets.Count} layers " +
                    $"(file: {Names(sources.Select(s => (s.Name, s.ClassName)))}; model: {Names(targets.Select(t => (t.Name, t.GetType().Name)))})."), nameof(path));
            for (int k = 0; k < targets.Count; k++)
                Check(model, targets[k], sources[k], path, k);
            // Everything matches: nothing below can fail on shapes.
            using var scope = NewDisposeScope();
            for (int k = 0; k < targets.Count; k++)
                targets[k].SetWeights(sources[k].Weights.Select(w => tensor(w.Values, w.Shape.ToArray())).ToArray());
        }

        private static void Check(Model model, Layer layer, SavedLayer source, string path, int k)
        {
            string Fail(string reason) => $"Cannot load \"{path}\" into model \"{model.Name}\": {reason} Nothing was loaded.";
            {
                var expected = layer.Weights;
                string here = $"layer #{k} (named \"{layer.Name}\", {layer.GetType().Name}, in the current model) corresponds to layer \"{source.Name}\" ({source.ClassName}) in the file, but";
                if (source.Weights.Count != expected.Count)
                    throw new ArgumentException(Fail(
                        $"{here} the model's layer expects {expected.Count} weights ({Describe(expected.Select(w => (w.Name, w.Shape)))}) " +
                        $"and the file has {source.Weights.Count} ({Describe(source.Weights.Select(w => (w.Name, w.Shape)))})."), nameof(path));
                for (int i = 0; i < expected.Count; i++)
                {
                    var want = expected[i];
                    var have = source.Weights[i];
                    if (want.Name != have.Name)
                        throw new ArgumentException(Fail($"{here} its weight #{i} is \"{want.Name}\" and the file's is \"{have.Name}\"."), nameof(path));
                    if (!want.Shape.SequenceEqual(have.Shape))
                        throw new ShapeMismatchException(Fail(
                            $"layer \"{layer.Name}\" weight \"{want.Name}\" expects shape {ShapeUtils.Format(want.Shape)}, " +
                            $"but the file holds shape {ShapeUtils.Format(have.Shape)} (layer \"{source.Name}\", {source.ClassName})."));
                }
            }
        }

        private static string Names(IEnumerable<(string Name, string ClassName)> layers)
            => string.Join(", ", layers.Select(l => $"\"{l.Name}\" ({l.ClassName})"));

        private static string Describe(IEnumerable<(string Name, IReadOnlyList<long> Shape)> weights)
            => string.Join(", ", weights.Select(w => w.Name + " " + ShapeUtils.Format(w.Shape)));
    }
}
