using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Data;
using Xunit;
using static RnnSharp.Tests.Data.NumpyFiles;

namespace RnnSharp.Tests.Data
{
    /// <summary>
    /// keras.datasets.imdb.load_data on a tiny imdb.npz laid out as Keras's (x arrays are pickled object arrays
    /// of int lists, y arrays int64). Expected outputs are worked by hand through Keras's algorithm, using the
    /// published NumPy permutation RandomState(0).permutation(10) = [2, 8, 4, 9, 1, 6, 7, 3, 0, 5].
    /// </summary>
    public sealed class ImdbTests : IDisposable
    {
        // Raw word ranks as stored in the file (before start_char / index_from).
        private static readonly long[][] TenReviews =
        {
            new long[] { 1 },
            new long[] { 2, 3 },
            new long[] { 4, 5, 6 },
            new long[] { 7 },
            new long[] { 8, 9 },
            new long[] { 10, 11, 12 },
            new long[] { 13 },
            new long[] { 14, 15 },
            new long[] { 16, 17, 18 },
            new long[] { 19 },
        };

        private static readonly long[] TenLabels = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };

        private readonly TempDirectory directory = new();

        public void Dispose() => directory.Dispose();

        [Fact]
        public void DefaultArgumentsShuffleShiftAndCapAtTheLargestIndex()
        {
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            var ((xTrain, yTrain), (xTest, yTest)) = Imdb.LoadData(path, seed: 0);

            // Train order = original samples 2, 8, 4, 9, 1, 6, 7, 3, 0, 5; each becomes [1] + [w + 3].
            Assert.Equal(
                new[]
                {
                    new[] { 1, 7, 8, 9 }, new[] { 1, 19, 20, 21 }, new[] { 1, 11, 12 }, new[] { 1, 22 },
                    new[] { 1, 5, 6 }, new[] { 1, 16 }, new[] { 1, 17, 18 }, new[] { 1, 10 }, new[] { 1, 4 },
                    new[] { 1, 13, 14, 15 },
                },
                xTrain);
            Assert.Equal(new[] { 0, 0, 0, 1, 1, 0, 1, 1, 0, 1 }, yTrain);

            // num_words defaults to the largest index (23, from the test review) and `w < num_words` then turns
            // that very word into oov_char 2: Keras's own off-by-one, kept.
            Assert.Equal(new[] { new[] { 1, 2 } }, xTest);
            Assert.Equal(new[] { 1 }, yTest);
        }

        [Fact]
        public void TestSplitIsShuffledWithTheSameGeneratorAfterTheTrainSplit()
        {
            // A one-sample train split consumes no draws, so the test split gets permutation(10) itself.
            string path = WriteImdb(new[] { new long[] { 5 } }, new long[] { 1 }, TenReviews, TenLabels);
            var (train, test) = Imdb.LoadData(path, seed: 0, startChar: null, oovChar: null, indexFrom: 0, numWords: 100);
            Assert.Equal(new[] { new[] { 5 } }, train.X);
            Assert.Equal(new[] { 2, 8, 4, 9, 1, 6, 7, 3, 0, 5 }.Select(i => TenReviews[i].Select(w => (int)w).ToArray()), test.X);
            Assert.Equal(new[] { 0, 0, 0, 1, 1, 0, 1, 1, 0, 1 }, test.Y);
        }

