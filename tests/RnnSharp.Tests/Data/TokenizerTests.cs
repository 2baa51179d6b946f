using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Data;
using Xunit;

namespace RnnSharp.Tests.Data
{
    public class TokenizerTests
    {
        // Worked by hand through Keras's fit_on_texts:
        //   "The cat sat on the mat."   -> the cat sat on the mat
        //   "The dog ate my homework!"  -> the dog ate my homework
        //   "cat, cat; DOG?"            -> cat cat dog
        // word_counts (first-seen order): the 3, cat 3, sat 1, on 1, mat 1, dog 2, ate 1, my 1, homework 1.
        // A stable sort by descending count gives: the, cat, dog, sat, on, mat, ate, my, homework.
        private static readonly string[] Corpus =
        {
            "The cat sat on the mat.",
            "The dog ate my homework!",
            "cat, cat; DOG?",
        };

        [Fact]
        public void WordIndexIsByDescendingCountWithTiesInFirstSeenOrder()
        {
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(
                new[] { "the", "cat", "dog", "sat", "on", "mat", "ate", "my", "homework" },
                tokenizer.WordIndex.Keys);
            Assert.Equal(Enumerable.Range(1, 9), tokenizer.WordIndex.Values);
            Assert.Equal("dog", tokenizer.IndexWord[3]);
            Assert.Equal(3, tokenizer.DocumentCount);
        }

        [Fact]
        public void TiesAreNotBrokenAlphabetically()
        {
            // counts: b 2, a 2; "b" is seen first, so the stable sort keeps it first.
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(new[] { "b a", "a b" });
            Assert.Equal(1, tokenizer.WordIndex["b"]);
            Assert.Equal(2, tokenizer.WordIndex["a"]);
        }

        [Fact]
        public void WordCountsAndDocsAreRecorded()
        {
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(
                new[] { "the", "cat", "sat", "on", "mat", "dog", "ate", "my", "homework" },
                tokenizer.WordCounts.Keys);
            Assert.Equal(new[] { 3, 3, 1, 1, 1, 2, 1, 1, 1 }, tokenizer.WordCounts.Values);
            Assert.Equal(2, tokenizer.WordDocs["the"]);
            Assert.Equal(2, tokenizer.WordDocs["cat"]);
            Assert.Equal(1, tokenizer.WordDocs["mat"]);
            Assert.Equal(2, tokenizer.IndexDocs[1]); // "the"
            Assert.Equal(2, tokenizer.IndexDocs[3]); // "dog"
        }

        [Fact]
        public void TextsToSequencesDropsUnknownWords()
        {
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(Corpus);
            List<List<int>> sequences = tokenizer.TextsToSequences(new[] { "The cat ate the fish.", "" });
            Assert.Equal(new[] { 1, 2, 7, 1 }, sequences[0]);
            Assert.Empty(sequences[1]);
        }

        [Fact]
        public void NumWordsKeepsOnlyIndicesBelowIt()
        {
            // num_words=4 keeps indices 1..3 (the, cat, dog); the vocabulary itself is not cut.
            var tokenizer = new Tokenizer(numWords: 4);
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(9, tokenizer.WordIndex.Count);
            Assert.Equal(new[] { 1, 2, 1, 3 }, tokenizer.TextsToSequences(new[] { "the cat ate the dog" })[0]);
        }

        [Fact]
        public void NumWordsZeroMeansNoLimit()
        {
            var tokenizer = new Tokenizer(numWords: 0);
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(new[] { 1, 2, 7, 1 }, tokenizer.TextsToSequences(new[] { "the cat ate the" })[0]);
        }

        [Fact]
        public void OovTokenTakesIndexOneAndReplacesUnknownWords()
        {
            var tokenizer = new Tokenizer(oovToken: "<OOV>");
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(
                new[] { "<OOV>", "the", "cat", "dog", "sat", "on", "mat", "ate", "my", "homework" },
                tokenizer.WordIndex.Keys);
            Assert.Equal(1, tokenizer.WordIndex["<OOV>"]);
            Assert.Equal(new[] { 2, 3, 8, 2, 1 }, tokenizer.TextsToSequences(new[] { "the cat ate the fish" })[0]);
        }

        [Fact]
        public void OovTokenAlsoReplacesWordsBeyondNumWords()
        {
            // Indices: <OOV> 1, the 2, cat 3, dog 4, ..., ate 8; num_words=4 keeps 1..3.
            var tokenizer = new Tokenizer(numWords: 4, oovToken: "<OOV>");
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(new[] { 2, 3, 1, 2, 1, 1 }, tokenizer.TextsToSequences(new[] { "the cat ate the fish dog" })[0]);
        }

