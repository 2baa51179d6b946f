using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace RnnSharp.Data
{
    /// <summary>
    /// Text tokenization utility, a port of Keras's <c>keras.preprocessing.text.Tokenizer</c>: it builds a
    /// vocabulary ranked by word frequency and turns texts into sequences of word indices and back.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Index 0 is reserved (it is the padding value of <see cref="Sequence.PadSequences"/>) and never assigned.
    /// After <see cref="FitOnTexts"/>, <see cref="WordIndex"/> numbers the words from 1 by descending count, ties
    /// broken by first appearance (Keras sorts its first-seen ordered counts with Python's stable sort), and the
    /// out-of-vocabulary token, when given, takes index 1.
    /// </para>
    /// <para>
    /// <see cref="NumWords"/> does not shrink the vocabulary: as in Keras, only words whose index is below it are
    /// emitted by <see cref="TextsToSequences"/>; the others are dropped, or replaced by the out-of-vocabulary
    /// index when <see cref="OovToken"/> is set. A <see cref="NumWords"/> of 0 means no limit (Python falsiness).
    /// </para>
    /// </remarks>
    public sealed class Tokenizer
    {
        private readonly OrderedDictionary<string, int> wordCounts = new(StringComparer.Ordinal);
        private readonly OrderedDictionary<string, int> wordDocs = new(StringComparer.Ordinal);
        private readonly OrderedDictionary<int, int> indexDocs = new();
        private OrderedDictionary<string, int> wordIndex = new(StringComparer.Ordinal);
        private OrderedDictionary<int, string> indexWord = new();

        /// <summary>Creates a tokenizer with Keras's parameters and defaults.</summary>
        /// <param name="numWords">
        /// The maximum number of words to keep, by frequency: only indices below it are emitted.
        /// <see langword="null"/> (or 0) keeps every word.
        /// </param>
        /// <param name="filters">Characters removed from the texts (replaced by <paramref name="split"/>); ignored when <paramref name="charLevel"/> is set.</param>
        /// <param name="lower">Whether to lower-case the texts.</param>
        /// <param name="split">The word separator.</param>
        /// <param name="charLevel">Whether every character is a token instead of every word.</param>
        /// <param name="oovToken">If given, added to the vocabulary at index 1 and used for out-of-vocabulary words.</param>
        /// <exception cref="ArgumentNullException"><paramref name="filters"/> or <paramref name="split"/> is <see langword="null"/>.</exception>
        public Tokenizer(
            int? numWords = null,
            string filters = Text.DefaultFilters,
            bool lower = true,
            string split = " ",
            bool charLevel = false,
            string? oovToken = null)
        {
            ArgumentNullException.ThrowIfNull(filters);
            ArgumentNullException.ThrowIfNull(split);
            NumWords = numWords;
            Filters = filters;
            Lower = lower;
            Split = split;
            CharLevel = charLevel;
            OovToken = oovToken;
        }

        /// <summary>The maximum number of words to keep (Keras's <c>num_words</c>); <see langword="null"/> keeps all.</summary>
        public int? NumWords { get; }

        /// <summary>The characters filtered out of the texts (Keras's <c>filters</c>).</summary>
        public string Filters { get; }

        /// <summary>Whether texts are lower-cased (Keras's <c>lower</c>).</summary>
        public bool Lower { get; }

        /// <summary>The word separator (Keras's <c>split</c>).</summary>
        public string Split { get; }

        /// <summary>Whether every character is a token (Keras's <c>char_level</c>).</summary>
        public bool CharLevel { get; }

        /// <summary>The out-of-vocabulary token (Keras's <c>oov_token</c>), or <see langword="null"/>.</summary>
        public string? OovToken { get; }

        /// <summary>How many texts <see cref="FitOnTexts"/> has seen in total (Keras's <c>document_count</c>).</summary>
        public int DocumentCount { get; private set; }

        /// <summary>How often each word occurred, in order of first appearance (Keras's <c>word_counts</c>).</summary>
        public IReadOnlyDictionary<string, int> WordCounts => wordCounts;

        /// <summary>In how many texts each word occurred (Keras's <c>word_docs</c>).</summary>
        public IReadOnlyDictionary<string, int> WordDocs => wordDocs;

        /// <summary>
        /// The 1-based index of each word, enumerated in index order (Keras's <c>word_index</c>); empty before
        /// <see cref="FitOnTexts"/>.
        /// </summary>
        public IReadOnlyDictionary<string, int> WordIndex => wordIndex;

        /// <summary>The word of each index, the inverse of <see cref="WordIndex"/> (Keras's <c>index_word</c>).</summary>
        public IReadOnlyDictionary<int, string> IndexWord => indexWord;

        /// <summary>In how many texts the word of each index occurred (Keras's <c>index_docs</c>).</summary>
        public IReadOnlyDictionary<int, int> IndexDocs => indexDocs;

        /// <summary>
        /// Updates the vocabulary from <paramref name="texts"/> (Keras's <c>fit_on_texts</c>). Counts accumulate
        /// over calls and <see cref="WordIndex"/> is rebuilt from all counts so far.
        /// </summary>
        /// <param name="texts">The texts.</param>
        /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is <see langword="null"/>.</exception>
        public void FitOnTexts(IEnumerable<string> texts)
        {
            ArgumentNullException.ThrowIfNull(texts);
            foreach (string text in texts)
            {
                ArgumentNullException.ThrowIfNull(text, nameof(texts));
                DocumentCount++;
                List<string> seq = Tokenize(text);
                foreach (string w in seq)
                {
                    wordCounts[w] = wordCounts.TryGetValue(w, out int count) ? count + 1 : 1;
                }

                foreach (string w in new HashSet<string>(seq, StringComparer.Ordinal))
                {
                    wordDocs[w] = wordDocs.TryGetValue(w, out int docs) ? docs + 1 : 1;
                }
            }

            // OrderBy is a stable sort, as Python's list.sort(reverse=True) is: equal counts keep first-seen order.
            var sortedVocabulary = new List<string>();
            if (OovToken is not null)
            {
                sortedVocabulary.Add(OovToken);
            }

            sortedVocabulary.AddRange(wordCounts.OrderByDescending(pair => pair.Value).Select(pair => pair.Key));

            // dict(zip(vocabulary, range(1, ...))): a repeated key (an oov token that is also a word) keeps its
            // first position but takes the later index, exactly as in Python.
            var wordIndex = new OrderedDictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < sortedVocabulary.Count; i++)
            {
                wordIndex[sortedVocabulary[i]] = i + 1;
            }

            var indexWord = new OrderedDictionary<int, string>();
            foreach (KeyValuePair<string, int> pair in wordIndex)
            {
                indexWord[pair.Value] = pair.Key;
            }

            this.wordIndex = wordIndex;
            this.indexWord = indexWord;
            foreach (KeyValuePair<string, int> pair in wordDocs)
            {
                indexDocs[this.wordIndex[pair.Key]] = pair.Value;
            }
        }

        /// <summary>
        /// Transforms each text into a sequence of word indices (Keras's <c>texts_to_sequences</c>). Words not in
        /// the vocabulary, and words whose index is not below <see cref="NumWords"/>, are dropped, or replaced by
        /// the index of <see cref="OovToken"/> when it is set.
        /// </summary>
        /// <param name="texts">The texts.</param>
        /// <returns>One list of indices per text.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is <see langword="null"/>.</exception>
        /// <exception cref="InvalidOperationException">
        /// <see cref="OovToken"/> is set but not in <see cref="WordIndex"/> (the tokenizer was never fitted) and an
        /// out-of-vocabulary word must be encoded.
        /// </exception>
        public List<List<int>> TextsToSequences(IEnumerable<string> texts)
        {
            ArgumentNullException.ThrowIfNull(texts);
            int? oovIndex = OovIndex();
            var result = new List<List<int>>();
            foreach (string text in texts)
            {
                ArgumentNullException.ThrowIfNull(text, nameof(texts));
                var vector = new List<int>();
                foreach (string w in Tokenize(text))
                {
                    if (wordIndex.TryGetValue(w, out int i))
                    {
                        if (IsBeyondNumWords(i))
                        {
                            if (oovIndex is int oov)
                            {
                                vector.Add(oov);
                            }
                        }
                        else
                        {
                            vector.Add(i);
                        }
                    }
                    else if (OovToken is not null)
                    {
                        vector.Add(oovIndex ?? throw NotFitted());
                    }
                }

                result.Add(vector);
            }

            return result;
        }

        /// <summary>
        /// Transforms each sequence of indices back into a text of space-separated words (Keras's
        /// <c>sequences_to_texts</c>), with the same <see cref="NumWords"/> and out-of-vocabulary rules as
        /// <see cref="TextsToSequences"/>.
        /// </summary>
        /// <param name="sequences">The sequences of word indices.</param>
        /// <returns>One text per sequence.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="sequences"/> or one of its sequences is <see langword="null"/>.</exception>
        /// <exception cref="InvalidOperationException">
        /// <see cref="OovToken"/> is set but not in <see cref="WordIndex"/> and an unknown index must be decoded.
        /// </exception>
        public List<string> SequencesToTexts(IEnumerable<IReadOnlyList<int>> sequences)
        {
            ArgumentNullException.ThrowIfNull(sequences);
            int? oovIndex = OovIndex();
            var result = new List<string>();
            foreach (IReadOnlyList<int> sequence in sequences)
            {
                ArgumentNullException.ThrowIfNull(sequence, nameof(sequences));
                var words = new List<string>();
                foreach (int num in sequence)
                {
                    if (indexWord.TryGetValue(num, out string? word))
                    {
                        if (IsBeyondNumWords(num))
                        {
                            if (oovIndex is int oov)
                            {
                                words.Add(indexWord[oov]);
                            }
                        }
                        else
                        {
                            words.Add(word);
                        }
                    }
                    else if (OovToken is not null)
                    {
                        words.Add(indexWord[oovIndex ?? throw NotFitted()]);
                    }
                }

                result.Add(string.Join(' ', words));
            }

            return result;
        }

        /// <summary>
        /// The tokenizer as JSON, exactly as Keras's <c>Tokenizer.to_json()</c> writes it (Python's <c>json.dumps</c>
        /// layout, non-ASCII characters escaped): <c>{"class_name": "Tokenizer", "config": {...}}</c> with the
        /// constructor's arguments, <c>document_count</c>, and the five dictionaries each as a JSON string.
        /// </summary>
        /// <remarks>
        /// Keras's <c>tokenizer_from_json</c> reads it, and so does <see cref="FromJson"/>: a tokenizer fitted here can
        /// encode texts in Python, and the other way round. This file uses no TorchSharp, so a serving process may
        /// compile it in to encode texts without loading libtorch.
        /// </remarks>
        /// <returns>The JSON text.</returns>
        public string ToJson()
        {
            var config = new StringBuilder();
            config.Append("{\"class_name\": \"Tokenizer\", \"config\": {");
            config.Append("\"num_words\": ").Append(NumWords is int n ? n.ToString(CultureInfo.InvariantCulture) : "null");
            config.Append(", \"filters\": ").Append(PythonJsonString(Filters));
            config.Append(", \"lower\": ").Append(Lower ? "true" : "false");
            config.Append(", \"split\": ").Append(PythonJsonString(Split));
            config.Append(", \"char_level\": ").Append(CharLevel ? "true" : "false");
            config.Append(", \"oov_token\": ").Append(OovToken is null ? "null" : PythonJsonString(OovToken));
            config.Append(", \"document_count\": ").Append(DocumentCount.ToString(CultureInfo.InvariantCulture));
            config.Append(", \"word_counts\": ").Append(PythonJsonString(PythonJsonObject(wordCounts, k => k, v => v.ToString(CultureInfo.InvariantCulture))));
            config.Append(", \"word_docs\": ").Append(PythonJsonString(PythonJsonObject(wordDocs, k => k, v => v.ToString(CultureInfo.InvariantCulture))));
            // json.dumps writes integer keys as strings.
            config.Append(", \"index_docs\": ").Append(PythonJsonString(PythonJsonObject(indexDocs, k => k.ToString(CultureInfo.InvariantCulture), v => v.ToString(CultureInfo.InvariantCulture))));
            config.Append(", \"index_word\": ").Append(PythonJsonString(PythonJsonObject(indexWord, k => k.ToString(CultureInfo.InvariantCulture), PythonJsonString)));
            config.Append(", \"word_index\": ").Append(PythonJsonString(PythonJsonObject(wordIndex, k => k, v => v.ToString(CultureInfo.InvariantCulture))));
            return config.Append("}}").ToString();
        }

        /// <summary>
        /// Reads a tokenizer from the JSON of <see cref="ToJson"/> or of Keras's <c>Tokenizer.to_json()</c> (Keras's
        /// <c>tokenizer_from_json</c>): the arguments, the document count and the five dictionaries in their order.
        /// </summary>
        /// <param name="json">The JSON text.</param>
        /// <returns>The tokenizer, ready to encode and decode texts.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
        /// <exception cref="FormatException">
        /// The text is not JSON, its <c>class_name</c> is not <c>"Tokenizer"</c>, or an entry is missing or of the wrong kind.
        /// </exception>
        public static Tokenizer FromJson(string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            try
            {
                using JsonDocument document = JsonDocument.Parse(json);
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"A tokenizer's JSON must be an object; received {root.ValueKind}.");
                string className = Property(root, "class_name", JsonValueKind.String).GetString()!;
                if (className != "Tokenizer")
                    throw new FormatException($"A tokenizer's JSON must have class_name \"Tokenizer\"; received \"{className}\".");
                JsonElement config = Property(root, "config", JsonValueKind.Object);
                JsonElement numWords = config.TryGetProperty("num_words", out JsonElement n) ? n : default;
                JsonElement oovToken = config.TryGetProperty("oov_token", out JsonElement o) ? o : default;
                var tokenizer = new Tokenizer(
                    numWords.ValueKind == JsonValueKind.Number ? numWords.GetInt32() : null,
                    config.TryGetProperty("filters", out JsonElement f) ? f.GetString() ?? Text.DefaultFilters : Text.DefaultFilters,
                    !config.TryGetProperty("lower", out JsonElement l) || l.GetBoolean(),
                    config.TryGetProperty("split", out JsonElement s) ? s.GetString() ?? " " : " ",
                    config.TryGetProperty("char_level", out JsonElement c) && c.GetBoolean(),
                    oovToken.ValueKind == JsonValueKind.String ? oovToken.GetString() : null);
                tokenizer.DocumentCount = config.TryGetProperty("document_count", out JsonElement d) ? d.GetInt32() : 0;
                foreach (var (key, value) in EmbeddedObject(config, "word_counts"))
                    tokenizer.wordCounts[key] = value.GetInt32();
                foreach (var (key, value) in EmbeddedObject(config, "word_docs"))
                    tokenizer.wordDocs[key] = value.GetInt32();
                foreach (var (key, value) in EmbeddedObject(config, "index_docs"))
                    tokenizer.indexDocs[IntegerKey(key, "index_docs")] = value.GetInt32();
                foreach (var (key, value) in EmbeddedObject(config, "index_word"))
                    tokenizer.indexWord[IntegerKey(key, "index_word")] = value.GetString() ?? throw new FormatException($"index_word[{key}] must be a string; received null.");
                foreach (var (key, value) in EmbeddedObject(config, "word_index"))
                    tokenizer.wordIndex[key] = value.GetInt32();
                return tokenizer;
            }
            catch (JsonException e)
            {
                throw new FormatException($"A tokenizer's JSON could not be parsed: {e.Message}", e);
            }
            catch (InvalidOperationException e)
            {
                // JsonElement's getters throw it for a value of the wrong kind (a string where a count belongs).
                throw new FormatException($"A tokenizer's JSON has a value of the wrong kind: {e.Message}", e);
            }
        }

        private List<string> Tokenize(string text)
        {
            if (CharLevel)
            {
                // Keras applies only lower-casing at character level: no filters, no splitting.
                return Text.Characters(Lower ? text.ToLowerInvariant() : text);
            }

            return Text.TextToWordSequence(text, Filters, Lower, Split);
        }

        private bool IsBeyondNumWords(int index) => NumWords is int limit && limit != 0 && index >= limit;

        private int? OovIndex() =>
            OovToken is not null && wordIndex.TryGetValue(OovToken, out int index) ? index : null;

        private static JsonElement Property(JsonElement element, string name, JsonValueKind kind)
        {
            if (!element.TryGetProperty(name, out JsonElement value))
                throw new FormatException($"\"{name}\" is missing.");
            if (value.ValueKind != kind)
                throw new FormatException($"\"{name}\" must be a JSON {kind}; received {value.ValueKind}.");
            return value;
        }

        // Keras stores each dictionary as a JSON string holding a JSON object; an absent entry is an empty dictionary.
        private static List<(string Key, JsonElement Value)> EmbeddedObject(JsonElement config, string name)
        {
            var entries = new List<(string, JsonElement)>();
            if (!config.TryGetProperty(name, out JsonElement text))
                return entries;
            if (text.ValueKind != JsonValueKind.String)
                throw new FormatException($"\"{name}\" must be a JSON string holding an object (as json.dumps writes it); received {text.ValueKind}.");
            using JsonDocument inner = JsonDocument.Parse(text.GetString()!);
            if (inner.RootElement.ValueKind != JsonValueKind.Object)
                throw new FormatException($"\"{name}\" must hold a JSON object; it holds {inner.RootElement.ValueKind}.");
            foreach (JsonProperty property in inner.RootElement.EnumerateObject())
                entries.Add((property.Name, property.Value.Clone()));
            return entries;
        }

        private static int IntegerKey(string key, string name) =>
            int.TryParse(key, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw new FormatException($"The keys of \"{name}\" must be integers; received \"{key}\".");

        private static string PythonJsonObject<TKey, TValue>(OrderedDictionary<TKey, TValue> dictionary, Func<TKey, string> key, Func<TValue, string> value)
            where TKey : notnull
        {
            var text = new StringBuilder("{");
            foreach (KeyValuePair<TKey, TValue> pair in dictionary)
            {
                if (text.Length > 1)
                    text.Append(", ");
                text.Append(PythonJsonString(key(pair.Key))).Append(": ").Append(value(pair.Value));
            }

            return text.Append('}').ToString();
        }

        // Python's json.dumps string with ensure_ascii: short escapes where JSON has them, \u00xx for other control
        // characters and \uxxxx (lower-case hex, UTF-16 units) for every non-ASCII character.
        private static string PythonJsonString(string value)
        {
            var text = new StringBuilder(value.Length + 2).Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': text.Append("\\\""); break;
                    case '\\': text.Append("\\\\"); break;
                    case '\n': text.Append("\\n"); break;
                    case '\r': text.Append("\\r"); break;
                    case '\t': text.Append("\\t"); break;
                    case '\b': text.Append("\\b"); break;
                    case '\f': text.Append("\\f"); break;
                    default:
                        if (c < ' ' || c > '~')
                            text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            text.Append(c);
                        break;
                }
            }

            return text.Append('"').ToString();
        }

        private static InvalidOperationException NotFitted() =>
            new("The tokenizer has an oov_token but no vocabulary: call FitOnTexts first.");
    }
}