        [Fact]
        public void NumWordsAndSkipTopReplaceWithOovIncludingTheStartChar()
        {
            // Kept range [skip_top=2, num_words=10): the start char 1 is below skip_top and becomes 2 too.
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20, 1 } }, new long[] { 1 });
            var ((xTrain, _), (xTest, _)) = Imdb.LoadData(path, numWords: 10, skipTop: 2, seed: 0);
            Assert.Equal(
                new[]
                {
                    new[] { 2, 7, 8, 9 }, new[] { 2, 2, 2, 2 }, new[] { 2, 2, 2 }, new[] { 2, 2 }, new[] { 2, 5, 6 },
                    new[] { 2, 2 }, new[] { 2, 2, 2 }, new[] { 2, 2 }, new[] { 2, 4 }, new[] { 2, 2, 2, 2 },
                },
                xTrain);
            Assert.Equal(new[] { new[] { 2, 2, 4 } }, xTest);
        }

        [Fact]
        public void MaxlenKeepsOnlySequencesStrictlyShorterCountingTheStartChar()
        {
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            var ((xTrain, yTrain), (xTest, yTest)) = Imdb.LoadData(path, maxlen: 3, seed: 0);

            // Lengths after [1] + ...: only the two-element reviews (originals 9, 6, 3, 0) are < 3.
            Assert.Equal(new[] { new[] { 1, 22 }, new[] { 1, 16 }, new[] { 1, 10 }, new[] { 1, 4 } }, xTrain);
            Assert.Equal(new[] { 1, 0, 1, 0 }, yTrain);
            Assert.Equal(new[] { new[] { 1, 2 } }, xTest);
            Assert.Equal(new[] { 1 }, yTest);
        }

        [Fact]
        public void MaxlenThatKeepsNothingThrowsKerasMessage()
        {
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            var e = Assert.Throws<ArgumentException>(() => Imdb.LoadData(path, maxlen: 2, seed: 0));
            Assert.StartsWith(
                "After filtering for sequences shorter than maxlen=2, no sequence was kept. Increase maxlen.",
                e.Message);
        }

        [Fact]
        public void MaxlenZeroMeansNoFiltering()
        {
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            Assert.Equal(10, Imdb.LoadData(path, maxlen: 0, seed: 0).Train.Count);
        }

        [Fact]
        public void WithoutStartCharOrOovCharWordsAreShiftedAndCutWordsRemoved()
        {
            // index_from=0 and start_char=None leave the raw ranks; num_words defaults to their max (20),
            // and with oov_char=None every w >= 20 is dropped: the test review [20] becomes empty.
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            var ((xTrain, _), (xTest, _)) = Imdb.LoadData(path, seed: 0, startChar: null, oovChar: null, indexFrom: 0);
            Assert.Equal(new[] { 2, 8, 4, 9, 1, 6, 7, 3, 0, 5 }.Select(i => TenReviews[i].Select(w => (int)w).ToArray()), xTrain);
            Assert.Equal(new[] { Array.Empty<int>() }, xTest);
        }

        [Fact]
        public void IndexFromOffsetsWordsWithoutStartChar()
        {
            string path = WriteImdb(new[] { new long[] { 1, 2 } }, new long[] { 0 }, new[] { new long[] { 3 } }, new long[] { 1 });
            var (train, test) = Imdb.LoadData(path, startChar: null, indexFrom: 10, numWords: 100);
            Assert.Equal(new[] { new[] { 11, 12 } }, train.X);
            Assert.Equal(new[] { new[] { 13 } }, test.X);
        }

        [Fact]
        public void DefaultSeedStillPairsEverySampleWithItsLabel()
        {
            // Each raw review [k] carries label k % 2; whatever the order, pairs must stay together.
            long[][] reviews = Enumerable.Range(1, 50).Select(k => new long[] { k }).ToArray();
            long[] labels = Enumerable.Range(1, 50).Select(k => (long)(k % 2)).ToArray();
            string path = WriteImdb(reviews, labels, new[] { new long[] { 1 } }, new long[] { 1 });
            var (train, _) = Imdb.LoadData(path, startChar: null, indexFrom: 0, numWords: 1000);
            Assert.Equal(Enumerable.Range(1, 50), train.X.Select(x => x[0]).OrderBy(v => v));
            Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(train.X[i][0] % 2, train.Y[i]));
            Assert.NotEqual(Enumerable.Range(1, 50), train.X.Select(x => x[0]));
        }

        [Fact]
        public void MissingFileRaisesFileNotFound()
        {
            string path = Path.Combine(directory.Path, "imdb.npz");
            var e = Assert.Throws<FileNotFoundException>(() => Imdb.LoadData(path));
            Assert.Equal(path, e.FileName);
        }

        [Fact]
        public void MissingMemberAndMismatchedLabelsAreInvalidData()
        {
            string noTest = TempFile(directory, "no-test.npz", ZipLikeNumpySavez(new[]
            {
                ("x_train.npy", ObjectNpy("(1,)", ObjectArrayOfIntLists(new[] { new long[] { 1 } }))),
                ("y_train.npy", Npy("<i8", false, "(1,)", Int64Data(0))),
            }));
            Assert.Contains("x_test", Assert.Throws<InvalidDataException>(() => Imdb.LoadData(noTest)).Message);

            string mismatched = WriteImdb(TenReviews, new long[] { 0, 1 }, new[] { new long[] { 1 } }, new long[] { 1 });
            Assert.Contains("10 samples", Assert.Throws<InvalidDataException>(() => Imdb.LoadData(mismatched)).Message);
        }

        [Fact]
        public void NegativeSeedIsRejectedAsNumpyDoes()
        {
            string path = WriteImdb(TenReviews, TenLabels, new[] { new long[] { 20 } }, new long[] { 1 });
            Assert.Throws<ArgumentOutOfRangeException>(() => Imdb.LoadData(path, seed: -1));
        }

        [Fact]
        public void GetWordIndexReadsTheJsonMap()
        {
            string path = TempFile(directory, "imdb_word_index.json", Bytes("{\"the\": 1, \"and\": 2, \"fawn\": 34701}"));
            IReadOnlyDictionary<string, int> index = Imdb.GetWordIndex(path);
            Assert.Equal(new[] { "the", "and", "fawn" }, index.Keys);
            Assert.Equal(34701, index["fawn"]);
        }

        [Fact]
        public void GetWordIndexErrors()
        {
            Assert.Throws<FileNotFoundException>(() => Imdb.GetWordIndex(Path.Combine(directory.Path, "none.json")));
            string broken = TempFile(directory, "broken.json", Bytes("{\"the\": 1,"));
            Assert.Contains("broken.json", Assert.Throws<InvalidDataException>(() => Imdb.GetWordIndex(broken)).Message);
            string notInts = TempFile(directory, "strings.json", Bytes("{\"the\": \"1\"}"));
            Assert.Throws<InvalidDataException>(() => Imdb.GetWordIndex(notInts));
        }

        private string WriteImdb(long[][] xTrain, long[] yTrain, long[][] xTest, long[] yTest) =>
            TempFile(directory, $"imdb-{Guid.NewGuid():N}.npz", ZipLikeNumpySavez(new[]
            {
                ("x_test.npy", ObjectNpy($"({xTest.Length},)", ObjectArrayOfIntLists(xTest))),
                ("x_train.npy", ObjectNpy($"({xTrain.Length},)", ObjectArrayOfIntLists(xTrain))),
                ("y_train.npy", Npy("<i8", false, $"({yTrain.Length},)", Int64Data(yTrain))),
                ("y_test.npy", Npy("<i8", false, $"({yTest.Length},)", Int64Data(yTest))),
            }));
    }
}
