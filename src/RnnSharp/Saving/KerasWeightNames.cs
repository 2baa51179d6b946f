using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Utils;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Where Keras keeps each weight of a layer: the TensorFlow variable names of Keras 2's HDF5 files
    /// (<c>lstm/lstm_cell/kernel:0</c>) and the dataset paths of Keras 3's <c>.weights.h5</c> files
    /// (<c>layers/lstm/cell/vars/0</c>), both in the order of <see cref="Layer.Weights"/>.
    /// </summary>
    internal static class KerasWeightNames
    {
        /// <summary>Keras 2's variable names: the layer's name scope, the cell's for an RNN, the weight name and <c>:0</c>.</summary>
        public static IReadOnlyList<string> Keras2(Layer layer) => Scoped(layer, layer.Name).ToList();

        private static IEnumerable<string> Scoped(Layer layer, string scope) => layer switch
        {
            // Bidirectional builds each direction under its own name scope, an RNN its cell under the cell's.
            // A nested model's weights keep their own layers' names (TensorFlow variables are not renamed by nesting).
            Model m => m.Layers.SelectMany(l => Scoped(l, l.Name)),
            Bidirectional b => Scoped(b.ForwardLayer, scope + "/" + b.ForwardLayer.Name).Concat(Scoped(b.BackwardLayer, scope + "/" + b.BackwardLayer.Name)),
            RNN rnn => Scoped(rnn.Cell, scope + "/" + rnn.Cell.Name),
            StackedRNNCells stacked => stacked.Cells.SelectMany(c => Scoped(c, scope + "/" + c.Name)),
            TimeDistributed td => Scoped(td.Layer, scope),
            // Its EinsumDense sublayers build under their own names: multi_head_attention/query/kernel:0, ...
            MultiHeadAttention mha => mha.WeightOwners.Select(w => $"{scope}/{w.Sublayer}/{(w.Index == 0 ? "kernel" : "bias")}:0"),
            _ => layer.Weights.Select(w => $"{scope}/{w.Name}:0"),
        };

        /// <summary>Keras 3's dataset paths for the model's layers, in model order (null for a layer without weights).
        /// Keras 3 names each layer of the model's <c>layers</c> list by its snake_case class name, numbered
        /// <c>_1</c>, <c>_2</c>, ... among layers of the same class, whatever the layer's own name.</summary>
        public static IReadOnlyList<IReadOnlyList<string>> Keras3(IReadOnlyList<Layer> layers)
        {
            var used = new Dictionary<string, int>();
            var result = new List<IReadOnlyList<string>>();
            foreach (var layer in layers)
                result.Add(Keras3Paths(layer, "layers/" + ContainerName(layer, used)).ToList());
            return result;
        }

        private static string ContainerName(Layer layer, Dictionary<string, int> used)
        {
            string name = NameUtils.ToSnakeCase(layer.ClassName);
            if (used.TryGetValue(name, out int count))
            {
                used[name] = count + 1;
                return $"{name}_{count + 1}";
            }
            used[name] = 0;
            return name;
        }

        private static IEnumerable<string> Keras3Paths(Layer layer, string path) => layer switch
        {
            Model m => NestedPaths(m, path + "/layers"),
            Bidirectional b => Keras3Paths(b.ForwardLayer, path + "/forward_layer").Concat(Keras3Paths(b.BackwardLayer, path + "/backward_layer")),
            RNN rnn => Keras3Paths(rnn.Cell, path + "/cell"),
            StackedRNNCells stacked => StackedPaths(stacked, path + "/cells"),
            TimeDistributed td => Keras3Paths(td.Layer, path + "/layer"),
            // Saved under the public properties query_dense, key_dense, value_dense, output_dense (visited before the
            // private _query_dense, ... that hold the same sublayers), each with vars/0 the kernel and vars/1 the bias.
            MultiHeadAttention mha => mha.WeightOwners.Select(w => $"{path}/{w.Keras3Attribute}/vars/{w.Index}"),
            _ => Enumerable.Range(0, layer.Weights.Count).Select(i => $"{path}/vars/{i}"),
        };

        private static IEnumerable<string> NestedPaths(Model model, string path)
        {
            var used = new Dictionary<string, int>();
            return model.Layers.SelectMany(l => Keras3Paths(l, path + "/" + ContainerName(l, used))).ToList();
        }

        private static IEnumerable<string> StackedPaths(StackedRNNCells stacked, string path)
        {
            var used = new Dictionary<string, int>();
            return stacked.Cells.SelectMany(c => Keras3Paths(c, path + "/" + ContainerName(c, used))).ToList();
        }
    }
}
