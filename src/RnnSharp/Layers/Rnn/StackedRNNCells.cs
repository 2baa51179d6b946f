using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Keras's <c>StackedRNNCells</c>: several cells run as one, each step feeding the output of a cell to the next.
    /// Its states are the cells' states one after another (flattened: <c>[h1, c1, h2, c2]</c> for two LSTM cells);
    /// its output is the last cell's. <c>new RNN(new[] { cellA, cellB })</c> builds one.
    /// </summary>
    public class StackedRNNCells : AbstractRNNCell
    {
        private readonly AbstractRNNCell[] cells;

        /// <summary>Stacks <paramref name="cells"/>, first to last.</summary>
        /// <param name="cells">The cells; at least one.</param>
        /// <param name="name">Name; null gives <c>stacked_rnn_cells</c>, ...</param>
        /// <param name="trainable">Whether the weights are trained.</param>
        public StackedRNNCells(IEnumerable<AbstractRNNCell> cells, string? name = null, bool trainable = true)
            : base(name, trainable)
        {
            this.cells = cells?.ToArray() ?? throw new ArgumentNullException(nameof(cells));
            if (this.cells.Length == 0) throw new ArgumentException("StackedRNNCells needs at least one cell.", nameof(cells));
            if (this.cells.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != this.cells.Length)
                throw new ArgumentException("The cells of a StackedRNNCells must have unique names.", nameof(cells));
            foreach (var cell in this.cells) register_module(cell.Name, cell);
        }

        /// <summary>The cells, first to last.</summary>
        public IReadOnlyList<AbstractRNNCell> Cells => cells;

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => cells;

        /// <summary>The stacked cells compute as the stack does.</summary>
        private protected override IEnumerable<Layer> PolicyFollowers => cells;

        /// <inheritdoc />
        public override IReadOnlyList<int> StateSize => cells.SelectMany(c => c.StateSize).ToArray();

        /// <inheritdoc />
        public override int OutputSize => cells[^1].OutputSize;

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            var shape = inputShape;
            foreach (var cell in cells)
            {
                cell.Build(shape);
                shape = new[] { shape[0], (int?)cell.OutputSize };
            }
        }

        /// <inheritdoc />
        public override (Tensor Output, Tensor[] States) Step(Tensor input, IReadOnlyList<Tensor> states, bool training)
        {
            var next = new List<Tensor>();
            int offset = 0;
            Tensor x = input;
            foreach (var cell in cells)
            {
                int count = cell.StateSize.Count;
                var (output, cellStates) = cell.Step(x, states.Skip(offset).Take(count).ToArray(), training);
                next.AddRange(cellStates);
                offset += count;
                x = output;
            }
            return (x, next.ToArray());
        }

        /// <inheritdoc />
        public override Tensor[] GetInitialState(long batchSize, ScalarType dtype, Device device)
            => cells.SelectMany(c => c.GetInitialState(batchSize, dtype, device)).ToArray();

        /// <inheritdoc />
        public override void ResetDropoutMasks()
        {
            foreach (var cell in cells) cell.ResetDropoutMasks();
        }

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => cells.SelectMany(c => c.Weights).ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => cells.SelectMany(c => c.GetWeights()).ToArray();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int offset = 0;
            foreach (var cell in cells)
            {
                int count = cell.Weights.Count;
                cell.SetWeights(weights.Skip(offset).Take(count).ToArray());
                offset += count;
            }
        }

        /// <inheritdoc />
        public override Dictionary<string, object?> GetConfig()
        {
            var config = base.GetConfig();
            config["cells"] = cells.Select(Saving.LayerRegistry.Serialize).ToList();
            return config;
        }

        /// <summary>Creates the layer from its config, as Keras's <c>from_config</c> (see <see cref="Saving.LayerConfig.Instantiate{T}"/>).</summary>
        public static StackedRNNCells FromConfig(Saving.LayerConfig config) => FromConfig<StackedRNNCells>(config);
    }
}
