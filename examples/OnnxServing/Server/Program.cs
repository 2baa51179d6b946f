// OnnxServing's server: the exported sentiment model behind POST /predict, on ONNX Runtime alone (no TorchSharp,
// no libtorch). Run the Train step first; it writes model.onnx, tokenizer.json and serving.json into one folder.
//
//   dotnet run --project examples/OnnxServing/Server -- [--dir onnx-serving-output] [--urls http://127.0.0.1:5000] [--threads N]
//
//   curl -s localhost:5000/predict -H 'Content-Type: application/json' -d '{"texts": ["good great fine", "awful bad"]}'
//   curl -s localhost:5000/predict -H 'Content-Type: application/json' -d '{"ids": [[5, 12, 7, 0], [30, 31, 2, 9]]}'
using System;
using OnnxServing.Server;

string directory = "onnx-serving-output", urls = "http://127.0.0.1:5000";
int threads = 0;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--dir": directory = Next(); break;
        case "--urls": urls = Next(); break;
        case "--threads": threads = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --dir DIR (the Train step's output), --urls URLS, --threads N");
            return 2;
    }
}

ServingOptions options = ServingOptions.FromManifest(directory) with { Urls = urls, IntraOpThreads = threads };
using var app = ServingApp.Create(options);
Console.WriteLine($"Serving {options.ModelPath} on {urls} (POST /predict, GET /health); Ctrl+C stops.");
await app.RunAsync();
return 0;
