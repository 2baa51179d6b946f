// The StackedRnn example run data-parallel over the processes an MPI launcher starts (alone, it trains as usual):
// Embedding + two stacked recurrent layers + Dense on the synthetic sentiment task, each process training on its
// slice of every global batch of 64, gradients averaged over the processes each step.
//
//   dotnet build examples/DistributedStackedRnn -c Release
//   mpirun -np 2 dotnet examples/DistributedStackedRnn/bin/Release/net10.0/DistributedStackedRnn.dll [--epochs N] [--cell lstm|gru|simple_rnn] [--units N] [--out DIR]
//
// (as root add --allow-run-as-root; with more processes than cores, --oversubscribe; on a cluster see docs/distributed.md.)
using System;
using System.IO;
using System.Linq;
using RnnSharp;
using RnnSharp.Callbacks;
using RnnSharp.Data;
using RnnSharp.Distributed;
using RnnSharp.Distribution;
using RnnSharp.Layers;
using static TorchSharp.torch;

string cell = "lstm", outDir = "distributed-stacked-rnn-output";
int epochs = 6, units = 32, maxLength = 40;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--cell": cell = Next().ToLowerInvariant(); break;
        case "--epochs": epochs = int.Parse(Next()); break;
        case "--units": units = int.Parse(Next()); break;
        case "--out": outDir = Next(); break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --cell lstm|gru|simple_rnn, --epochs N, --units N, --out DIR");
            return 2;
    }
}
if (cell is not ("lstm" or "gru" or "simple_rnn"))
{
    Console.Error.WriteLine($"--cell must be lstm, gru or simple_rnn; received {cell}.");
    return 2;
}

// MPI's world when mpirun/srun started this process; this process alone otherwise.
using var world = MpiCommunicator.Create();
Distribution.SetDistribution(new DataParallel(world));
// Several processes on one machine share its cores: one libtorch thread each, or they slow each other down badly.
if (world.Size > 1) set_num_threads(1);

// Every process builds the same model and loads the same data; DataParallel gives rank 0's weights to all and
// hands each process its slice of every batch.
Backend.SetRandomSeed(42);
var (trainReviews, trainLabels) = SyntheticSentiment.Generate(4000, maxLength, seed: 1);
var (testReviews, testLabels) = SyntheticSentiment.Generate(1000, maxLength, seed: 2);
var xTrain = Sequence.PadSequences(trainReviews, maxlen: maxLength, dtype: "int64", padding: "post");
var xTest = Sequence.PadSequences(testReviews, maxlen: maxLength, dtype: "int64", padding: "post");
var yTrain = tensor(trainLabels.Select(v => (float)v).ToArray());
var yTest = tensor(testLabels.Select(v => (float)v).ToArray());

Layer Recurrent(bool returnSequences) => cell switch
{
    "gru" => new GRU(units, returnSequences: returnSequences),
    "simple_rnn" => new SimpleRNN(units, returnSequences: returnSequences),
    _ => new LSTM(units, returnSequences: returnSequences),
};

var model = new Sequential();
model.Add(new Embedding(SyntheticSentiment.VocabularySize, 32, maskZero: true));
model.Add(Recurrent(returnSequences: true));
model.Add(Recurrent(returnSequences: false));
model.Add(new Dense(1, activation: "sigmoid"));
model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "acc" });
model.Build(new int?[] { null, maxLength });
if (Distribution.IsChief)
{
    Console.WriteLine($"Data-parallel over {world.Size} process{(world.Size == 1 ? "" : "es")} ({(world.IsMpi ? "MPI" : "no MPI launcher")}); " +
                      $"global batch 64, {64 / world.Size} samples per process and step.");
    model.Summary();
    Directory.CreateDirectory(outDir);
}

// The progress bar, the CSV log and the checkpoint are written by rank 0 only; the logs are the whole job's.
string csvPath = Path.Combine(outDir, "training_log.csv");
var stopwatch = System.Diagnostics.Stopwatch.StartNew();
var history = model.Fit(xTrain, yTrain, batchSize: 64, epochs: epochs, validationSplit: 0.2,
    callbacks: new Callback[] { new CSVLogger(csvPath), new ModelCheckpoint(Path.Combine(outDir, "best.weights.h5"), saveBestOnly: true, saveWeightsOnly: true) });
double seconds = stopwatch.Elapsed.TotalSeconds;

// Evaluate and Predict are sharded too; every process gets the same results.
var results = model.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
if (Distribution.IsChief)
{
    Console.WriteLine($"Test loss: {results["loss"]:F4} - test acc: {results["acc"]:F4} - Fit took {seconds:F1} s");
    string plotPath = Path.Combine(outDir, "training_curves.png");
    TrainingPlot.Save(history, plotPath, $"{cell} x2, {units} units, {world.Size} process{(world.Size == 1 ? "" : "es")}");
    model.Save(Path.Combine(outDir, "model.keras"));
    Console.WriteLine($"Wrote {csvPath}, {plotPath} and {Path.Combine(outDir, "model.keras")}");
}
return 0;
