extern alias Serving;

using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using RnnSharp.Data;
using RnnSharp.Layers;
using Xunit;
using static TorchSharp.torch;
using ServingApp = Serving::OnnxServing.Server.ServingApp;
using ServingOptions = Serving::OnnxServing.Server.ServingOptions;

namespace RnnSharp.Tests.Export
{
    /// <summary>
    /// examples/OnnxServing end to end: a seeded, untrained stacked-RNN sentiment model exported with Model.Export, served
    /// by the example's ASP.NET Core server (ONNX Runtime only) on a free loopback port, and asked over real HTTP: the
    /// probabilities equal the model's own Predict, and bad requests get 400 with a JSON error.
    /// </summary>
    public class OnnxServingTests
    {
        private const int Vocabulary = 50;
        private const int MaxLength = 6;

        private static readonly string[] Texts = { "a good film, a great cast", "dull and bad", "good good good bad", "words it never saw" };

        private static Sequential SentimentModel()
        {
            Backend.SetRandomSeed(7);
            var model = new Sequential(new Layer[]
            {
                new Embedding(Vocabulary, 8, maskZero: true, name: "embedding"),
                new LSTM(8, returnSequences: true, name: "lstm"),
                new LSTM(8, name: "lstm_1"),
                new Dense(1, activation: "sigmoid", name: "dense"),
            }, "sentiment");
            model.Build(new int?[] { null, null });
            return model;
        }

        private static Tokenizer FittedTokenizer()
        {
            var tokenizer = new Tokenizer(numWords: Vocabulary);
            tokenizer.FitOnTexts(new[] { "a good film", "a great cast and a good plot", "dull and bad", "bad bad film" });
            return tokenizer;
        }

