using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace RnnSharp.Utils
{
    /// <summary>Keras's <c>print_summary</c>: the classic TF 2.0–2.6 text byte for byte, or with <c>expandNested</c> the
    /// Keras 2.9–2.11 text that lists the layers of nested models indented between <c>|</c> borders.</summary>
    public static class SummaryUtils
    {
        /// <summary>Keras's default column edges for sequential models.</summary>
        public static readonly IReadOnlyList<double> DefaultPositions = new[] { .45, .85, 1.0 };

        /// <summary>Keras's default width for sequential models.</summary>
        public const int DefaultLineLength = 65;

        /// <summary>Keras's default column edges for functional models.</summary>
        public static readonly IReadOnlyList<double> DefaultFunctionalPositions = new[] { .33, .55, .67, 1.0 };

        /// <summary>Keras's default width for functional models.</summary>
        public const int DefaultFunctionalLineLength = 98;

        /// <summary>Prints <paramref name="model"/>'s summary through <paramref name="printFn"/>.</summary>
        public static void PrintSummary(Model model, int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
            => PrintSummary(model, false, lineLength, positions, printFn);

        /// <summary>
        /// Prints <paramref name="model"/>'s summary as TF 2.6's <c>print_summary</c>: a <see cref="Sequential"/> model, or
        /// a functional one whose graph is a plain chain, in the three-column layout; any other functional model with the
        /// "Connected to" column (one line per inbound tensor, <c>layer[node][tensor]</c>). With
        /// <paramref name="expandNested"/> in Keras 2.9–2.11's layout (rows start with a space, long fields wrap onto
        /// further lines, layers are separated by blank lines, and the layers of a nested model (a <see cref="Sequential"/>
        /// or functional model used as a layer; a functional one's input layers included) are listed below it between
        /// <c>|</c> borders, one level deeper, their connections outside the outer graph left out; connections are printed
        /// as a Python list). Wrappers such as <see cref="Layers.Bidirectional"/> are one row, as in Keras.
        /// </summary>
        public static void PrintSummary(Model model, bool expandNested, int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
        {
            if (!model.Built)
                throw new InvalidOperationException(
                    "This model has not yet been built. Build the model first by calling `Build()` or calling `Fit()` with some data, " +
                    "or specify an `inputShape` argument in the first layer(s) for automatic build.");
            printFn ??= Console.WriteLine;
            bool sequentialLike = IsSequentialLike(model);
            int width = lineLength ?? (sequentialLike ? DefaultLineLength : DefaultFunctionalLineLength);
            var edges = positions ?? (sequentialLike ? DefaultPositions : DefaultFunctionalPositions).ToArray();
            int columnsCount = sequentialLike ? 3 : 4;
            if (edges.Length != columnsCount)
                throw new ArgumentException($"positions must give the right edges of {columnsCount} columns, received {edges.Length}.", nameof(positions));
            // Fractions become absolute columns, as Keras does when the last position is <= 1.
            int[] columns = edges[^1] <= 1 ? edges.Select(p => (int)(width * p)).ToArray() : edges.Select(p => (int)p).ToArray();
            var header = sequentialLike
                ? new[] { "Layer (type)", "Output Shape", "Param #" }
                : new[] { "Layer (type)", "Output Shape", "Param #", "Connected to" };
            var relevant = model.IsFunctional ? model.Graph : null;

            // The fields of a layer's row: for a Sequential model the shapes it recorded, else the layer's output shape.
            IReadOnlyList<string> Fields(Layers.Layer layer, IReadOnlyList<int?[]>? sequentialShapes, bool listConnections)
            {
                string shape = sequentialShapes is not null ? FormatShapes(sequentialShapes)
                    : layer.InboundNodes.Count > 0 ? OutputShape(layer)
                    // A wrapper's inner layer, or a layer of a model called on data, has no symbolic calls.
                    : layer.BuiltInputShape is { } built ? FormatShapes(layer.ComputeOutputShapes(built)) : "multiple";
                string parameters = layer.Built ? layer.CountParams().ToString(CultureInfo.InvariantCulture) : "0 (unused)";
                string name = $"{layer.Name} ({layer.ClassName})";
                if (sequentialLike) return new[] { name, shape, parameters };
                var connections = Connections(layer, relevant);
                return new[] { name, shape, parameters, listConnections ? "[" + string.Join(", ", connections.Select(c => $"'{c}'")) + "]" : string.Join("\n", connections) };
            }

            var sequential = model as Sequential;
            if (expandNested)
            {
                PrintNested(model, width, columns, header, (layer, i) => Fields(layer, i is int k && sequential is not null ? sequential.LayerOutputShapes[k] : null, true), printFn);
                return;
            }
            printFn($"Model: \"{model.Name}\"");
            printFn(new string('_', width));
            printFn(Row(header, columns));
            printFn(new string('=', width));
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var fields = Fields(model.Layers[i], sequential?.LayerOutputShapes[i], false);
                if (sequentialLike)
                {
                    printFn(Row(fields, columns));
                }
                else
                {
                    // TF 2.6 prints the first inbound tensor beside the layer, each further one on a line of its own.
                    var connections = fields[3].Split('\n');
                    printFn(Row(new[] { fields[0], fields[1], fields[2], connections[0] }, columns));
                    foreach (var more in connections.Skip(1)) printFn(Row(new[] { "", "", "", more }, columns));
                }
                printFn(new string(i == model.Layers.Count - 1 ? '=' : '_', width));
            }
            PrintTotals(model, width, printFn);
        }

        private static void PrintTotals(Model model, int width, Action<string> printFn)
        {
            long trainable = model.CountTrainableParams();
            long total = model.CountParams();
            printFn($"Total params: {total.ToString("N0", CultureInfo.InvariantCulture)}");
            printFn($"Trainable params: {trainable.ToString("N0", CultureInfo.InvariantCulture)}");
            printFn($"Non-trainable params: {(total - trainable).ToString("N0", CultureInfo.InvariantCulture)}");
            printFn(new string('_', width));
        }

        /// <summary>TF 2.6's test: a Sequential model, or a functional one with one node per depth, each reading one
        /// tensor, and no layer called twice.</summary>
        private static bool IsSequentialLike(Model model)
        {
            if (!model.IsFunctional) return true;
            var nodes = new List<Ops.Node>();
            foreach (var level in model.Graph.NodesByDepth.Values)
            {
                if (level.Count > 1 || (level.Count == 1 && level[0].KerasInputs.Count > 1)) return false;
                nodes.AddRange(level);
            }
            return model.Layers.All(layer => layer.InboundNodes.Count(nodes.Contains) <= 1);
        }

        /// <summary>Keras's <c>layer.output_shape</c> as the summary prints it: the shape, a list of shapes for a layer with
        /// several outputs (and for an input layer), or <c>multiple</c> when the layer's calls gave different shapes.</summary>
        private static string OutputShape(Layers.Layer layer)
        {
            var texts = layer.InboundNodes.Select(node => node.IsInput
                ? "[" + ShapeUtils.Format(node.OutputShapes[0]) + "]"
                : FormatShapes(node.OutputShapes)).Distinct().ToList();
            return texts.Count == 1 ? texts[0] : "multiple";
        }

        /// <summary>The summary's "Connected to" entries: <c>layer[node][tensor]</c> for each tensor the layer's calls in
        /// this model read.</summary>
        private static IReadOnlyList<string> Connections(Layers.Layer layer, Functional? graph)
            => layer.InboundNodes.Where(node => graph is null || graph.Contains(node))
                .SelectMany(node => node.KerasInputs)
                .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Layer.Name}[{t.NodeIndex}][{t.TensorIndex}]"))
                .ToList();

        private static string FormatShapes(IReadOnlyList<int?[]> shapes)
            => shapes.Count == 1 ? ShapeUtils.Format(shapes[0]) : "[" + string.Join(", ", shapes.Select(s => ShapeUtils.Format(s))) + "]";

        private static void PrintNested(Model model, int width, int[] columns, IReadOnlyList<string> header,
            Func<Layers.Layer, int?, IReadOnlyList<string>> fields, Action<string> printFn)
        {
            printFn($"Model: \"{model.Name}\"");
            printFn(new string('_', width));
            foreach (var line in NestedRow(header, columns, 0)) printFn(line);
            printFn(new string('=', width));

            void PrintLayer(Layers.Layer layer, int? index, int level, bool isNestedLast)
            {
                foreach (var line in NestedRow(fields(layer, index), columns, level)) printFn(line);
                // Keras expands what has `layers`: a nested model (a functional one's input layers included). A
                // wrapper's inner layer and an RNN's cell are part of their layer, as in Keras 2.9-2.11.
                var inner = layer is Model nested ? nested.Layers.ToList() : new List<Layers.Layer>();
                if (inner.Count > 0)
                {
                    printFn(new string('|', level + 1) + new string('¯', width - 2 * level - 2) + new string('|', level + 1));
                    for (int i = 0; i < inner.Count; i++)
                        PrintLayer(inner[i], null, level + 1, i == inner.Count - 1);
                    printFn(new string('|', level) + new string('¯', width - 2 * level) + new string('|', level));
                    // Keras reuses is_nested_last for the loop over the nested layers, which leaves it true: no blank
                    // line follows an expanded model's closing border.
                    isNestedLast = true;
                }
                if (!isNestedLast)
                    printFn(new string('|', level) + new string(' ', width - 2 * level) + new string('|', level));
            }

            for (int i = 0; i < model.Layers.Count; i++)
                PrintLayer(model.Layers[i], i, 0, false);
            printFn(new string('=', width));
            PrintTotals(model, width, printFn);
        }

        /// <summary>
        /// Keras 2.9–2.11's <c>print_row</c>: each field fills its column less two spaces (the last column all of it),
        /// breaking after <c>),</c> <c>},</c> <c>],</c> <c>',</c> when one falls inside; what does not fit continues on
        /// the next line. Rows of a layer nested <paramref name="level"/> deep are framed by that many <c>|</c>.
        /// </summary>
        public static IReadOnlyList<string> NestedRow(IReadOnlyList<string> fields, IReadOnlyList<int> columns, int level)
        {
            var left = fields.ToArray();
            var lines = new List<string>();
            string[] breaks = { "),", "},", "],", "',", };
            while (left.Any(f => f.Length > 0))
            {
                var line = new StringBuilder();
                for (int col = 0; col < left.Length; col++)
                {
                    int start = col > 0 ? columns[col - 1] : 0;
                    int space = col != columns.Count - 1 ? 2 : 0;
                    int cutoff = Math.Max(0, columns[col] - start - space);
                    string fit = left[col][..Math.Min(cutoff, left[col].Length)];
                    var candidates = breaks.Select(b => fit.IndexOf(b, StringComparison.Ordinal) is int at && at >= 0 ? at + b.Length : -1).Where(c => c >= 0).ToList();
                    if (candidates.Count > 0)
                    {
                        cutoff = candidates.Min();
                        fit = fit[..cutoff];
                    }
                    if (col == 0) line.Append('|', level).Append(' ');
                    line.Append(fit);
                    line.Append(' ', space);
                    left[col] = left[col][Math.Min(cutoff, left[col].Length)..];
                    int pad = columns[col] - line.Length - level;
                    if (pad > 0) line.Append(' ', pad);
                }
                line.Append('|', level);
                lines.Add(line.ToString());
            }
            return lines;
        }

        /// <summary>
        /// Keras's <c>print_row</c>: each field is appended (the previous field's last character replaced by a space),
        /// cut at its column's right edge and padded with spaces to it.
        /// </summary>
        public static string Row(IReadOnlyList<string> fields, IReadOnlyList<int> columns)
        {
            var line = new StringBuilder();
            for (int i = 0; i < fields.Count; i++)
            {
                if (i > 0) line.Length--;
                if (i > 0) line.Append(' ');
                line.Append(fields[i]);
                if (line.Length > columns[i]) line.Length = columns[i];
                line.Append(' ', columns[i] - line.Length);
            }
            return line.ToString();
        }
    }
}
