// A bidirectional stacked classifier trained with Fit on a small synthetic task that needs both ends of each
// sequence: word ids 1-19, right-padded with 0 to 12 steps, labelled 1 when the first and the last word add up to
// more than 20. The forward direction ends on the last word and the backward direction on the first one, so the
// merged outputs hold both. The Keras code this ports:
//
//   model = Sequential()
//   model.add(Embedding(20, 8, mask_zero=True, input_length=12))
//   model.add(Bidirectional(LSTM(16, return_sequences=True)))
//   model.add(Bidirectional(LSTM(16)))
//   model.add(Dense(1, activation="sigmoid"))
//   model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
//   model.fit(x_train, y_train, batch_size=64, epochs=8, validation_split=0.2)
//
//   dotnet run --project examples/BidirectionalClassifier -- [--epochs N] [--device cpu|cuda]
using System;
using System.Linq;
using RnnSharp;
using RnnSharp.Layers;
using static TorchSharp.torch;

string device = DeviceOption.Take(ref args);
int epochs = args.Length == 2 && args[0] == "--epochs" && int.TryParse(args[1], out int e) ? e : 8;
const int Vocabulary = 20, Steps = 12;
Backend.SetRandomSeed(7);

(Tensor X, Tensor Y) Make(int count, int seed)
{
    var rng = new Random(seed);
    var x = new long[count, Steps];
    var y = new float[count];
    for (int i = 0; i < count; i++)
    {
        int length = rng.Next(3, Steps + 1);
        for (int t = 0; t < length; t++) x[i, t] = rng.Next(1, Vocabulary);
        y[i] = x[i, 0] + x[i, length - 1] > Vocabulary ? 1f : 0f;
    }
    return (tensor(x), tensor(y).unsqueeze(1));
}

var (xTrain, yTrain) = Make(3000, seed: 1);
var (xTest, yTest) = Make(1000, seed: 2);

var model = new Sequential();
model.Add(new Embedding(Vocabulary, 8, maskZero: true, inputLength: Steps));
model.Add(new Bidirectional(new LSTM(16, returnSequences: true)));
model.Add(new Bidirectional(new LSTM(16)));
model.Add(new Dense(1, activation: "sigmoid"));
if (device != "cpu") model.To(device);
model.Summary();
model.Summary(expandNested: true);
foreach (var layer in model.Layers.OfType<Bidirectional>())
    Console.WriteLine($"{layer.Name}: {layer.ExecutionPath}{(layer.ExecutionPathReason is null ? " (one fused bidirectional call per batch)" : " (" + layer.ExecutionPathReason + ")")}");

model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "acc" });
model.Fit(xTrain, yTrain, batchSize: 64, epochs: epochs, validationSplit: 0.2, verbose: 2);
var results = model.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
Console.WriteLine($"Test loss: {results["loss"]:F4} - test acc: {results["acc"]:F4} (chance: 0.5)");
return 0;