        [Fact]
        public void SequencesToTextsInvertsTextsToSequences()
        {
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(
                new[] { "the cat ate the", "" },
                tokenizer.SequencesToTexts(new[] { new[] { 1, 2, 7, 1, 99 }, Array.Empty<int>() }));
        }

        [Fact]
        public void SequencesToTextsAppliesNumWordsAndOov()
        {
            var tokenizer = new Tokenizer(numWords: 4, oovToken: "<OOV>");
            tokenizer.FitOnTexts(Corpus);
            Assert.Equal(
                new[] { "the cat <OOV> <OOV> the" },
                tokenizer.SequencesToTexts(new[] { new[] { 2, 3, 8, 99, 2 } }));
        }

        [Fact]
        public void OovTokenThatIsAlsoAWordKeepsThePythonDictOutcome()
        {
            // sorted_voc = ["the", "the", "cat"]; dict(zip(sorted_voc, [1, 2, 3])) -> {"the": 2, "cat": 3}.
            var tokenizer = new Tokenizer(oovToken: "the");
            tokenizer.FitOnTexts(new[] { "the cat the" });
            Assert.Equal(new[] { "the", "cat" }, tokenizer.WordIndex.Keys);
            Assert.Equal(new[] { 2, 3 }, tokenizer.WordIndex.Values);
            Assert.False(tokenizer.IndexWord.ContainsKey(1));
            Assert.Equal(new[] { 2, 2, 3 }, tokenizer.TextsToSequences(new[] { "dog the cat" })[0]);
        }

        [Fact]
        public void LowerFalseKeepsCase()
        {
            var tokenizer = new Tokenizer(lower: false);
            tokenizer.FitOnTexts(new[] { "The the THE the" });
            Assert.Equal(new[] { "the", "The", "THE" }, tokenizer.WordIndex.Keys);
        }

        [Fact]
        public void CustomFiltersAndSplit()
        {
            // No filters: punctuation stays part of the words.
            var keepPunctuation = new Tokenizer(filters: "");
            keepPunctuation.FitOnTexts(new[] { "mat. mat" });
            Assert.Equal(new[] { "mat.", "mat" }, keepPunctuation.WordIndex.Keys);

            // split=",": spaces are not separators any more (and not filtered).
            var commaSeparated = new Tokenizer(split: ",");
            commaSeparated.FitOnTexts(new[] { "new york,paris,,new york" });
            Assert.Equal(new[] { "new york", "paris" }, commaSeparated.WordIndex.Keys);
        }

        [Fact]
        public void CharLevelIndexesCharactersWithoutFilters()
        {
            // "abca" -> a 2, b 1, c 1; "B!" (lowered) -> b 1, ! 1. Totals: a 2, b 2, c 1, ! 1.
            var tokenizer = new Tokenizer(charLevel: true);
            tokenizer.FitOnTexts(new[] { "abca", "B!" });
            Assert.Equal(new[] { "a", "b", "c", "!" }, tokenizer.WordIndex.Keys);
            Assert.Equal(new[] { 3, 1, 2 }, tokenizer.TextsToSequences(new[] { "cab?" })[0]);
        }

        [Fact]
        public void FittingAccumulatesAcrossCalls()
        {
            var tokenizer = new Tokenizer();
            tokenizer.FitOnTexts(new[] { "a b" });
            tokenizer.FitOnTexts(new[] { "b c" });
            Assert.Equal(2, tokenizer.DocumentCount);
            Assert.Equal(new[] { "b", "a", "c" }, tokenizer.WordIndex.Keys);
            Assert.Equal(2, tokenizer.WordCounts["b"]);
        }

        // Python's json.dumps of Keras's get_config for Tokenizer(num_words=5, oov_token="<OOV>") fitted on these
        // texts (word_docs in first-seen order; Keras's own order there is that of a Python set).
        private static readonly string[] JsonCorpus = { "The cat sat.", "Café cat" };

        private const string KerasJson =
            """{"class_name": "Tokenizer", "config": {"num_words": 5, "filters": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n", "lower": true, "split": " ", "char_level": false, "oov_token": "<OOV>", "document_count": 2, "word_counts": "{\"the\": 1, \"cat\": 2, \"sat\": 1, \"caf\\u00e9\": 1}", "word_docs": "{\"the\": 1, \"cat\": 2, \"sat\": 1, \"caf\\u00e9\": 1}", "index_docs": "{\"3\": 1, \"2\": 2, \"4\": 1, \"5\": 1}", "index_word": "{\"1\": \"<OOV>\", \"2\": \"cat\", \"3\": \"the\", \"4\": \"sat\", \"5\": \"caf\\u00e9\"}", "word_index": "{\"<OOV>\": 1, \"cat\": 2, \"the\": 3, \"sat\": 4, \"caf\\u00e9\": 5}"}}""";

