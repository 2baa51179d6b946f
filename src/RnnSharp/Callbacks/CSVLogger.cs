using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using RnnSharp.Utils;

namespace RnnSharp.Callbacks
{
    /// <summary>
    /// Streams each epoch's logs to a CSV file, as Keras 2.6's <c>keras.callbacks.CSVLogger</c>.
    /// </summary>
    /// <remarks>
    /// The columns are <c>epoch</c> (zero-based) then the log keys of the first epoch in sorted (ordinal) order;
    /// values are written as Python prints floats (<c>0.5</c>, <c>0.6931471805599453</c>, <c>1e-05</c>), rows end
    /// with <c>\r\n</c> (Python's <c>csv</c> excel dialect, quoting only fields that need it), and the file is
    /// flushed after each row. A key missing in the epoch at which training is stopped is written <c>NA</c>; missing
    /// elsewhere it raises <see cref="KeyNotFoundException"/>, as Keras's <c>KeyError</c>. With <c>append</c>, rows
    /// are added to an existing file and the header is written only when the file is empty.
    /// </remarks>
    public sealed class CSVLogger : Callback, IDisposable
    {
        private StreamWriter? file;
        private List<string>? keys;
        private bool appendHeader = true;
        private bool headerDone;

        /// <summary>Creates the logger.</summary>
        /// <param name="filename">Path of the CSV file.</param>
        /// <param name="separator">Separator between fields.</param>
        /// <param name="append">Append to an existing file instead of overwriting it.</param>
        public CSVLogger(string filename, string separator = ",", bool append = false)
        {
            Filename = filename ?? throw new ArgumentNullException(nameof(filename));
            if (string.IsNullOrEmpty(separator)) throw new ArgumentException("The separator must not be empty.", nameof(separator));
            Separator = separator;
            Append = append;
        }

        /// <summary>Path of the CSV file.</summary>
        public string Filename { get; }
        /// <summary>Separator between fields.</summary>
        public string Separator { get; }
        /// <summary>Whether rows are appended to an existing file.</summary>
        public bool Append { get; }

        /// <summary>The columns after <c>epoch</c>, fixed by the first epoch logged (kept if the instance is reused, as in Keras).</summary>
        public IReadOnlyList<string>? Keys => keys;

        /// <inheritdoc />
        public override void OnTrainBegin(IDictionary<string, double>? logs = null)
        {
            CloseFile();
            // Data-parallel: one file, written by rank 0.
            if (!RnnSharp.Distribution.Distribution.IsChief) return;
            FileMode mode = FileMode.Create;
            if (Append)
            {
                if (File.Exists(Filename)) appendHeader = new FileInfo(Filename).Length == 0;
                mode = FileMode.Append;
            }
            file = new StreamWriter(new FileStream(Filename, mode, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
            headerDone = false;
        }

        /// <inheritdoc />
        public override void OnEpochEnd(int epoch, IDictionary<string, double>? logs = null)
        {
            if (!RnnSharp.Distribution.Distribution.IsChief) return;
            logs = OrEmpty(logs);
            var writer = file ?? throw new InvalidOperationException("CSVLogger: OnTrainBegin opens the file and must be called first.");
            keys ??= logs.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            bool stopping = RequireModel().StopTraining;
            if (!headerDone)
            {
                if (appendHeader) WriteRow(writer, new[] { "epoch" }.Concat(keys));
                headerDone = true;
            }
            var row = new List<string> { epoch.ToString(CultureInfo.InvariantCulture) };
            foreach (var key in keys)
            {
                if (logs.TryGetValue(key, out double value)) row.Add(PythonFormat.Repr(value));
                // NA keeps CSV parsers working for the last, interrupted epoch.
                else if (stopping) row.Add("NA");
                else throw new KeyNotFoundException(
                    $"CSVLogger: the logs of epoch {epoch} have no \"{key}\"; the columns ({string.Join(", ", keys)}) are fixed by the first epoch logged.");
            }
            WriteRow(writer, row);
            writer.Flush();
        }

        /// <inheritdoc />
        public override void OnTrainEnd(IDictionary<string, double>? logs = null) => CloseFile();

        /// <summary>Closes the file if it is open.</summary>
        public void Dispose() => CloseFile();

        private void WriteRow(StreamWriter writer, IEnumerable<string> fields)
            => writer.Write(string.Join(Separator, fields.Select(Quote)) + "\r\n");

        private string Quote(string field)
        {
            // QUOTE_MINIMAL: only fields holding the separator, a quote or a line break are quoted.
            bool needs = field.Contains(Separator, StringComparison.Ordinal) || field.IndexOfAny(new[] { '"', '\r', '\n' }) >= 0;
            return needs ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
        }

        private void CloseFile()
        {
            file?.Dispose();
            file = null;
        }
    }
}
