using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace RnnSharp.Saving
{
    /// <summary>The work behind the models' save and load members (Keras's <c>saving</c> package), the same for every
    /// <see cref="SavingFormat"/>: the format reads and writes the file, <see cref="WeightMatcher"/> matches and checks.</summary>
    internal static class ModelSaving
    {
        public static void Save(Model model, string path, ArchiveKind kind)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    $"Model \"{model.Name}\" has not yet been built. Build the model first by calling Build(inputShape) or by calling the model on a batch of data.");
            var format = SavingFormats.ForPath(path);
            string? config = kind == ArchiveKind.Model ? format.SerializeModel(model) : null;
            AtomicFile.Write(path, stream => format.Write(stream, new ModelArchive(kind, config, DescribeLayers(model, format))));
        }

        public static void LoadWeights(Model model, string path, bool byName)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    $"Model \"{model.Name}\" has not yet been built, so it has no weights to load into: build it first (Build(inputShape), or give its first layer an inputShape).");
            var format = SavingFormats.ForPath(path);
            NamingTheWriter(format, path, () =>
            {
                IReadOnlyList<SavedLayer> saved;
                using (var stream = OpenRead(path))
                    saved = format.ReadLayers(stream, path, model, byName);
                WeightMatcher.Apply(WeightMatcher.Match(model, saved, format, path, byName));
                return 0;
            });
        }

        // Runs a load, adding the version of Keras that wrote the file (when the format knows it) to its errors.
        private static T NamingTheWriter<T>(SavingFormat format, string path, Func<T> load)
        {
            try
            {
                return load();
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or NotSupportedException)
            {
                string? writer;
                try
                {
                    using var stream = OpenRead(path);
                    writer = format.Writer(stream, path);
                }
                catch (Exception inner) when (inner is IOException or InvalidDataException or ArgumentException)
                {
                    writer = null;
                }
                if (writer is null) throw;
                string message = e is ArgumentException { ParamName: { } p } a && a.Message.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
                    ? a.Message[..^$" (Parameter '{p}')".Length] : e.Message;
                message += $" (The file was written by {writer}.)";
                throw e switch
                {
                    Layers.ShapeMismatchException => new Layers.ShapeMismatchException(message, e),
                    ArgumentException argument => new ArgumentException(message, argument.ParamName, e),
                    InvalidDataException => new InvalidDataException(message, e),
                    _ => new NotSupportedException(message, e),
                };
            }
        }

        public static Model Load(string path, bool sequentialOnly = false, bool compile = true)
        {
            var format = SavingFormats.ForPath(path);
            return NamingTheWriter(format, path, () => Load(format, path, sequentialOnly, compile));
        }

        private static Model Load(SavingFormat format, string path, bool sequentialOnly, bool compile)
        {
            ModelArchive archive;
            using (var stream = OpenRead(path))
                archive = format.Read(stream, path);
            if (archive.Kind != ArchiveKind.Model)
                throw new ArgumentException(
                    $"\"{path}\" holds only weights, not a model: build the model and call LoadWeights(path).", nameof(path));
            object? parsed;
            try
            {
                parsed = ConfigJson.Parse(archive.ModelConfig!);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Cannot load \"{path}\": its model config is not valid JSON ({e.Message}). Nothing was loaded.", e);
            }
            // Keras 2.0-2.2 wrote a Sequential's config as the bare list of its layers.
            if (parsed is not Dictionary<string, object?> root || root.GetValueOrDefault("config") is not (Dictionary<string, object?> or List<object?>))
                throw new InvalidDataException($"Cannot load \"{path}\": its model config is not {{\"class_name\": ..., \"config\": {{...}}}}. Nothing was loaded.");
            if (sequentialOnly && root.GetValueOrDefault("class_name") is string className && className != nameof(Sequential))
                throw new NotSupportedException($"Cannot load \"{path}\" as a Sequential model: it holds a {className} model; load it with Model.Load(path).");
            var model = Model.FromConfig(root);
            try
            {
                if (!model.Built)
                    throw new ArgumentException($"Cannot load \"{path}\": its model config gives no input shape, so the model cannot be built.", nameof(path));
                // The file is read again for a model only when it does not list its layers.
                IReadOnlyList<SavedLayer> saved;
                if (archive.ListsLayers)
                    saved = archive.Layers.ToList();
                else
                    using (var stream = OpenRead(path))
                        saved = format.ReadLayers(stream, path, model, byName: false);
                var assignments = WeightMatcher.Match(model, saved, format, path, byName: false);
                // Keras's load_model compiles the model as it was saved (compile_config), unless told not to.
                if (compile && root.GetValueOrDefault("compile_config") is IReadOnlyDictionary<string, object?> compileConfig)
                {
                    try
                    {
                        model.CompileFromConfig(compileConfig);
                    }
                    catch (ArgumentException e)
                    {
                        throw new ArgumentException($"Cannot load \"{path}\": its compile configuration cannot be restored ({e.Message}). " +
                            "Load it with compile: false to get the uncompiled model. Nothing was loaded.", nameof(path), e);
                    }
                }
                WeightMatcher.Apply(assignments);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        /// <summary>Keras's <c>{"class_name": ..., "config": {...}}</c> of the model, with the Keras version and backend
        /// the files write when asked.</summary>
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
        private static IEnumerable<SavedLayer> DescribeLayers(Model model, SavingFormat format)
        {
            var keras3Paths = KerasWeightNames.Keras3(model.Layers);
            for (int k = 0; k < model.Layers.Count; k++)
            {
                var layer = model.Layers[k];
                var infos = layer.Weights;
                var kerasNames = KerasWeightNames.Keras2(layer);
                var tensors = layer.GetWeights();
                try
                {
                    var weights = infos.Select((info, i) =>
                    {
                        using var contiguous = tensors[i].contiguous();
                        return new SavedWeight(info.Name, info.Shape.ToArray(), contiguous.data<float>().ToArray()) { KerasName = kerasNames[i], Keras3Path = keras3Paths[k][i] };
                    }).ToList();
                    yield return new SavedLayer(layer.Name, layer.ClassName, format.ConvertForSaving(layer, weights));
                }
                finally
                {
                    foreach (var t in tensors) t.Dispose();
                }
            }
        }

        private static FileStream OpenRead(string path)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"Unable to open file \"{path}\": no such file.", path);
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
    }
}
