using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PureHDF;
using PureHDF.VOL.Native;
using RnnSharp.Layers;
using RnnSharp.Utils;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Keras's HDF5 files, through the PureHDF library: registered for <c>.h5</c> and <c>.hdf5</c>, and in Keras 3's
    /// layout for <c>.weights.h5</c>.
    /// <list type="bullet">
    /// <item>Writes Keras 2's layout (<c>model.save_weights("w.h5")</c>, and <c>model.save("m.h5")</c> with the
    /// architecture in the <c>model_config</c> attribute and the weights in the <c>model_weights</c> group), which Keras
    /// 2 and Keras 3 load; or, as <see cref="SavingFormats.Keras3Weights"/>, Keras 3's <c>save_weights("w.weights.h5")</c>
    /// layout (each variable at its attribute path, <c>layers/lstm/cell/vars/0</c>), which Keras 3 loads.</item>
    /// <item>Loads Keras 2 files of both kinds, by layer order or by layer name, and Keras 3 <c>.weights.h5</c> files
    /// (<c>model.save_weights("w.weights.h5")</c>), by layer order.</item>
    /// </list>
    /// The layout written is described in <c>docs/saving.md</c>.
    /// </summary>
    public sealed class KerasHdf5Format : SavingFormat
    {
        /// <summary>The <c>keras_version</c> attribute written: the Keras 2 release whose layout the file follows.</summary>
        public const string KerasVersion = "2.15.0";

        /// <summary>The <c>backend</c> attribute written (Keras's default backend).</summary>
        public const string BackendName = "tensorflow";

        private readonly bool keras3Layout;

        /// <summary>Creates the format writing Keras 2's layout.</summary>
        public KerasHdf5Format() : this(keras3Layout: false)
        {
        }

        /// <summary>Creates the format writing Keras 2's layout, or Keras 3's weights layout.</summary>
        internal KerasHdf5Format(bool keras3Layout) => this.keras3Layout = keras3Layout;

        /// <inheritdoc />
        public override string Name => keras3Layout ? "keras3-weights-hdf5" : "keras-hdf5";

        /// <inheritdoc />
        public override void Write(Stream stream, ModelArchive archive)
        {
            if (keras3Layout)
            {
                if (archive.Kind != ArchiveKind.Weights)
                    throw new ArgumentException(
                        "A .weights.h5 file holds only weights (Keras 3's save_weights): save the whole model to a .keras file (Keras 3) or a .h5 file (Keras 2), or call SaveWeights.", nameof(archive));
                WriteKeras3Weights(stream, archive.Layers);
                return;
            }
            var file = new H5File();
            var layers = archive.Layers.ToList();
            H5Group weights = file;
            if (archive.Kind == ArchiveKind.Model)
            {
                file.Attributes["model_config"] = archive.ModelConfig!;
                file.Attributes["keras_version"] = KerasVersion;
                file.Attributes["backend"] = BackendName;
                weights = new H5Group();
                file["model_weights"] = weights;
            }
            weights.Attributes["layer_names"] = layers.Select(l => l.Name).ToArray();
            weights.Attributes["backend"] = BackendName;
            weights.Attributes["keras_version"] = KerasVersion;
            // Keras creates the layer groups sorted by name.
            foreach (var layer in layers.OrderBy(l => l.Name, StringComparer.Ordinal))
            {
                var group = new H5Group();
                var names = layer.Weights.Select(w => w.KerasName ?? $"{layer.Name}/{w.Name}:0").ToArray();
                group.Attributes["weight_names"] = names;
                for (int i = 0; i < names.Length; i++)
                {
                    var w = layer.Weights[i];
                    Place(group, names[i], new H5Dataset(w.Values, fileDims: w.Shape.Select(d => (ulong)d).ToArray()));
                }
                weights[layer.Name] = group;
            }
            file.Write(stream);
        }

        /// <summary>
        /// Keras 3's weights layout (<c>saving_lib.H5IOStore</c>): every variable as a dataset at its saveable's attribute
        /// path, <c>layers/lstm/cell/vars/0</c>, ... (see <see cref="KerasWeightNames.Keras3"/>); the model's own
        /// <c>vars</c> group is empty. A layer without variables writes no group (Keras 3 creates none either).
        /// </summary>
        internal static void WriteKeras3Weights(Stream stream, IEnumerable<SavedLayer> layers)
        {
            var file = new H5File { ["vars"] = new H5Group() };
            foreach (var layer in layers)
                foreach (var w in layer.Weights)
                {
                    string path = w.Keras3Path ?? throw new InvalidOperationException($"Weight \"{w.Name}\" of layer \"{layer.Name}\" has no Keras 3 path.");
                    Place(file, path, new H5Dataset(w.Values, fileDims: w.Shape.Select(d => (ulong)d).ToArray()));
                }
            file.Write(stream);
        }

        // A weight named "lstm/lstm_cell/kernel:0" is the dataset kernel:0 in the groups lstm/lstm_cell.
        private static void Place(H5Group group, string path, H5Dataset dataset)
        {
            var parts = path.Split('/');
            for (int i = 0; i < parts.Length - 1; i++)
            {
                if (!group.TryGetValue(parts[i], out var child) || child is not H5Group next)
                {
                    next = new H5Group();
                    group[parts[i]] = next;
                }
                group = next;
            }
            group[parts[^1]] = dataset;
        }

        /// <summary>Reads a Keras 2 file as an archive (weight names shortened to Keras's <c>kernel</c>, ..., the full
        /// variable name kept as <see cref="SavedWeight.KerasName"/>). A Keras 3 <c>.weights.h5</c> file is a weights
        /// archive whose layers only <see cref="ReadLayers"/> reads, for a model.</summary>
        public override ModelArchive Read(Stream stream, string path)
        {
            using var file = Open(stream, path);
            return Guard(path, () => Keras2Root(file, path) is var (group, config)
                ? new ModelArchive(config is null ? ArchiveKind.Weights : ArchiveKind.Model, config, ReadKeras2(group, path))
                : new ModelArchive(ArchiveKind.Weights, null, Array.Empty<SavedLayer>(), listsLayers: false));
        }

        /// <summary>
        /// Keras 2 files list their layers (<see cref="Read"/>). Keras 3's <c>.weights.h5</c> files do not: each of the
        /// model's layers with weights reads them at the paths Keras 3 gives it (<c>layers/lstm/cell/vars/0</c>, ...), so
        /// they load by layer order only.
        /// </summary>
        public override IReadOnlyList<SavedLayer> ReadLayers(Stream stream, string path, Model model, bool byName)
        {
            using var file = Open(stream, path);
            return Guard(path, () =>
            {
                if (Keras2Root(file, path) is { } root) return ReadKeras2(root.Group, path);
                string Fail(string reason) => $"Cannot load \"{path}\" into model \"{model.Name}\": {reason} Nothing was loaded.";
                if (byName)
                    throw new ArgumentException(Fail("it is a Keras 3 .weights.h5 file, which stores no layer names; load it by layer order (byName: false)."), nameof(byName));
                if (!file.LinkExists("layers"))
                    throw new InvalidDataException(Fail("it is neither a Keras 2 weights file (no layer_names attribute) nor a Keras 3 .weights.h5 file (no layers group)."));
                var paths = KerasWeightNames.Keras3(model.Layers);
                var layers = new List<SavedLayer>();
                for (int k = 0; k < model.Layers.Count; k++)
                {
                    var layer = model.Layers[k];
                    if (layer.Weights.Count == 0) continue;
                    var weights = new List<SavedWeight>();
                    foreach (var datasetPath in paths[k])
                    {
                        if (!LinkExists(file, datasetPath))
                            throw new ArgumentException(Fail(
                                $"layer #{k} (named \"{layer.Name}\", {layer.ClassName}) expects its weights at {string.Join(", ", paths[k])}, but the file has no {datasetPath}."), nameof(path));
                        weights.Add(ReadArray(file.Dataset(datasetPath), datasetPath));
                    }
                    layers.Add(new SavedLayer(paths[k][0].Split("/vars/")[0], "", weights));
                }
                return layers;
            });
        }

        /// <summary>Keras's conversions on load (<see cref="KerasWeightConversion"/>): Bidirectional halves,
        /// TimeDistributed's inner layer, cuDNN LSTM/GRU layouts.</summary>
        public override IReadOnlyList<SavedWeight> ConvertForLoading(Layer layer, IReadOnlyList<SavedWeight> weights)
            => KerasWeightConversion.Preprocess(layer, weights);

        /// <summary>The <c>keras_version</c> and <c>backend</c> a Keras 2 file records (at its root, or in its weights group),
        /// or "Keras 3" for a <c>.weights.h5</c> file, which records none.</summary>
        public override string? Writer(Stream stream, string path)
        {
            using var file = Open(stream, path);
            return Guard(path, () =>
            {
                IH5Object? holder = file.AttributeExists("keras_version") ? file : Keras2Root(file, path)?.Group;
                if (holder is null) return file.LinkExists("layers") ? "Keras 3" : null;
                string? version = holder.AttributeExists("keras_version") ? ReadString(holder.Attribute("keras_version")) : null;
                string? backend = holder.AttributeExists("backend") ? ReadString(holder.Attribute("backend")) : null;
                if (version is null && backend is null) return null;
                return $"Keras {version ?? "(version not recorded)"}" + (backend is null ? "" : $" (backend: {backend})");
            });
        }

        /// <summary>A nested model's weights as Keras 2 stores them (trainable first, see <see cref="KerasWeightConversion"/>).</summary>
        public override IReadOnlyList<SavedWeight> ConvertForSaving(Layer layer, IReadOnlyList<SavedWeight> weights)
            => keras3Layout ? weights : KerasWeightConversion.ForSaving(layer, weights);

        /// <summary>False: Keras matches weights by count and shape (a Keras 3 file names them only by index).</summary>
        public override bool ChecksWeightNames => false;

        private static bool LinkExists(IH5Group group, string path)
        {
            var parts = path.Split('/');
            for (int i = 0; i < parts.Length; i++)
            {
                if (!group.LinkExists(parts[i])) return false;
                if (i < parts.Length - 1)
                {
                    if (group.Get(parts[i]) is not IH5Group next) return false;
                    group = next;
                }
            }
            return true;
        }

        // The group holding layer_names: the root of a save_weights file, or model_weights of a full-model file.
        private static (IH5Group Group, string? Config)? Keras2Root(NativeFile file, string path)
        {
            string? config = file.AttributeExists("model_config") ? ReadString(file.Attribute("model_config")) : null;
            if (HasAttribute(file, "layer_names")) return (file, config);
            if (file.LinkExists("model_weights") && file.Group("model_weights") is var weights && HasAttribute(weights, "layer_names"))
                return (weights, config);
            return null;
        }

        // Keras splits attributes too large for an object header into name0, name1, ...
        private static bool HasAttribute(IH5Object obj, string name) => obj.AttributeExists(name) || obj.AttributeExists(name + "0");

        private static string[] ReadStrings(IH5Object obj, string name)
        {
            if (obj.AttributeExists(name)) return ReadStringArray(obj.Attribute(name));
            var all = new List<string>();
            for (int chunk = 0; obj.AttributeExists(name + chunk); chunk++) all.AddRange(ReadStringArray(obj.Attribute(name + chunk)));
            return all.ToArray();
        }

        private static string[] ReadStringArray(IH5Attribute attribute)
        {
            // An empty list is written by h5py as an empty float array.
            if (attribute.Space.Dimensions.Aggregate(1UL, (a, b) => a * b) == 0) return Array.Empty<string>();
            if (attribute.Type.Class is not (H5DataTypeClass.String or H5DataTypeClass.VariableLength)) return Array.Empty<string>();
            return attribute.Space.Type == H5DataspaceType.Scalar ? new[] { attribute.Read<string>() } : attribute.Read<string[]>();
        }

        private static string ReadString(IH5Attribute attribute)
            => attribute.Space.Type == H5DataspaceType.Scalar ? attribute.Read<string>() : string.Concat(attribute.Read<string[]>());

        private static IReadOnlyList<SavedLayer> ReadKeras2(IH5Group root, string path)
        {
            var result = new List<SavedLayer>();
            foreach (var layerName in ReadStrings(root, "layer_names"))
            {
                if (!root.LinkExists(layerName))
                    throw Corrupt(path, $"its layer_names lists \"{layerName}\" but it has no group of that name");
                var group = root.Group(layerName);
                var weights = ReadStrings(group, "weight_names").Select(name =>
                {
                    if (!LinkExists(group, name))
                        throw Corrupt(path, $"layer \"{layerName}\" lists weight \"{name}\" but it has no such dataset");
                    return ReadArray(group.Dataset(name), name);
                }).ToList();
                result.Add(new SavedLayer(layerName, "", weights));
            }
            return result;
        }

        // A weight named by its Keras variable name (lstm/lstm_cell/kernel:0) or dataset path (layers/lstm/cell/vars/0).
        private static SavedWeight ReadArray(IH5Dataset dataset, string name)
        {
            long[] shape = dataset.Space.Dimensions.Select(d => checked((long)d)).ToArray();
            if (dataset.Type.Class != H5DataTypeClass.FloatingPoint)
                throw new InvalidDataException($"Weight \"{name}\" is of HDF5 type {dataset.Type.Class}, not floating point.");
            float[] values = dataset.Type.Size switch
            {
                4 => dataset.Read<float[]>(),
                8 => dataset.Read<double[]>().Select(v => (float)v).ToArray(),
                _ => throw new InvalidDataException($"Weight \"{name}\" has {dataset.Type.Size}-byte floats; float32 and float64 are supported."),
            };
            if (values.LongLength != shape.Aggregate(1L, (a, b) => a * b))
                throw new InvalidDataException($"Weight \"{name}\" holds {values.Length} values for shape {ShapeUtils.Format(shape)}.");
            return new SavedWeight(ShortName(name), shape, values) { KerasName = name };
        }

        private static string ShortName(string kerasName)
        {
            string last = kerasName[(kerasName.LastIndexOf('/') + 1)..];
            int colon = last.LastIndexOf(':');
            return colon > 0 ? last[..colon] : last;
        }

        private static NativeFile Open(Stream stream, string path)
        {
            try
            {
                return H5File.Open(stream, leaveOpen: true);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw Corrupt(path, $"it is not a readable HDF5 file (truncated or corrupt: {e.Message})", e);
            }
        }

        // PureHDF reports a damaged file with its own exceptions as it reads: turn them into Keras-file errors.
        private static T Guard<T>(string path, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is not (ArgumentException or InvalidDataException or OutOfMemoryException))
            {
                throw Corrupt(path, $"it cannot be read as a Keras HDF5 file (truncated or corrupt: {e.Message})", e);
            }
        }

        private static InvalidDataException Corrupt(string path, string reason, Exception? inner = null)
            => new($"Cannot load \"{path}\": {reason}. Nothing was loaded.", inner);
    }
}
