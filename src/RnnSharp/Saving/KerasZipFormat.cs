using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.Json;
using RnnSharp.Layers;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Keras 3's <c>.keras</c> files (<c>saving_lib.save_model</c> / <c>load_model</c>), registered for <c>.keras</c>: a
    /// zip archive of
    /// <list type="bullet">
    /// <item><c>metadata.json</c>: <c>{"keras_version": ..., "date_saved": "YYYY-MM-DD@HH:MM:SS"}</c>;</item>
    /// <item><c>config.json</c>: the model in Keras 3's serialization (<see cref="Keras3Serialization"/>), with its
    /// <c>build_config</c> and, when the model is compiled, its <c>compile_config</c>;</item>
    /// <item><c>model.weights.h5</c>: the variables in Keras 3's weights layout (<c>layers/lstm/cell/vars/0</c>, ...), as
    /// <see cref="SavingFormats.Keras3Weights"/> writes and reads them.</item>
    /// </list>
    /// Members are stored uncompressed, in that order, as Keras writes them. A <c>.keras</c> file always holds a whole
    /// model: <c>SaveWeights</c> to it is refused, as in Keras 3. The layout is described in <c>docs/saving.md</c>.
    /// </summary>
    public sealed class KerasZipFormat : SavingFormat
    {
        /// <summary>The <c>keras_version</c> written in <c>metadata.json</c>: the Keras 3 release whose layout the file follows.</summary>
        public const string KerasVersion = "3.13.2";

        private const string ConfigName = "config.json";
        private const string MetadataName = "metadata.json";
        private const string WeightsName = "model.weights.h5";

        /// <inheritdoc />
        public override string Name => "keras";

        /// <summary>Keras 3's <c>config.json</c>: the model's Keras 3 serialization and its compile configuration.</summary>
        public override string SerializeModel(Model model)
        {
            var root = Keras3Serialization.Serialize(model);
            if (model.GetCompileConfig() is { } compile) root["compile_config"] = compile;
            return ConfigJson.Serialize(root);
        }

        /// <inheritdoc />
        public override void Write(Stream stream, ModelArchive archive)
        {
            if (archive.Kind != ArchiveKind.Model)
                throw new ArgumentException(
                    "A .keras file holds a whole model: call Save to write one, or SaveWeights to a .weights.h5 file (Keras 3's weights-only format).", nameof(archive));
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            var metadata = new Dictionary<string, object?>
            {
                ["keras_version"] = KerasVersion,
                ["date_saved"] = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
            };
            WriteEntry(zip, MetadataName, entry => entry.Write(Encoding.UTF8.GetBytes(ConfigJson.Serialize(metadata))));
            WriteEntry(zip, ConfigName, entry => entry.Write(Encoding.UTF8.GetBytes(archive.ModelConfig!)));
            // The HDF5 writer needs a seekable stream; a zip entry is not one.
            using var weights = new MemoryStream();
            KerasHdf5Format.WriteKeras3Weights(weights, archive.Layers);
            WriteEntry(zip, WeightsName, entry => weights.WriteTo(entry));
        }

        private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
        {
            using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            write(entry);
        }

        /// <summary>Reads the archive's config (as <see cref="ModelArchive.ModelConfig"/>); its weights are read for a
        /// model by <see cref="ReadLayers"/>, at the paths Keras 3 gives the model's layers.</summary>
        public override ModelArchive Read(Stream stream, string path)
        {
            using var zip = Open(stream, path);
            return new ModelArchive(ArchiveKind.Model, ReadText(zip, ConfigName, path), Array.Empty<SavedLayer>(), listsLayers: false);
        }

        /// <summary>The model's layers' weights from <c>model.weights.h5</c>, by layer order (Keras 3 stores no layer
        /// names).</summary>
        public override IReadOnlyList<SavedLayer> ReadLayers(Stream stream, string path, Model model, bool byName)
        {
            using var zip = Open(stream, path);
            if (zip.GetEntry(WeightsName) is not { } entry)
                throw zip.GetEntry("model.weights.npz") is not null
                    ? new NotSupportedException($"Cannot load \"{path}\": its weights are in Keras's npz format (model.weights.npz), which RnnSharp does not read; save it again with Keras's default weights_format=\"h5\". Nothing was loaded.")
                    : Corrupt(path, $"it has no {WeightsName}");
            using var weights = new MemoryStream();
            using (var source = entry.Open())
                source.CopyTo(weights);
            weights.Position = 0;
            return SavingFormats.Keras.ReadLayers(weights, $"{path} ({WeightsName})", model, byName);
        }

        /// <summary>Keras's conversions on load, as for its HDF5 files (<see cref="KerasWeightConversion"/>).</summary>
        public override IReadOnlyList<SavedWeight> ConvertForLoading(Layer layer, IReadOnlyList<SavedWeight> weights)
            => SavingFormats.Keras.ConvertForLoading(layer, weights);

        /// <summary>False: Keras 3 names weights only by index.</summary>
        public override bool ChecksWeightNames => false;

        /// <summary>The <c>keras_version</c> of <c>metadata.json</c> (e.g. <c>Keras 3.13.2</c>).</summary>
        public override string? Writer(Stream stream, string path)
        {
            using var zip = Open(stream, path);
            if (zip.GetEntry(MetadataName) is null) return null;
            try
            {
                return ConfigJson.Parse(ReadText(zip, MetadataName, path)) is Dictionary<string, object?> metadata
                    && metadata.GetValueOrDefault("keras_version") is string version ? $"Keras {version}" : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static ZipArchive Open(Stream stream, string path)
        {
            try
            {
                return new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(path, $"it is not a zip archive (truncated or corrupt: {e.Message})", e);
            }
        }

        private static string ReadText(ZipArchive zip, string name, string path)
        {
            var entry = zip.GetEntry(name) ?? throw Corrupt(path, $"it has no {name}");
            try
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                return reader.ReadToEnd();
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(path, $"its {name} cannot be read (truncated or corrupt: {e.Message})", e);
            }
        }

        private static InvalidDataException Corrupt(string path, string reason, Exception? inner = null)
            => new($"Cannot load \"{path}\": {reason}. Nothing was loaded.", inner);
    }
}
