// The program tests/RnnSharp.Distributed.Tests runs under `mpirun -np 2` and alone (the one-process reference):
//
//   RnnSharp.Distributed.Tests.Worker train|initial|load|mismatch-model|mismatch-data|fault OUT_DIR
//
// train: a stacked RNN trained with Fit (validation split, ReduceLROnPlateau, EarlyStopping, CSVLogger), then Evaluate
// and Predict; each process writes result-{size}-{rank}.json (weights, history, learning rates, evaluation, predictions)
// and rank 0 saves model.keras. initial: the weights before training. load: a single process loads model.keras and writes load.json with its predictions.
// mismatch-*: rank 1 builds a larger model or passes fewer samples (exit code 3 with the error). fault: rank 1 throws in
// a callback after the first epoch.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using RnnSharp;
using RnnSharp.Callbacks;
using RnnSharp.Distributed;
using RnnSharp.Distribution;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using static TorchSharp.torch;

if (args.Length != 2)
{
    Console.Error.WriteLine("Usage: RnnSharp.Distributed.Tests.Worker train|initial|load|mismatch-model|mismatch-data|fault OUT_DIR");
    return 2;
}
string scenario = args[0], outDir = args[1];
Directory.CreateDirectory(outDir);
// One libtorch thread per process: two processes share this machine's cores (and runs repeat exactly).
TorchSharp.torch.set_num_threads(1);
using var world = MpiCommunicator.Create();
Distribution.SetDistribution(new DataParallel(world));
int rank = world.Rank, size = world.Size;

const int Samples = 62, MaxLength = 12, Vocabulary = 30;
Backend.SetRandomSeed(7);
var (x, y) = Data(rank == 1 && scenario == "mismatch-data" ? Samples - 2 : Samples);
string modelPath = Path.Combine(outDir, "model.keras");

if (scenario == "load")
{
    var loaded = RnnSharp.Model.Load(modelPath);
    Write("load.json", new Dictionary<string, object> { ["predict"] = Flat(loaded.Predict(x, batchSize: 61)) });
    return 0;
}

var model = Build(rank == 1 && scenario == "mismatch-model" ? 9 : 8);
if (scenario == "initial")
{
    // The weights before any step (Predict builds the model, drawing the same initial weights as Fit would).
    model.Predict(x, batchSize: 61).Dispose();
    Write($"initial-{size}-{rank}.json", new Dictionary<string, object> { ["weights"] = model.GetWeights().Select(Flat).ToArray() });
    return 0;
}
model.Compile(new SGD(learningRate: 0.5), "binary_crossentropy", new[] { "acc" });
var learningRates = new List<double>();
var callbacks = new List<Callback>
{
    new ReduceLROnPlateau(monitor: "loss", factor: 0.5, patience: 0, minDelta: 0.01),
    new EarlyStopping(monitor: "loss", minDelta: 0.01, patience: 2),
    new CSVLogger(Path.Combine(outDir, $"log-{size}.csv")),
    new LambdaCallback(onEpochEnd: (epoch, _) =>
    {
        learningRates.Add(model.Optimizer!.LearningRate);
        if (scenario == "fault" && rank == 1) throw new InvalidOperationException("injected failure on rank 1");
    }),
};
History history;
try
{
    // 49 training samples in global batches of 16: 8 per process, and a last batch of 1 that leaves rank 1 empty.
    history = model.Fit(x, y, batchSize: 16, epochs: 6, verbose: 2, validationSplit: 0.2, callbacks: callbacks);
}
catch (DistributionMismatchException e)
{
    Console.Error.WriteLine($"MISMATCH on rank {rank}: {e.Message}");
    return 3;
}
var evaluation = model.Evaluate(x, y, batchSize: 10, verbose: 0);
// 62 samples in batches of 61: the last batch of 1 leaves rank 1 empty again.
var predictions = model.Predict(x, batchSize: 61);
if (Distribution.IsChief) model.Save(modelPath);
Write($"result-{size}-{rank}.json", new Dictionary<string, object>
{
    ["weights"] = model.GetWeights().Select(Flat).ToArray(),
    ["history"] = history.Values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()),
    ["learningRates"] = learningRates,
    ["evaluate"] = evaluation,
    ["predict"] = Flat(predictions),
});
return 0;

static (Tensor X, Tensor Y) Data(int samples)
{
    // Sequences of 4-12 tokens, right-padded; label: token sum above the middle.
    var random = new Random(11);
    var tokens = new long[Samples * MaxLength];
    var labels = new float[Samples];
    for (int i = 0; i < Samples; i++)
    {
        int length = random.Next(4, MaxLength + 1);
        long sum = 0;
        for (int t = 0; t < length; t++) sum += tokens[i * MaxLength + t] = random.Next(1, Vocabulary);
        labels[i] = sum > length * Vocabulary / 2 ? 1f : 0f;
    }
    return (tensor(tokens, new long[] { Samples, MaxLength }).narrow(0, 0, samples), tensor(labels).narrow(0, 0, samples));
}

static Sequential Build(int units)
{
    var model = new Sequential();
    model.Add(new Embedding(Vocabulary, 6, maskZero: true));
    model.Add(new LSTM(units, returnSequences: true));
    model.Add(new GRU(units));
    model.Add(new Dense(1, activation: "sigmoid"));
    return model;
}

static float[] Flat(Tensor t) => t.detach().cpu().to(ScalarType.Float32).reshape(-1).data<float>().ToArray();

void Write(string name, object value)
    => File.WriteAllText(Path.Combine(outDir, name), JsonSerializer.Serialize(value));