        [Fact]
        public void ToJsonIsKerasToJson()
        {
            var tokenizer = new Tokenizer(numWords: 5, oovToken: "<OOV>");
            tokenizer.FitOnTexts(JsonCorpus);
            Assert.Equal(KerasJson, tokenizer.ToJson());
        }

        [Fact]
        public void FromJsonRestoresEveryDictionaryInOrder()
        {
            var original = new Tokenizer(numWords: 5, oovToken: "<OOV>");
            original.FitOnTexts(JsonCorpus);
            Tokenizer copy = Tokenizer.FromJson(KerasJson);
            Assert.Equal(original.NumWords, copy.NumWords);
            Assert.Equal(original.OovToken, copy.OovToken);
            Assert.Equal(original.Filters, copy.Filters);
            Assert.Equal(original.DocumentCount, copy.DocumentCount);
            Assert.Equal(original.WordCounts, copy.WordCounts);
            Assert.Equal(original.WordDocs, copy.WordDocs);
            Assert.Equal(original.IndexDocs, copy.IndexDocs);
            Assert.Equal(original.WordIndex, copy.WordIndex);
            Assert.Equal(original.IndexWord, copy.IndexWord);
            Assert.Equal(KerasJson, copy.ToJson());
            string[] texts = { "the café sat on a cat", "CAT!" };
            Assert.Equal(original.TextsToSequences(texts), copy.TextsToSequences(texts));
            Assert.Equal(new[] { 3, 1, 4, 1, 1, 2 }, copy.TextsToSequences(texts)[0]);
        }

        [Fact]
        public void FromJsonReadsKerasDefaultsAndRejectsOtherJson()
        {
            // Only the class name and config are required; absent entries take Keras's defaults.
            Tokenizer empty = Tokenizer.FromJson("""{"class_name": "Tokenizer", "config": {}}""");
            Assert.Null(empty.NumWords);
            Assert.True(empty.Lower);
            Assert.Empty(empty.WordIndex);
            Assert.Contains("class_name \"Tokenizer\"; received \"Model\"",
                Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"class_name": "Model", "config": {}}""")).Message, StringComparison.Ordinal);
            Assert.Contains("\"config\" is missing", Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"class_name": "Tokenizer"}""")).Message, StringComparison.Ordinal);
            Assert.Contains("could not be parsed", Assert.Throws<FormatException>(() => Tokenizer.FromJson("{")).Message, StringComparison.Ordinal);
            Assert.Contains("keys of \"index_word\" must be integers",
                Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"class_name": "Tokenizer", "config": {"index_word": "{\"a\": \"b\"}"}}""")).Message, StringComparison.Ordinal);
            Assert.Throws<FormatException>(() => Tokenizer.FromJson("""{"class_name": "Tokenizer", "config": {"word_index": "{\"a\": \"b\"}"}}"""));
        }

        [Fact]
        public void UnfittedTokenizerWithOovCannotEncodeUnknownWords()
        {
            Assert.Empty(new Tokenizer().TextsToSequences(new[] { "hello" })[0]);
            Assert.Throws<InvalidOperationException>(
                () => new Tokenizer(oovToken: "<OOV>").TextsToSequences(new[] { "hello" }));
        }

        [Fact]
        public void TextToWordSequenceMatchesKeras()
        {
            Assert.Equal(new[] { "hello", "world" }, Text.TextToWordSequence("Hello, World!"));
            Assert.Equal(new[] { "a", "b", "c" }, Text.TextToWordSequence("a\tb\nc"));
            Assert.Equal(new[] { "don't", "stop" }, Text.TextToWordSequence("Don't  stop..."));
            Assert.Equal(new[] { "a", "b", "c" }, Text.TextToWordSequence("a,b,,c", filters: "", split: ","));
            Assert.Equal(new[] { "A", "B" }, Text.TextToWordSequence("A-B", lower: false));
            Assert.Empty(Text.TextToWordSequence("?!."));
            Assert.Throws<ArgumentException>(() => Text.TextToWordSequence("a b", split: ""));
        }

        [Fact]
        public void DefaultFiltersAreKerasDefaults()
        {
            Assert.Equal("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n", Text.DefaultFilters);
            var tokenizer = new Tokenizer();
            Assert.Equal(Text.DefaultFilters, tokenizer.Filters);
            Assert.Equal(" ", tokenizer.Split);
            Assert.True(tokenizer.Lower);
            Assert.False(tokenizer.CharLevel);
            Assert.Null(tokenizer.NumWords);
            Assert.Null(tokenizer.OovToken);
        }
    }
}
