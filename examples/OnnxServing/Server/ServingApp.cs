using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using RnnSharp.Data;

namespace OnnxServing.Server
{
    /// <summary>
    /// The minimal API: <c>POST /predict</c> answers 200 with <c>{"probabilities": [[...], ...]}</c> (one row per
    /// input row), 400 with <c>{"error": "..."}</c> for a request it cannot answer, or 500 with <c>{"error": "..."}</c>
    /// for a failure of its own; <c>GET /health</c> names the model's input and output.
    /// </summary>
    public static class ServingApp
    {
        /// <summary>Builds the web application; the caller runs or starts it and disposes it.</summary>
        /// <param name="options">The model, tokenizer and limits.</param>
        /// <param name="args">Command-line arguments for ASP.NET Core's configuration, if any.</param>
        /// <returns>The application, not yet started.</returns>
        public static WebApplication Create(ServingOptions options, string[]? args = null)
        {
            ArgumentNullException.ThrowIfNull(options);
            Tokenizer? tokenizer = options.TokenizerPath is null ? null : Tokenizer.FromJson(File.ReadAllText(options.TokenizerPath));
            var classifier = new OnnxClassifier(options.ModelPath, options.IntraOpThreads);

            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args ?? Array.Empty<string>());
            builder.WebHost.UseUrls(options.Urls);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            WebApplication app = builder.Build();
            // The session holds native memory; it goes with the application.
            app.Lifetime.ApplicationStopped.Register(classifier.Dispose);
            // An error of the server's own (a tokenizer that does not match the model) still answers in JSON.
            app.UseExceptionHandler(handler => handler.Run(context =>
            {
                Exception? error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return context.Response.WriteAsJsonAsync(new { error = "The server failed to answer: " + (error?.Message ?? "unknown error") });
            }));

            app.MapGet("/health", () => Results.Json(new { status = "ok", input = classifier.InputName, output = classifier.OutputName, vocabulary_size = options.VocabularySize }));
            app.MapPost("/predict", async (HttpRequest request) =>
            {
                JsonDocument document;
                try
                {
                    document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                }
                catch (JsonException e)
                {
                    return Error($"The body is not valid JSON: {e.Message}");
                }

                using (document)
                {
                    string? error = PredictRequest.TryRead(document.RootElement, options, tokenizer, out var rows);
                    if (error is not null)
                        return Error(error);
                    // ONNX Runtime computes synchronously; keep it off the request's I/O continuation.
                    float[][] probabilities = await Task.Run(() => classifier.Predict(rows));
                    return Results.Json(new { probabilities });
                }
            });
            return app;
        }

        private static IResult Error(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status400BadRequest);
    }
}
