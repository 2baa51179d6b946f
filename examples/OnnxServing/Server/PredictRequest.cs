using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using RnnSharp.Data;

namespace OnnxServing.Server
{
    /// <summary>
    /// Turns a <c>POST /predict</c> body into a batch of id rows, or into the message of a 400 answer:
    /// <c>{"ids": [[...], ...]}</c> (rows of one length, ids in the vocabulary) or <c>{"texts": ["...", ...]}</c>
    /// (encoded by the saved tokenizer and padded as in training).
    /// </summary>
    public static class PredictRequest
    {
        /// <summary>Reads the body's rows of ids.</summary>
        /// <param name="body">The parsed JSON body.</param>
        /// <param name="options">The vocabulary size, text length and batch limit.</param>
        /// <param name="tokenizer">The tokenizer for texts, or <see langword="null"/> when the server takes ids only.</param>
        /// <param name="rows">The rows, when the body is valid.</param>
        /// <returns><see langword="null"/> when the body is valid, else the error message.</returns>
        public static string? TryRead(JsonElement body, ServingOptions options, Tokenizer? tokenizer, out List<long[]> rows)
        {
            rows = new List<long[]>();
            if (body.ValueKind != JsonValueKind.Object)
                return $"The body must be a JSON object with \"ids\" or \"texts\"; received a JSON {Kind(body)}.";
            bool hasIds = body.TryGetProperty("ids", out JsonElement ids);
            bool hasTexts = body.TryGetProperty("texts", out JsonElement texts);
            if (hasIds == hasTexts)
                return hasIds
                    ? "The body must have \"ids\" or \"texts\", not both."
                    : "The body must have \"ids\" (rows of token ids) or \"texts\" (strings); it has neither.";
            return hasIds ? ReadIds(ids, options, rows) : ReadTexts(texts, options, tokenizer, rows);
        }

        private static string? ReadIds(JsonElement ids, ServingOptions options, List<long[]> rows)
        {
            if (ids.ValueKind != JsonValueKind.Array)
                return $"\"ids\" must be an array of rows, shape [batch, time]; received a JSON {Kind(ids)}.";
            int batch = ids.GetArrayLength();
            string? sizeError = CheckBatch(batch, "ids", options);
            if (sizeError is not null)
                return sizeError;
            int i = 0;
            foreach (JsonElement row in ids.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array)
                    return $"\"ids\" must have shape [batch, time]: row {i} is a JSON {Kind(row)}, not an array.";
                int length = row.GetArrayLength();
                if (length == 0)
                    return $"\"ids\" row {i} is empty; every row needs at least one id.";
                if (i > 0 && length != rows[0].Length)
                    return $"\"ids\" must have shape [batch, time], every row of one length: row 0 has {rows[0].Length} ids, row {i} has {length} (pad with 0).";
                var values = new long[length];
                int j = 0;
                foreach (JsonElement id in row.EnumerateArray())
                {
                    if (id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out long value))
                        return $"\"ids\"[{i}][{j}] must be an integer token id; received {id.GetRawText()}.";
                    if (value < 0 || value >= options.VocabularySize)
                        return $"\"ids\"[{i}][{j}] is {value}, outside the vocabulary: ids must be 0 (padding) to {options.VocabularySize - 1}.";
                    values[j++] = value;
                }

                rows.Add(values);
                i++;
            }

            return null;
        }

        private static string? ReadTexts(JsonElement texts, ServingOptions options, Tokenizer? tokenizer, List<long[]> rows)
        {
            if (tokenizer is null)
                return "This server has no tokenizer: send \"ids\" instead of \"texts\".";
            if (texts.ValueKind != JsonValueKind.Array)
                return $"\"texts\" must be an array of strings; received a JSON {Kind(texts)}.";
            string? sizeError = CheckBatch(texts.GetArrayLength(), "texts", options);
            if (sizeError is not null)
                return sizeError;
            var strings = new List<string>();
            int i = 0;
            foreach (JsonElement text in texts.EnumerateArray())
            {
                if (text.ValueKind != JsonValueKind.String)
                    return $"\"texts\"[{i}] must be a string; received a JSON {Kind(text)}.";
                strings.Add(text.GetString()!);
                i++;
            }

            foreach (List<int> sequence in tokenizer.TextsToSequences(strings))
            {
                long[] row = Pad(sequence, options.MaxLength, options.Padding, options.Truncating);
                // The tokenizer and the model come from one training run; an id beyond the embedding means they do not.
                if (row.Any(id => id >= options.VocabularySize))
                    throw new InvalidOperationException($"The tokenizer produced an id at or above the model's vocabulary size {options.VocabularySize}: the tokenizer and model do not match.");
                rows.Add(row);
            }

            return null;
        }

        /// <summary>Keras's <c>pad_sequences</c> for one sequence, with padding value 0.</summary>
        /// <param name="sequence">The ids.</param>
        /// <param name="length">The row length.</param>
        /// <param name="padding"><c>"pre"</c> or <c>"post"</c>.</param>
        /// <param name="truncating"><c>"pre"</c> or <c>"post"</c>.</param>
        /// <returns>The padded row.</returns>
        public static long[] Pad(IReadOnlyList<int> sequence, int length, string padding, string truncating)
        {
            var row = new long[length];
            int kept = Math.Min(sequence.Count, length);
            int from = truncating == "pre" ? sequence.Count - kept : 0;
            int to = padding == "pre" ? length - kept : 0;
            for (int k = 0; k < kept; k++)
                row[to + k] = sequence[from + k];
            return row;
        }

        private static string? CheckBatch(int batch, string name, ServingOptions options)
        {
            if (batch == 0)
                return $"\"{name}\" is empty; send at least one row.";
            if (batch > options.MaxBatchSize)
                return $"\"{name}\" has {batch} rows; this server takes at most {options.MaxBatchSize} a request.";
            return null;
        }

        private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
    }
}
