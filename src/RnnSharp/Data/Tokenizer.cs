using System;
using System.Collections.Generic;
using System.Linq;

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

        private static InvalidOperationException NotFitted() =>
            new("The tokenizer has an oov_token but no vocabulary: call FitOnTexts first.");
    }
}
