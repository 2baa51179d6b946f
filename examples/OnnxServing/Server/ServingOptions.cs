using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OnnxServing.Server
{
    /// <summary>
    /// What the server serves and how: the ONNX model, the tokenizer for text requests, the embedding's vocabulary size
    /// (ids at or above it are refused), the padding of texts, and the request and threading limits.
    /// </summary>
    /// <param name="ModelPath">The exported ONNX model.</param>
    /// <param name="TokenizerPath">The tokenizer's JSON (Keras's <c>to_json</c> format), or <see langword="null"/> to accept ids only.</param>
    /// <param name="VocabularySize">The embedding's input dimension: valid ids are 0 (padding) to this minus one.</param>
    /// <param name="MaxLength">The length texts are padded or cut to, as in training.</param>
    public sealed record ServingOptions(string ModelPath, string? TokenizerPath, int VocabularySize, int MaxLength)
    {
        /// <summary>The name of the manifest the training step writes beside the model.</summary>
        public const string ManifestFileName = "serving.json";

        /// <summary><c>"pre"</c> or <c>"post"</c>: where texts' sequences are padded (Keras's <c>pad_sequences</c>).</summary>
        public string Padding { get; init; } = "post";

        /// <summary><c>"pre"</c> or <c>"post"</c>: which end of a longer sequence is cut.</summary>
        public string Truncating { get; init; } = "post";

        /// <summary>The most rows one request may hold.</summary>
        public int MaxBatchSize { get; init; } = 256;

        /// <summary>ONNX Runtime's intra-op threads; 0 lets it choose.</summary>
        public int IntraOpThreads { get; init; }

        /// <summary>The addresses to listen on, e.g. <c>http://127.0.0.1:5000</c>; port 0 picks a free port.</summary>
        public string Urls { get; init; } = "http://127.0.0.1:5000";

        /// <summary>Reads <c>serving.json</c> from <paramref name="directory"/>; its paths are relative to the directory.</summary>
        /// <param name="directory">The folder the training step wrote.</param>
        /// <returns>The options the manifest describes.</returns>
        /// <exception cref="FileNotFoundException">There is no manifest in <paramref name="directory"/>.</exception>
        /// <exception cref="InvalidDataException">The manifest lacks the model or a positive vocabulary size and maximum length.</exception>
        public static ServingOptions FromManifest(string directory)
        {
            string path = Path.Combine(directory, ManifestFileName);
            if (!File.Exists(path))
                throw new FileNotFoundException($"No {ManifestFileName} in \"{directory}\": run the Train step first (it writes the model, tokenizer and manifest).", path);
            Manifest manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path} holds null; expected an object.");
            if (string.IsNullOrEmpty(manifest.Model) || manifest.VocabularySize <= 0 || manifest.MaxLength <= 0)
                throw new InvalidDataException(
                    $"{path} must name \"model\" and give positive \"vocabulary_size\" and \"max_length\"; received model \"{manifest.Model}\", " +
                    $"vocabulary_size {manifest.VocabularySize}, max_length {manifest.MaxLength}.");
            return new ServingOptions(
                Path.Combine(directory, manifest.Model),
                string.IsNullOrEmpty(manifest.Tokenizer) ? null : Path.Combine(directory, manifest.Tokenizer),
                manifest.VocabularySize,
                manifest.MaxLength)
            {
                Padding = manifest.Padding ?? "post",
                Truncating = manifest.Truncating ?? "post",
            };
        }

        /// <summary>The manifest's JSON text for these options (paths written relative to the manifest's folder).</summary>
        /// <param name="modelFile">The model's file name in the folder.</param>
        /// <param name="tokenizerFile">The tokenizer's file name in the folder, or <see langword="null"/>.</param>
        /// <param name="vocabularySize">The embedding's input dimension.</param>
        /// <param name="maxLength">The padded length of texts.</param>
        /// <param name="padding">Where texts are padded.</param>
        /// <param name="truncating">Which end of a long text is cut.</param>
        /// <returns>The JSON text.</returns>
        public static string ManifestJson(string modelFile, string? tokenizerFile, int vocabularySize, int maxLength, string padding = "post", string truncating = "post") =>
            JsonSerializer.Serialize(new Manifest
            {
                Model = modelFile,
                Tokenizer = tokenizerFile,
                VocabularySize = vocabularySize,
                MaxLength = maxLength,
                Padding = padding,
                Truncating = truncating,
            }, new JsonSerializerOptions { WriteIndented = true });

        private sealed class Manifest
        {
            [JsonPropertyName("model")]
            public string? Model { get; set; }

            [JsonPropertyName("tokenizer")]
            public string? Tokenizer { get; set; }

            [JsonPropertyName("vocabulary_size")]
            public int VocabularySize { get; set; }

            [JsonPropertyName("max_length")]
            public int MaxLength { get; set; }

            [JsonPropertyName("padding")]
            public string? Padding { get; set; }

            [JsonPropertyName("truncating")]
            public string? Truncating { get; set; }
        }
    }
}
