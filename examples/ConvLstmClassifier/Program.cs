// Keras's classic convolution + LSTM text classifier (the imdb_cnn_lstm.py example), on a synthetic task where word
// order matters locally: sequences of word ids 1-29, pre-padded with 0 to 60 steps as Keras's pad_sequences does,
// labelled 1 when the three words 3, 7, 11 appear next to each other in that order. Negative sequences may hold the
// same three words in another order, so counting words does not solve the task: the Conv1D's filters detect the
// trigram, MaxPooling1D shortens the sequence fourfold and the LSTM reads the pooled features. The model is then
// saved as a Keras 3 .keras file and loaded back, compiled as it was saved. The Keras code this ports:
//
//   model = Sequential()
//   model.add(Embedding(30, 16, input_length=60))
//   model.add(Dropout(0.25))
//   model.add(Conv1D(32, 3, padding="valid", activation="relu", strides=1))
//   model.add(MaxPooling1D(pool_size=4))
//   model.add(LSTM(24))
//   model.add(Dense(1))
//   model.add(Activation("sigmoid"))
//   model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
//   model.fit(x_train, y_train, batch_size=64, epochs=6, validation_split=0.1)
//   model.save("conv_lstm.keras")
//   model = keras.models.load_model("conv_lstm.keras")
//
//   dotnet run --project examples/ConvLstmClassifier -- [--epochs N] [--device cpu|cuda]
using System;
using System.IO;
using System.Linq;
using RnnSharp;
using RnnSharp.Layers;
using static TorchSharp.torch;

string device = DeviceOption.Take(ref args);
int epochs = args.Length == 2 && args[0] == "--epochs" && int.TryParse(args[1], out int e) ? e : 6;
const int Vocabulary = 30, Steps = 60;
int[] motif = { 3, 7, 11 };
Backend.SetRandomSeed(7);

(Tensor X, Tensor Y) Make(int count, int seed)
{
    var rng = new Random(seed);
    var x = new long[count, Steps];
    var y = new float[count];
    for (int i = 0; i < count; i++)
    {
        int length = rng.Next(20, Steps + 1);
        var words = Enumerable.Range(0, length).Select(_ => rng.Next(1, Vocabulary)).ToArray();
        bool positive = rng.Next(2) == 1;
        // Every sequence holds the three words; only positives hold them side by side in order.
        int at = rng.Next(0, length - 3);
        var placed = positive ? motif : motif.OrderBy(_ => rng.Next()).ToArray();
        if (!positive && placed.SequenceEqual(motif)) placed = new[] { motif[2], motif[0], motif[1] };
        for (int k = 0; k < 3; k++) words[at + k] = placed[k];
        bool holds = Enumerable.Range(0, length - 2).Any(t => words[t] == motif[0] && words[t + 1] == motif[1] && words[t + 2] == motif[2]);
        for (int t = 0; t < length; t++) x[i, Steps - length + t] = words[t];
        y[i] = holds ? 1f : 0f;
    }
    return (tensor(x), tensor(y).unsqueeze(1));
}

var (xTrain, yTrain) = Make(4000, seed: 1);
var (xTest, yTest) = Make(1000, seed: 2);

var model = new Sequential();
model.Add(new Embedding(Vocabulary, 16, inputLength: Steps));
model.Add(new Dropout(0.25));
model.Add(new Conv1D(32, 3, padding: "valid", activation: "relu", strides: 1));
model.Add(new MaxPooling1D(poolSize: 4));
model.Add(new LSTM(24));
model.Add(new Dense(1));
model.Add(new Activation("sigmoid"));
if (device != "cpu") model.To(device);
model.Summary();

model.Compile(optimizer: "adam", loss: "binary_crossentropy", metrics: new[] { "accuracy" });
model.Fit(xTrain, yTrain, batchSize: 64, epochs: epochs, validationSplit: 0.1, verbose: 2);
var results = model.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
Console.WriteLine($"Test loss: {results["loss"]:F4} - test accuracy: {results["accuracy"]:F4} (chance: 0.5)");

// Keras 3's format: the architecture, the weights and the compile settings in one file.
string path = Path.Combine(Path.GetTempPath(), "conv_lstm.keras");
model.Save(path);
using var loaded = Model.Load(path);
var again = loaded.Evaluate(xTest, yTest, batchSize: 256, verbose: 0);
Console.WriteLine($"Saved to {path} and loaded back ({loaded.Optimizer!.GetType().Name}, {loaded.Loss!.Name}): test accuracy {again["accuracy"]:F4}");
File.Delete(path);
return 0;
