using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace RnnSharp.Saving
{
    /// <summary>
    /// RnnSharp's own file format (format version 1): a ZIP archive holding
    /// <list type="bullet">
    /// <item><c>manifest.json</c>: <c>{"format": "rnnsharp", "format_version": 1, "kind": "model" | "weights",
    /// "rnnsharp_version": "0.1.0", "layers": [{"name": "lstm", "class_name": "LSTM", "weights": [{"name": "kernel",
    /// "shape": [2, 16], "dtype": "float32", "file": "weights/0/0.npy", "sha256": "…"}, …]}, …]}</c> — every layer of
    /// the model in order, layers without weights included with an empty list;</item>
    /// <item><c>config.json</c> (kind <c>model</c> only): <c>{"class_name": "Sequential", "config": {"name": …,
    /// "layers": [{"class_name": "LSTM", "config": {…}}, …], "build_input_shape": [null, 3, 2]}}</c>, the
    /// architecture with Keras's config keys;</item>
    /// <item><c>weights/L/W.npy</c>: weight W of layer L (zero-based), a NumPy <c>.npy</c> float32 array in Keras's
    /// layout, readable with <c>numpy.load</c>.</item>
    /// </list>
    /// Reading checks the manifest, the SHA-256 of every weight file and the <c>.npy</c> headers against the
    /// manifest, so a truncated or corrupt file raises <see cref="InvalidDataException"/> before anything is loaded.
    /// See <c>docs/saving.md</c>.
    /// </summary>
    public sealed class NativeFormat : SavingFormat
    {
        /// <summary>The <c>format</c> value of the manifest.</summary>
        public const string FormatName = "rnnsharp";

        /// <summary>The format version this class writes (and the newest it reads).</summary>
        public const int FormatVersion = 1;

        // Fixed entry times keep two saves of the same model byte-identical.
        private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

        /// <inheritdoc />
        public override string Name => FormatName;

        /// <inheritdoc />
        public override void Write(Stream stream, ModelArchive archive)
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            if (archive.ModelConfig is not null) WriteEntry(zip, "config.json", Encoding.UTF8.GetBytes(archive.ModelConfig), CompressionLevel.Optimal);
            var layers = new List<Dictionary<string, object?>>();
            int layerIndex = 0;
            foreach (var layer in archive.Layers)
            {
                var weights = new List<Dictionary<string, object?>>();
                for (int w = 0; w < layer.Weights.Count; w++)
                {
                    var weight = layer.Weights[w];
                    string file = string.Create(CultureInfo.InvariantCulture, $"weights/{layerIndex}/{w}.npy");
                    byte[] bytes = Data.NpyWriter.EncodeFloat32(weight.Shape, weight.Values);
                    WriteEntry(zip, file, bytes, CompressionLevel.NoCompression);
                    weights.Add(new Dictionary<string, object?>
                    {
                        ["name"] = weight.Name,
                        ["shape"] = weight.Shape.ToArray(),
                        ["dtype"] = "float32",
                        ["file"] = file,
                        ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)),
                    });
                }
                layers.Add(new Dictionary<string, object?> { ["name"] = layer.Name, ["class_name"] = layer.ClassName, ["weights"] = weights });
                layerIndex++;
            }
            var manifest = new Dictionary<string, object?>
            {
                ["format"] = FormatName,
                ["format_version"] = FormatVersion,
                ["kind"] = archive.Kind == ArchiveKind.Model ? "model" : "weights",
                ["rnnsharp_version"] = typeof(NativeFormat).Assembly.GetName().Version?.ToString(3) ?? "unknown",
                ["layers"] = layers,
            };
            // The manifest goes last: a file cut short while writing has none and is refused as a whole.
            WriteEntry(zip, "manifest.json", Encoding.UTF8.GetBytes(ConfigJson.Serialize(manifest)), CompressionLevel.Optimal);
        }

        /// <inheritdoc />
        public override ModelArchive Read(Stream stream, string path)
        {
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(path, $"it is truncated or not an RnnSharp file ({e.Message})", e);
            }
            using (zip)
            {
                var manifest = ReadJsonEntry(zip, "manifest.json", path) as Dictionary<string, object?>
                    ?? throw Corrupt(path, "its manifest.json is not a JSON object");
                if (Get(manifest, "format") as string != FormatName)
                    throw Corrupt(path, $"its manifest says format \"{Get(manifest, "format")}\", not \"{FormatName}\"");
                if (Get(manifest, "format_version") is not long version || version < 1)
                    throw Corrupt(path, "its manifest has no valid format_version");
                if (version > FormatVersion)
                    throw Corrupt(path, $"it has format version {version}, newer than the {FormatVersion} this RnnSharp reads");
                var kind = Get(manifest, "kind") switch
                {
                    "model" => ArchiveKind.Model,
                    "weights" => ArchiveKind.Weights,
                    var other => throw Corrupt(path, $"its manifest has an unknown kind \"{other}\""),
                };
                string? config = null;
                if (kind == ArchiveKind.Model)
                {
                    var entry = zip.GetEntry("config.json") ?? throw Corrupt(path, "it is a model file without config.json");
                    config = Encoding.UTF8.GetString(ReadEntry(entry, path, "config.json"));
                }
                if (Get(manifest, "layers") is not List<object?> layerList)
                    throw Corrupt(path, "its manifest has no layer list");
                var layers = new List<SavedLayer>();
                foreach (var (item, index) in layerList.Select((item, index) => (item, index)))
                    layers.Add(ReadLayer(zip, item, index, path));
                return new ModelArchive(kind, config, layers);
            }
        }

        private static SavedLayer ReadLayer(ZipArchive zip, object? item, int index, string path)
        {
            if (item is not Dictionary<string, object?> layer || Get(layer, "name") is not string name
                || Get(layer, "class_name") is not string className || Get(layer, "weights") is not List<object?> weightList)
                throw Corrupt(path, $"layer #{index} of its manifest is malformed");
            var weights = new List<SavedWeight>();
            foreach (var (weightItem, w) in weightList.Select((x, i) => (x, i)))
            {
                if (weightItem is not Dictionary<string, object?> weight || Get(weight, "name") is not string weightName
                    || Get(weight, "file") is not string file || Get(weight, "sha256") is not string sha
                    || Get(weight, "shape") is not List<object?> shapeList || shapeList.Any(d => d is not long))
                    throw Corrupt(path, $"weight #{w} of layer \"{name}\" in its manifest is malformed");
                string what = $"layer \"{name}\" weight \"{weightName}\" ({file})";
                if (Get(weight, "dtype") is string dtype && dtype != "float32")
                    throw Corrupt(path, $"{what} has dtype {dtype}; only float32 is supported");
                var entry = zip.GetEntry(file) ?? throw Corrupt(path, $"{what} is missing from the archive");
                byte[] bytes = ReadEntry(entry, path, what);
                if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha, StringComparison.OrdinalIgnoreCase))
                    throw Corrupt(path, $"{what} is corrupt (its SHA-256 does not match the manifest)");
                long[] shape = shapeList.Select(d => (long)d!).ToArray();
                (long[] Shape, float[] Values) array;
                try
                {
                    array = Data.NpyReader.ParseFloat32(bytes, what);
                }
                catch (InvalidDataException e)
                {
                    throw Corrupt(path, e.Message, e);
                }
                if (!array.Shape.SequenceEqual(shape))
                    throw Corrupt(path, $"{what} holds shape {Utils.ShapeUtils.Format(array.Shape)} but the manifest says {Utils.ShapeUtils.Format(shape)}");
                weights.Add(new SavedWeight(weightName, shape, array.Values));
            }
            return new SavedLayer(name, className, weights);
        }

        private static object? ReadJsonEntry(ZipArchive zip, string name, string path)
        {
            var entry = zip.GetEntry(name) ?? throw Corrupt(path, $"it has no {name} (not an RnnSharp file, or written incompletely)");
            try
            {
                return ConfigJson.Parse(Encoding.UTF8.GetString(ReadEntry(entry, path, name)));
            }
            catch (JsonException e)
            {
                throw Corrupt(path, $"its {name} is not valid JSON ({e.Message})", e);
            }
        }

        private static byte[] ReadEntry(ZipArchiveEntry entry, string path, string what)
        {
            try
            {
                using var input = entry.Open();
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                return buffer.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw Corrupt(path, $"{what} cannot be read ({e.Message})", e);
            }
        }

        private static void WriteEntry(ZipArchive zip, string name, byte[] bytes, CompressionLevel level)
        {
            var entry = zip.CreateEntry(name, level);
            entry.LastWriteTime = EntryTime;
            using var output = entry.Open();
            output.Write(bytes);
        }

        private static object? Get(Dictionary<string, object?> dictionary, string key) => dictionary.TryGetValue(key, out var value) ? value : null;

        private static InvalidDataException Corrupt(string path, string reason, Exception? inner = null)
            => new($"Cannot load \"{path}\": {reason}. Nothing was loaded.", inner);
    }
}
