// Keras's character-level sequence-to-sequence recipe (keras.io/examples/nlp/lstm_seq2seq) with RnnSharp's functional
// API, on a task generated in code: human-readable dates to ISO dates. The encoder LSTM's final states start the
// decoder LSTM (teacher forcing in training); then an encoder model and a one-step decoder model are built from the
// trained layers and decode greedily. Prints Summary(), Keras's progress, sample translations and the held-out
// exact-match rate (99.2% after the default 20 epochs, about 100 s of training on 2 cores).
//
//   dotnet run --project examples/Seq2Seq -- [--epochs N] [--units N] [--samples N] [--verbose 0|1|2] [--device cpu|cuda]
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using RnnSharp;
using RnnSharp.Layers;
using RnnSharp.Optimizers;
using static TorchSharp.torch;

string device = DeviceOption.Take(ref args);
int epochs = 20, latentDim = 128, numSamples = 10000, verbose = 2;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    int value = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--epochs": epochs = value; break;
        case "--units": latentDim = value; break;
        case "--samples": numSamples = value; break;
        case "--verbose": verbose = value; break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --epochs N --units N --samples N --verbose 0|1|2 --device cpu|cuda");
            return 2;
    }
}
Backend.SetRandomSeed(42);
set_num_threads(Math.Max(1, Environment.ProcessorCount));

// The data: input texts, and target texts framed by "\t" (start) and "\n" (end), as in Keras's recipe.
var train = Dates.Generate(numSamples, seed: 1);
var test = Dates.Generate(1000, seed: 2);
var inputTexts = train.Select(p => p.Human).ToList();
var targetTexts = train.Select(p => "\t" + p.Iso + "\n").ToList();
var inputCharacters = train.Concat(test).SelectMany(p => p.Human).Append(' ').Distinct().OrderBy(c => c).ToArray();
var targetCharacters = targetTexts.SelectMany(t => t).Append(' ').Distinct().OrderBy(c => c).ToArray();
int numEncoderTokens = inputCharacters.Length, numDecoderTokens = targetCharacters.Length;
int maxEncoderSeqLength = train.Concat(test).Max(p => p.Human.Length), maxDecoderSeqLength = targetTexts.Max(t => t.Length);
var inputIndex = inputCharacters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
var targetIndex = targetCharacters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
Console.WriteLine($"Number of samples: {train.Count} (held out: {test.Count})");
Console.WriteLine($"Number of unique input tokens: {numEncoderTokens}");
Console.WriteLine($"Number of unique output tokens: {numDecoderTokens}");
Console.WriteLine($"Max sequence length for inputs: {maxEncoderSeqLength}");
Console.WriteLine($"Max sequence length for outputs: {maxDecoderSeqLength}");

// One-hot arrays padded with spaces, as Keras's recipe pads them: after the text, or before it with prePad.
Tensor OneHot(IReadOnlyList<string> texts, int length, Dictionary<char, int> index, int offset = 0, bool prePad = false)
{
    var data = new float[texts.Count, length, index.Count];
    for (int i = 0; i < texts.Count; i++)
        for (int t = 0; t < length; t++)
        {
            int source = prePad ? t - (length - texts[i].Length) : t + offset;
            data[i, t, index[source >= 0 && source < texts[i].Length ? texts[i][source] : ' ']] = 1f;
        }
    return tensor(data);
}
// The encoder's inputs are padded before the text (Keras's pad_sequences default), so that its final states, all the
// decoder gets, come right after the text rather than after a run of padding; the decoder's are padded after.
var encoderInputData = OneHot(inputTexts, maxEncoderSeqLength, inputIndex, prePad: true);
var decoderInputData = OneHot(targetTexts, maxDecoderSeqLength, targetIndex);
// The decoder's target is its input one step ahead: it learns to predict the next character.
var decoderTargetData = OneHot(targetTexts, maxDecoderSeqLength, targetIndex, offset: 1);

