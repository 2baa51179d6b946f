using System;
using System.Collections.Generic;
using System.Linq;
using Onnx;
using RnnSharp.Layers;
using static TorchSharp.torch;
using A = RnnSharp.Export.Onnx.OnnxGraphBuilder;

namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// SimpleRNN, LSTM and GRU layers as ONNX's <c>RNN</c>, <c>LSTM</c> and <c>GRU</c> operators (one operator for one
    /// direction, or for both directions of a <see cref="Bidirectional"/>), with Keras's masking reproduced exactly.
    /// </summary>
    /// <remarks>
    /// <para>Weights: Keras's kernels transposed, gate blocks reordered (LSTM Keras i, f, c, o → ONNX i, o, f, c; GRU and
    /// RNN keep their order, z, r, h being ONNX's too), the bias as ONNX's <c>[Wb, Rb]</c> with <c>Rb</c> the GRU's
    /// recurrent bias under <c>resetAfter</c> (<c>linear_before_reset = 1</c>) and zeros otherwise.</para>
    /// <para>Masks (Keras: a masked step keeps the states and outputs the previous output, or zeros with
    /// <c>zeroOutputForMask</c>): inside the graph, each sample's unmasked steps are moved to the front in order (a
    /// stable permutation, <c>ScatterElements</c>), their count is <c>sequence_lens</c>, and each output step is gathered
    /// back from the compact sequence (<c>GatherElements</c>, index = unmasked steps so far - 1) and zeroed where Keras
    /// gives zeros. For right-padded batches the permutation is the identity and <c>sequence_lens</c> is each sample's
    /// length; masks with holes or left padding give Keras's results too. A sample with no unmasked step keeps its
    /// initial states and outputs zeros, as in Keras.</para>
    /// </remarks>
    internal static class OnnxRecurrence
    {
        /// <summary>One direction: its layer, cell and the initial states given to the call (null: zeros).</summary>
        public sealed record Direction(RNN Layer, IReadOnlyList<string>? InitialStates)
        {
            public FusedRNNCell Cell => (FusedRNNCell)Layer.Cell;
        }

        /// <summary>Per direction: the output sequence <c>(batch, time, units)</c> (null when not asked for), the last
        /// output <c>(batch, units)</c> and the final states.</summary>
        public sealed record Result(string?[] Sequences, string[] Lasts, string[][] States);

        private static readonly Type[] Cells = { typeof(SimpleRNNCell), typeof(LSTMCell), typeof(GRUCell) };

        /// <summary>Throws when <paramref name="layer"/> cannot be exported, naming the option.</summary>
        public static void Check(RNN layer)
        {
            if (layer.Stateful)
                throw OnnxExporter.Unsupported(layer, "stateful: true (states carried between calls)", "stateless layers; pass states as model inputs instead");
            if (!Cells.Contains(layer.Cell.GetType()))
                throw OnnxExporter.Unsupported(layer, $"the cell {layer.Cell.GetType().Name}", "SimpleRNNCell, LSTMCell, GRUCell");
            foreach (var (option, activation) in Activations(layer.Cell))
                if (OnnxActivations.ForRecurrent(activation) is null)
                    throw OnnxExporter.Unsupported(layer, $"{option} \"{activation.Name}\"", string.Join(", ", OnnxActivations.RecurrentNames));
        }

        // The cell's activations in the ONNX operator's order (f, g, h).
        private static IEnumerable<(string Option, Activations.Activation Activation)> Activations(AbstractRNNCell cell) => cell switch
        {
            LSTMCell lstm => new[] { ("recurrentActivation", lstm.RecurrentActivation), ("activation", lstm.Activation), ("activation", lstm.Activation) },
            GRUCell gru => new[] { ("recurrentActivation", gru.RecurrentActivation), ("activation", gru.Activation) },
            FusedRNNCell simple => new[] { ("activation", simple.Activation) },
            _ => Array.Empty<(string, Activations.Activation)>(),
        };

        /// <summary>Whether two directions can be one bidirectional operator (same kind, units and GRU reset rule).</summary>
        public static bool CanShareOperator(RNN forward, RNN backward)
            => forward.Cell.GetType() == backward.Cell.GetType() && forward.Units == backward.Units
               && (forward.Cell is not GRUCell f || f.ResetAfter == ((GRUCell)backward.Cell).ResetAfter);

        /// <summary>
        /// Adds one recurrent operator over <paramref name="x"/> (<c>(batch, time, features)</c>) with
        /// <paramref name="mask"/> (bool <c>(batch, time)</c>, or null): one direction (forward, over the input as given:
        /// the caller reverses it for <c>goBackwards</c>), or two (forward and backward of a Bidirectional, the backward
        /// sequence in input time order).
        /// </summary>
        public static Result Emit(A g, string hint, string x, string? mask, IReadOnlyList<Direction> directions, bool sequencesNeeded)
        {
            var first = directions[0].Cell;
            int units = first.Units;
            string op = first switch { LSTMCell => "LSTM", GRUCell => "GRU", _ => "RNN" };
            int d = directions.Count;

            // The weights of all directions, stacked on ONNX's num_directions axis.
            var w = new List<Tensor>();
            var r = new List<Tensor>();
            var b = new List<Tensor>();
            using (var scope = NewDisposeScope())
            {
                foreach (var direction in directions)
                {
                    var (wi, ri, bi) = OnnxWeights(direction.Cell);
                    w.Add(wi);
                    r.Add(ri);
                    b.Add(bi);
                }
                var W = g.Initializer(hint + "_W", stack(w));
                var R = g.Initializer(hint + "_R", stack(r));
                var B = g.Initializer(hint + "_B", stack(b));
                w.Clear();
                r.Clear();
                b.Clear();

                string? lens = null, counts = null, gatherIndex = null, hasSteps = null, input = x;
                if (mask is not null)
                {
                    var steps = g.Cast(mask, TensorProto.Types.DataType.Int64, hint + "_mask_i64");
                    var one = g.Int64(1);
                    counts = g.Add("CumSum", new[] { steps, one }, hint + "_steps_so_far");
                    var total = g.Add("ReduceSum", new[] { steps, g.Int64s(1) }, hint + "_steps", A.Attr("keepdims", 1L));
                    var maskedSoFar = g.Add("CumSum", new[] { g.Add("Sub", new[] { one, steps }, hint + "_masked"), one }, hint + "_masked_so_far");
                    // Unmasked steps go to the front in order, masked ones after them: a permutation of the time axis.
                    var position = g.Add("Where", new[]
                    {
                        mask,
                        g.Add("Sub", new[] { counts, one }, hint + "_kept_position"),
                        g.Add("Add", new[] { total, g.Add("Sub", new[] { maskedSoFar, one }, hint + "_masked_rank") }, hint + "_masked_position"),
                    }, hint + "_position");
                    var scatterIndex = g.Add("Expand", new[] { g.Unsqueeze(position, hint + "_position3", 2), g.Add("Shape", new[] { x }, hint + "_x_shape") }, hint + "_scatter_index");
                    input = g.Add("ScatterElements", new[] { x, scatterIndex, x }, hint + "_compact", A.Attr("axis", 1L));
                    // A sample without unmasked steps runs one (ignored) step: ONNX runtimes differ on zero lengths.
                    lens = g.Cast(g.Squeeze(g.Add("Max", new[] { total, one }, hint + "_steps_min1"), hint + "_steps_1d", 1),
                        TensorProto.Types.DataType.Int32, hint + "_sequence_lens");
                    gatherIndex = g.Add("Max", new[] { g.Add("Sub", new[] { counts, one }, hint + "_last_kept"), g.Int64(0) }, hint + "_gather_index");
                    hasSteps = g.Add("Greater", new[] { total, g.Int64(0) }, hint + "_has_steps");
                }

                string X = g.Transpose(input, hint + "_time_major", 1, 0, 2);
                int stateCount = op == "LSTM" ? 2 : 1;
                var initial = new string[stateCount];
                bool given = directions.Any(dir => dir.InitialStates is { Count: > 0 });
                for (int s = 0; s < stateCount; s++)
                {
                    if (!given)
                    {
                        initial[s] = "";
                        continue;
                    }
                    var perDirection = directions.Select((dir, i) => dir.InitialStates is { Count: > 0 } states
                        ? g.Unsqueeze(states[s], $"{hint}_initial_{s}_{i}", 0)
                        : throw new NotSupportedException($"Layer \"{hint}\": initial states given to one direction only.")).ToArray();
                    initial[s] = perDirection.Length == 1 ? perDirection[0] : g.Add("Concat", perDirection, $"{hint}_initial_{s}", A.Attr("axis", 0L));
                }

                var inputs = new List<string> { X, W, R, B, lens ?? "", initial[0] };
                if (op == "LSTM") inputs.Add(initial[1]);
                while (inputs[^1] == "") inputs.RemoveAt(inputs.Count - 1);

                var attributes = new List<AttributeProto>
                {
                    A.Attr("hidden_size", (long)units),
                    A.Attr("direction", d == 2 ? "bidirectional" : "forward"),
                };
                var activations = directions.SelectMany(dir => Activations(dir.Cell).Select(a => OnnxActivations.ForRecurrent(a.Activation)!)).ToArray();
                attributes.Add(A.Attr("activations", activations.Select(a => a.Name)));
                // ONNX Runtime and the spec consume alpha and beta only for the activations that take them, in order.
                var alphas = activations.Where(a => a.Alpha is not null).Select(a => a.Alpha!.Value).ToArray();
                var betas = activations.Where(a => a.Beta is not null).Select(a => a.Beta!.Value).ToArray();
                if (alphas.Length > 0) attributes.Add(A.Attr("activation_alpha", alphas));
                if (betas.Length > 0) attributes.Add(A.Attr("activation_beta", betas));
                if (first is GRUCell gru) attributes.Add(A.Attr("linear_before_reset", gru.ResetAfter ? 1L : 0L));
                var outputs = g.Add(op, inputs, hint + "_" + op.ToLowerInvariant(), op == "LSTM" ? 3 : 2, attributes.ToArray());
                string Y = outputs[0];

                var sequences = new string?[d];
                if (sequencesNeeded)
                {
                    // (time, directions, batch, units) → (batch, time, directions, units)
                    var batchMajor = g.Transpose(Y, hint + "_sequence", 2, 0, 1, 3);
                    if (gatherIndex is not null)
                    {
                        var index = g.Add("Expand", new[] { g.Unsqueeze(gatherIndex, hint + "_gather_index4", 2, 3), g.Add("Shape", new[] { batchMajor }, hint + "_sequence_shape") }, hint + "_gather_index_full");
                        batchMajor = g.Add("GatherElements", new[] { batchMajor, index }, hint + "_sequence_by_step", A.Attr("axis", 1L));
                    }
                    for (int i = 0; i < d; i++)
                    {
                        var sequence = g.Select(batchMajor, 2, i, $"{hint}_sequence_{i}");
                        if (mask is not null)
                        {
                            bool zeros = directions[i].Layer.ZeroOutputForMask;
                            if (!zeros && i == 1)
                                throw new NotSupportedException($"Layer \"{hint}\": a backward sequence without zeroOutputForMask.");
                            // Keras's output at a masked step: zeros, or the previous output (zeros before the first kept step).
                            var keep = zeros ? mask : g.Add("Greater", new[] { counts!, g.Int64(0) }, $"{hint}_started");
                            sequence = g.Add("Where", new[] { g.Unsqueeze(keep, $"{hint}_keep_{i}", 2), sequence, g.Float(0f) }, $"{hint}_sequence_{i}_masked");
                        }
                        sequences[i] = sequence;
                    }
                }

                var lasts = new string[d];
                var states = new string[d][];
                for (int i = 0; i < d; i++)
                {
                    states[i] = new string[stateCount];
                    for (int s = 0; s < stateCount; s++)
                    {
                        var final = g.Select(outputs[1 + s], 0, i, $"{hint}_state_{i}_{s}");
                        if (hasSteps is not null)
                        {
                            string start = directions[i].InitialStates is { Count: > 0 } st ? st[s] : g.Float(0f);
                            final = g.Add("Where", new[] { hasSteps, final, start }, $"{hint}_state_{i}_{s}_masked");
                        }
                        states[i][s] = final;
                    }
                    var last = g.Select(outputs[1], 0, i, $"{hint}_last_{i}");
                    lasts[i] = hasSteps is null ? last : g.Add("Where", new[] { hasSteps, last, g.Float(0f) }, $"{hint}_last_{i}_masked");
                }
                return new Result(sequences, lasts, states);
            }
        }

        // One direction's W (gates*units, input), R (gates*units, units) and B (2*gates*units) in ONNX's gate order.
        private static (Tensor W, Tensor R, Tensor B) OnnxWeights(FusedRNNCell cell)
        {
            var weights = cell.GetWeights().Select(t => t.detach().cpu().to(ScalarType.Float32)).ToArray();
            int units = cell.Units;
            int gates = cell switch { LSTMCell => 4, GRUCell => 3, _ => 1 };
            // Keras's LSTM gates i, f, c, o; ONNX's i, o, f, c.
            int[] order = cell is LSTMCell ? new[] { 0, 3, 1, 2 } : Enumerable.Range(0, gates).ToArray();
            Tensor Reorder(Tensor t)
            {
                var blocks = t.split(units, 0);
                return cat(order.Select(i => blocks[i]).ToArray(), 0);
            }
            var W = Reorder(weights[0].t());
            var R = Reorder(weights[1].t());
            Tensor wb, rb;
            if (!cell.UseBias)
            {
                wb = zeros(gates * units);
                rb = zeros(gates * units);
            }
            else if (weights[2].dim() == 2)
            {
                wb = Reorder(weights[2][0]);
                rb = Reorder(weights[2][1]);
            }
            else
            {
                wb = Reorder(weights[2]);
                rb = zeros(gates * units);
            }
            return (W, R, cat(new[] { wb.to(ScalarType.Float32), rb.to(ScalarType.Float32) }, 0));
        }
    }
}
