// OnnxServing's training step: trains the stacked-RNN sentiment model (Embedding + 2 x LSTM + Dense, as
// examples/StackedRnn) on the synthetic reviews written as text, then writes everything the server needs into one
// folder: tokenizer.json (Keras's Tokenizer.to_json), model.onnx (Model.Export), serving.json (vocabulary size, padding),
// and a Triton Inference Server model repository (triton/sentiment/config.pbtxt, triton/sentiment/1/model.onnx).
// It then runs the exported file in ONNX Runtime and compares it with Predict.
//
//   dotnet run --project examples/OnnxServing/Train -- [--epochs N] [--units N] [--maxlen N] [--out onnx-serving-output]
//   dotnet run --project examples/OnnxServing/Server -- --dir onnx-serving-output
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using OnnxServing.Server;
using RnnSharp;
using RnnSharp.Data;
using RnnSharp.Export;
using RnnSharp.Layers;
using static TorchSharp.torch;

int epochs = 3, units = 32, maxLength = 40;
string outDir = "onnx-serving-output";
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--epochs": epochs = int.Parse(Next()); break;
        case "--units": units = int.Parse(Next()); break;
        case "--maxlen": maxLength = int.Parse(Next()); break;
        case "--out": outDir = Next(); break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --epochs N, --units N, --maxlen N, --out DIR");
            return 2;
    }
}

Backend.SetRandomSeed(42);
var (trainReviews, trainLabels) = SyntheticSentiment.Generate(4000, maxLength, seed: 1);
var (testReviews, testLabels) = SyntheticSentiment.Generate(1000, maxLength, seed: 2);
List<string> trainTexts = SentimentTexts.ToTexts(trainReviews), testTexts = SentimentTexts.ToTexts(testReviews);
Console.WriteLine($"First review: \"{trainTexts[0]}\" (label {trainLabels[0]})");

// Index 0 is padding, so the embedding needs one row more than the tokenizer's largest index.
int vocabulary = SyntheticSentiment.VocabularySize;
var tokenizer = new Tokenizer(numWords: vocabulary);
tokenizer.FitOnTexts(trainTexts);
Tensor Encode(List<string> texts) => Sequence.PadSequences(tokenizer.TextsToSequences(texts), maxlen: maxLength, dtype: "int64", padding: "post", truncating: "post");
using Tensor xTrain = Encode(trainTexts), xTest = Encode(testTexts);
using Tensor yTrain = tensor(trainLabels.Select(v => (float)v).ToArray()), yTest = tensor(testLabels.Select(v => (float)v).ToArray());

using var model = new Sequential();
model.Add(new Embedding(vocabulary, 32, maskZero: true));
model.Add(new LSTM(units, returnSequences: true));
model.Add(new LSTM(units));
model.Add(new Dense(1, activation: "sigmoid"));
model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "acc" });
model.Fit(xTrain, yTrain, batchSize: 64, epochs: epochs, validationSplit: 0.2, verbose: 2);
var results = model.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
Console.WriteLine($"Test loss: {results["loss"]:F4} - test acc: {results["acc"]:F4}");

Directory.CreateDirectory(outDir);
string modelPath = Path.Combine(outDir, "model.onnx");
File.WriteAllText(Path.Combine(outDir, "tokenizer.json"), tokenizer.ToJson());
model.Export(modelPath, new TritonOptions(Path.Combine(outDir, "triton"), "sentiment") { PreferredBatchSizes = new[] { 32, 128 } });
File.WriteAllText(Path.Combine(outDir, ServingOptions.ManifestFileName),
    ServingOptions.ManifestJson("model.onnx", "tokenizer.json", vocabulary, maxLength));
Console.WriteLine($"Wrote {modelPath}, tokenizer.json, {ServingOptions.ManifestFileName} and the Triton repository {Path.Combine(outDir, "triton")}.");

// The exported graph against the model itself, on the test reviews.
using var session = new InferenceSession(modelPath);
string inputName = session.InputMetadata.Keys.Single(), outputName = session.OutputMetadata.Keys.Single();
long[] ids = xTest.data<long>().ToArray();
using var input = OrtValue.CreateTensorValueFromMemory(ids, xTest.shape);
using var outputs = session.Run(new RunOptions(), new[] { inputName }, new[] { input }, new[] { outputName });
float[] onnx = outputs[0].GetTensorDataAsSpan<float>().ToArray();
using Tensor predicted = model.Predict(xTest, batchSize: 256);
float[] torchValues = predicted.data<float>().ToArray();
double maxDiff = onnx.Zip(torchValues, (a, b) => Math.Abs(a - b)).Max();
Console.WriteLine($"ONNX Runtime vs Predict on {testTexts.Count} test reviews: max |difference| {maxDiff:0.0e0} (input \"{inputName}\", output \"{outputName}\").");
return maxDiff < 1e-4 ? 0 : 1;
