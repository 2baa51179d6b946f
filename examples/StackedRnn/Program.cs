// Stacked-RNN experiment: Embedding + two stacked recurrent layers + Dense, trained with Fit on a built-in
// synthetic sentiment task (or the real IMDB data with --imdb PATH to imdb.npz or its folder), printing Summary(), Keras progress and the
// final Evaluate, and writing the loss/accuracy curves (PNG) and a CSV log.
//
//   dotnet run --project examples/StackedRnn -- [--cell lstm|gru|simple_rnn] [--epochs N] [--units N]
//                                              [--imdb PATH] [--device cpu|cuda] [--out DIR] [--verbose 0|1|2]
//                                              [--precision float32|mixed_bfloat16|mixed_float16]
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp;
using RnnSharp.Callbacks;
using RnnSharp.Data;
using RnnSharp.Layers;
using static TorchSharp.torch;

var options = Options.Parse(args);
if (options is null) return 2;
if (options.Device != "cpu")
{
    try
    {
        Backend.Device(options.Device); // before any data or training: says so when CUDA is not available
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine($"--device {options.Device}: {e.Message}");
        return 2;
    }
}

Backend.SetRandomSeed(42);
Tensor xTrain, yTrain, xTest, yTest;
int vocabulary;
if (options.ImdbDir is not null)
{
    vocabulary = 10000;
    // --imdb takes the imdb.npz file itself or the folder that holds it.
    string npz = Directory.Exists(options.ImdbDir) ? Path.Combine(options.ImdbDir, "imdb.npz") : options.ImdbDir;
    var ((trainX, trainY), (testX, testY)) = Imdb.LoadData(npz, numWords: vocabulary);
    xTrain = Sequence.PadSequences(trainX, maxlen: options.MaxLength, dtype: "int64", padding: "post", truncating: "post");
    xTest = Sequence.PadSequences(testX, maxlen: options.MaxLength, dtype: "int64", padding: "post", truncating: "post");
    yTrain = tensor(trainY.Select(v => (float)v).ToArray());
    yTest = tensor(testY.Select(v => (float)v).ToArray());
    Console.WriteLine($"IMDB: {trainX.Length} train and {testX.Length} test reviews, first {vocabulary} words, cut/padded to {options.MaxLength}.");
}
else
{
    vocabulary = SyntheticSentiment.VocabularySize;
    var (trainReviews, trainLabels) = SyntheticSentiment.Generate(4000, options.MaxLength, seed: 1);
    var (testReviews, testLabels) = SyntheticSentiment.Generate(1000, options.MaxLength, seed: 2);
    // Right padding keeps every layer on the fused kernel (packed sequences).
    xTrain = Sequence.PadSequences(trainReviews, maxlen: options.MaxLength, dtype: "int64", padding: "post");
    xTest = Sequence.PadSequences(testReviews, maxlen: options.MaxLength, dtype: "int64", padding: "post");
    yTrain = tensor(trainLabels.Select(v => (float)v).ToArray());
    yTest = tensor(testLabels.Select(v => (float)v).ToArray());
    Console.WriteLine($"Synthetic sentiment: {trainReviews.Count} train and {testReviews.Count} test reviews of 10-{options.MaxLength} words; " +
                      "label = positive words outnumber negative ones (chance: 50%).");
}

Layer Recurrent(bool returnSequences) => options.Cell switch
{
    "gru" => new GRU(options.Units, returnSequences: returnSequences),
    "simple_rnn" => new SimpleRNN(options.Units, returnSequences: returnSequences),
    _ => new LSTM(options.Units, returnSequences: returnSequences),
};

// Keras's keras.mixed_precision.set_global_policy: the layers made below compute in its dtype, weights stay float32.
MixedPrecision.SetGlobalPolicy(options.Precision);
var model = new Sequential();
model.Add(new Embedding(vocabulary, 32, maskZero: true));
model.Add(Recurrent(returnSequences: true));
model.Add(Recurrent(returnSequences: false));
model.Add(new Dense(1, activation: "sigmoid"));
if (options.Device != "cpu") model.To(options.Device);
model.Summary();
foreach (var rnn in model.Layers.OfType<RNN>())
    Console.WriteLine($"{rnn.Name}: {rnn.ExecutionPath}{(rnn.ExecutionPathReason is null ? "" : " (" + rnn.ExecutionPathReason + ")")}");

model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "acc" });
Directory.CreateDirectory(options.OutDir);
string csvPath = Path.Combine(options.OutDir, "training_log.csv");
// Memory check: live native tensors and process RSS after every epoch should stay flat.
var liveTensors = new List<long>();
var rssMiB = new List<double>();
var memoryProbe = new LambdaCallback(onEpochEnd: (_, _) =>
{
    liveTensors.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    rssMiB.Add(System.Diagnostics.Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0));
});
var history = model.Fit(xTrain, yTrain, batchSize: 64, epochs: options.Epochs, validationSplit: 0.2, verbose: options.Verbose,
    callbacks: new Callback[] { new CSVLogger(csvPath), memoryProbe });
Console.WriteLine($"Live tensors after each epoch: {string.Join(", ", liveTensors)}; RSS (MiB): {string.Join(", ", rssMiB.Select(v => v.ToString("F0")))}");

var results = model.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
Console.WriteLine($"Test loss: {results["loss"]:F4} - test acc: {results["acc"]:F4} ({options.Precision})");

string plotPath = Path.Combine(options.OutDir, "training_curves.png");
TrainingPlot.Save(history, plotPath, $"{options.Cell} x2, {options.Units} units");
Console.WriteLine($"Wrote {csvPath} and {plotPath}");
return 0;

/// <summary>Command-line options of the experiment.</summary>
internal sealed record Options(string Cell, int Epochs, int Units, int MaxLength, string? ImdbDir, string Device, string OutDir, int Verbose,
    string Precision = "float32")
{
    public static Options? Parse(string[] args)
    {
        var o = new Options("lstm", 6, 32, 40, null, "cpu", "stacked-rnn-output", 1);
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--cell": o = o with { Cell = Next().ToLowerInvariant() }; break;
                case "--epochs": o = o with { Epochs = int.Parse(Next()) }; break;
                case "--units": o = o with { Units = int.Parse(Next()) }; break;
                case "--maxlen": o = o with { MaxLength = int.Parse(Next()) }; break;
                case "--imdb": o = o with { ImdbDir = Next(), MaxLength = Math.Max(o.MaxLength, 200) }; break;
                case "--device": o = o with { Device = Next() }; break;
                case "--out": o = o with { OutDir = Next() }; break;
                case "--verbose": o = o with { Verbose = int.Parse(Next()) }; break;
                case "--precision": o = o with { Precision = Next() }; break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}. Options: --cell lstm|gru|simple_rnn, --epochs N, --units N, --maxlen N, --imdb PATH (imdb.npz or its folder), --device cpu|cuda, --out DIR, --verbose 0|1|2, --precision float32|mixed_bfloat16|mixed_float16");
                    return null;
            }
        }
        if (o.Cell is not ("lstm" or "gru" or "simple_rnn"))
        {
            Console.Error.WriteLine($"--cell must be lstm, gru or simple_rnn; received {o.Cell}.");
            return null;
        }
        if (o.Precision is not ("float32" or "mixed_bfloat16" or "mixed_float16"))
        {
            Console.Error.WriteLine($"--precision must be float32, mixed_bfloat16 or mixed_float16; received {o.Precision}.");
            return null;
        }
        return o;
    }
}