        private static float[][] Rows(Tensor probabilities)
        {
            float[] values = probabilities.data<float>().ToArray();
            int width = (int)probabilities.shape[1];
            return Enumerable.Range(0, (int)probabilities.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
        }

        private static float[][] ProbabilitiesOf(JsonDocument answer) =>
            answer.RootElement.GetProperty("probabilities").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();

        private static void AssertClose(float[][] expected, float[][] actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Length, actual[i].Length);
                for (int j = 0; j < expected[i].Length; j++)
                    Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= 1e-5, $"row {i} column {j}: Predict {expected[i][j]}, server {actual[i][j]}");
            }
        }

        private static async Task<(HttpStatusCode Status, JsonDocument Body)> Post(HttpClient client, string body)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using HttpResponseMessage response = await client.PostAsync("/predict", content);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
        }

        [Fact]
        public async Task ServerAnswersAsPredictAndRefusesBadRequests()
        {
            string directory = Path.Combine(Path.GetTempPath(), "rnnsharp-serving-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                using var model = SentimentModel();
                Tokenizer tokenizer = FittedTokenizer();
                string modelPath = Path.Combine(directory, "model.onnx");
                string tokenizerPath = Path.Combine(directory, "tokenizer.json");
                model.Export(modelPath);
                File.WriteAllText(tokenizerPath, tokenizer.ToJson());

                var options = new ServingOptions(modelPath, tokenizerPath, Vocabulary, MaxLength) { Urls = "http://127.0.0.1:0", MaxBatchSize = 8 };
                await using var app = ServingApp.Create(options);
                await app.StartAsync();
                try
                {
                    using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };

                    // Token ids: the same rows through Predict.
                    long[,] ids = { { 5, 12, 7, 3, 0, 0 }, { 30, 31, 2, 9, 49, 1 }, { 1, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0 } };
                    using (Tensor x = tensor(ids))
                    using (Tensor expected = model.Predict(x))
                    {
                        var (status, body) = await Post(client, "{\"ids\": [[5, 12, 7, 3, 0, 0], [30, 31, 2, 9, 49, 1], [1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]}");
                        Assert.Equal(HttpStatusCode.OK, status);
                        AssertClose(Rows(expected), ProbabilitiesOf(body));
                    }

                    // Texts: the saved tokenizer and post-padding, as in training.
                    using (Tensor x = Sequence.PadSequences(tokenizer.TextsToSequences(Texts), maxlen: MaxLength, dtype: "int64", padding: "post", truncating: "post"))
                    using (Tensor expected = model.Predict(x))
                    {
                        var (status, body) = await Post(client, JsonSerializer.Serialize(new { texts = Texts }));
                        Assert.Equal(HttpStatusCode.OK, status);
                        AssertClose(Rows(expected), ProbabilitiesOf(body));
                    }

                    // Concurrent requests share one session: each gets its own row's answer.
                    using (Tensor x = tensor(ids))
                    using (Tensor expected = model.Predict(x))
                    {
                        float[][] rows = Rows(expected);
                        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(k =>
                        {
                            int row = k % ids.GetLength(0);
                            string body = "{\"ids\": [[" + string.Join(", ", Enumerable.Range(0, MaxLength).Select(j => ids[row, j])) + "]]}";
                            return Post(client, body);
                        }));
                        for (int k = 0; k < answers.Length; k++)
                        {
                            Assert.Equal(HttpStatusCode.OK, answers[k].Status);
                            AssertClose(new[] { rows[k % ids.GetLength(0)] }, ProbabilitiesOf(answers[k].Body));
                        }
                    }

                    var bad = new (string Body, string Message)[]
                    {
                        ("{\"ids\": [[1, 2, 3], [4, 5]]}", "row 0 has 3 ids, row 1 has 2"),
                        ("{\"ids\": [1, 2, 3]}", "must have shape [batch, time]: row 0 is a JSON number"),
                        ("{\"ids\": [[1, 50]]}", "\"ids\"[0][1] is 50, outside the vocabulary: ids must be 0 (padding) to 49"),
                        ("{\"ids\": [[-1, 2]]}", "\"ids\"[0][0] is -1, outside the vocabulary"),
                        ("{\"ids\": [[1.5]]}", "must be an integer token id; received 1.5"),
                        ("{\"ids\": []}", "\"ids\" is empty"),
                        ("{\"ids\": [[]]}", "row 0 is empty"),
                        ("{\"ids\": [[1],[1],[1],[1],[1],[1],[1],[1],[1]]}", "has 9 rows; this server takes at most 8"),
                        ("{\"texts\": [\"fine\", 3]}", "\"texts\"[1] must be a string; received a JSON number"),
                        ("{\"ids\": [[1]], \"texts\": [\"a\"]}", "not both"),
                        ("{}", "it has neither"),
                        ("[1, 2]", "must be a JSON object"),
                        ("{\"ids\": [[1, 2]", "not valid JSON"),
                        ("", "not valid JSON"),
                    };
                    foreach (var (body, message) in bad)
                    {
                        var (status, answer) = await Post(client, body);
                        Assert.Equal(HttpStatusCode.BadRequest, status);
                        string error = answer.RootElement.GetProperty("error").GetString()!;
                        Assert.True(error.Contains(message, StringComparison.Ordinal), $"body {body}: expected an error containing \"{message}\", got \"{error}\"");
                    }

                    using HttpResponseMessage health = await client.GetAsync("/health");
                    Assert.Equal(HttpStatusCode.OK, health.StatusCode);
                    using var healthBody = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
                    Assert.Equal("embedding_input", healthBody.RootElement.GetProperty("input").GetString());
                    Assert.Equal("dense", healthBody.RootElement.GetProperty("output").GetString());
                }
                finally
                {
                    await app.StopAsync();
                }
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [Fact]
        public async Task AServerFailureAnswers500InJson()
        {
            string directory = Path.Combine(Path.GetTempPath(), "rnnsharp-serving-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                using var model = SentimentModel();
                string modelPath = Path.Combine(directory, "model.onnx");
                string tokenizerPath = Path.Combine(directory, "tokenizer.json");
                model.Export(modelPath);
                File.WriteAllText(tokenizerPath, FittedTokenizer().ToJson());
                // A vocabulary smaller than the tokenizer's ids: the tokenizer does not belong to this model.
                var options = new ServingOptions(modelPath, tokenizerPath, 3, MaxLength) { Urls = "http://127.0.0.1:0" };
                await using var app = ServingApp.Create(options);
                await app.StartAsync();
                try
                {
                    using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
                    var (status, body) = await Post(client, "{\"texts\": [\"dull and bad\"]}");
                    Assert.Equal(HttpStatusCode.InternalServerError, status);
                    Assert.Contains("the tokenizer and model do not match", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
                }
                finally
                {
                    await app.StopAsync();
                }
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [Fact]
        public void ServerReferencesNeitherRnnSharpNorTorchSharp()
        {
            // The server must run without libtorch: its assembly may not even name TorchSharp or RnnSharp.
            string[] references = typeof(ServingApp).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
            Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.Ordinal) || name == "RnnSharp");
            Assert.Contains("Microsoft.ML.OnnxRuntime", references);
        }

        [Fact]
        public void ManifestRoundTripsTheServingOptions()
        {
            string directory = Path.Combine(Path.GetTempPath(), "rnnsharp-serving-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(directory);
            try
            {
                File.WriteAllText(Path.Combine(directory, ServingOptions.ManifestFileName), ServingOptions.ManifestJson("model.onnx", "tokenizer.json", 200, 40, truncating: "pre"));
                ServingOptions options = ServingOptions.FromManifest(directory);
                Assert.Equal(Path.Combine(directory, "model.onnx"), options.ModelPath);
                Assert.Equal(Path.Combine(directory, "tokenizer.json"), options.TokenizerPath);
                Assert.Equal((200, 40, "post", "pre"), (options.VocabularySize, options.MaxLength, options.Padding, options.Truncating));
                File.WriteAllText(Path.Combine(directory, ServingOptions.ManifestFileName), "{\"model\": \"m.onnx\"}");
                Assert.Contains("positive \"vocabulary_size\"", Assert.Throws<InvalidDataException>(() => ServingOptions.FromManifest(directory)).Message, StringComparison.Ordinal);
            }
            finally
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        [Theory]
        [InlineData("post", new[] { 1, 2, 3, 0 })]
        [InlineData("pre", new[] { 0, 1, 2, 3 })]
        public void TextsArePaddedAsPadSequences(string padding, int[] expected)
        {
            long[] row = Serving::OnnxServing.Server.PredictRequest.Pad(new[] { 1, 2, 3 }, 4, padding, "post");
            Assert.Equal(expected.Select(v => (long)v), row);
            int[,] reference = Sequence.PadSequencesToArray(new[] { new[] { 1, 2, 3, 4, 5, 6 } }, maxlen: 4, padding: padding, truncating: "pre");
            Assert.Equal(Enumerable.Range(0, 4).Select(j => (long)reference[0, j]), Serving::OnnxServing.Server.PredictRequest.Pad(new[] { 1, 2, 3, 4, 5, 6 }, 4, padding, "pre"));
        }
    }
}