// The training model: encoder states start the decoder (teacher forcing).
var encoderInputs = Keras.Input(new int?[] { null, numEncoderTokens });
var encoder = new LSTM(latentDim, returnState: true);
var (_, stateH, stateC) = encoder.Call(encoderInputs);
var encoderStates = new[] { stateH, stateC };
var decoderInputs = Keras.Input(new int?[] { null, numDecoderTokens });
var decoderLstm = new LSTM(latentDim, returnSequences: true, returnState: true);
var (decoderSequence, _, _) = decoderLstm.Call(decoderInputs, initialState: encoderStates);
var decoderDense = new Dense(numDecoderTokens, activation: "softmax");
var decoderOutputs = decoderDense.Call(decoderSequence);
var model = new Model(new[] { encoderInputs, decoderInputs }, decoderOutputs);
if (device != "cpu") model.To(device);
model.Summary();

// Keras's recipe trains 100 epochs with "rmsprop" (learning rate 0.001); three times that rate reaches the same place
// in 20 epochs, about two minutes on 2 cores.
model.Compile(optimizer: new RMSprop(learningRate: 0.003), loss: "categorical_crossentropy", metrics: new[] { "accuracy" });
var clock = Stopwatch.StartNew();
model.Fit(new[] { encoderInputData, decoderInputData }, decoderTargetData, batchSize: 64, epochs: epochs, validationSplit: 0.2, verbose: verbose);
Console.WriteLine($"Training took {clock.Elapsed.TotalSeconds:F0} s.");

// Inference models from the trained layers: the encoder gives the states; the decoder takes one character and the
// states, and returns the next character's probabilities and the new states.
var encoderModel = new Model(encoderInputs, encoderStates);
var decoderStateInputH = Keras.Input(new int?[] { latentDim });
var decoderStateInputC = Keras.Input(new int?[] { latentDim });
var (stepSequence, stepH, stepC) = decoderLstm.Call(decoderInputs, initialState: new[] { decoderStateInputH, decoderStateInputC });
var decoderModel = new Model(new[] { decoderInputs, decoderStateInputH, decoderStateInputC }, new[] { decoderDense.Call(stepSequence), stepH, stepC });
decoderModel.Summary();

// Greedy decoding of a batch of inputs: feed "\t", then each predicted character, until "\n" or the length limit.
List<string> DecodeSequences(Tensor inputSeq)
{
    using var noGrad = no_grad();
    var states = encoderModel.Predict(new[] { inputSeq });
    Tensor h = states[0], c = states[1];
    long batch = inputSeq.shape[0];
    var decoded = Enumerable.Range(0, (int)batch).Select(_ => new System.Text.StringBuilder()).ToArray();
    var done = new bool[batch];
    var targetSeq = zeros(batch, 1, numDecoderTokens);
    targetSeq[TensorIndex.Colon, 0, targetIndex['\t']] = tensor(1f);
    for (int step = 0; step < maxDecoderSeqLength && !done.All(d => d); step++)
    {
        var outputs = decoderModel.Predict(new[] { targetSeq, h, c });
        var sampled = outputs[0].select(1, 0).argmax(-1);
        var indices = sampled.data<long>().ToArray();
        for (int i = 0; i < batch; i++)
        {
            if (done[i]) continue;
            char ch = targetCharacters[indices[i]];
            if (ch == '\n') done[i] = true;
            else decoded[i].Append(ch);
        }
        targetSeq = nn.functional.one_hot(sampled, numDecoderTokens).to(ScalarType.Float32).unsqueeze(1);
        h = outputs[1];
        c = outputs[2];
    }
    return decoded.Select(s => s.ToString()).ToList();
}

var testInputs = OneHot(test.Select(p => p.Human).ToList(), maxEncoderSeqLength, inputIndex, prePad: true);
var translations = DecodeSequences(testInputs);
Console.WriteLine();
for (int i = 0; i < 8; i++)
{
    Console.WriteLine("-");
    Console.WriteLine($"Input sentence: {test[i].Human}");
    Console.WriteLine($"Decoded sentence: {translations[i]}");
}
int exact = test.Select((p, i) => p.Iso == translations[i] ? 1 : 0).Sum();
Console.WriteLine();
Console.WriteLine($"Held-out exact-match rate: {exact}/{test.Count} = {100.0 * exact / test.Count:F1}%");
return 0;
