using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Data given to <c>Fit</c>, <c>Evaluate</c> and <c>Predict</c>, as Keras takes <c>x</c>, <c>y</c> and
    /// <c>sample_weight</c>: a <see cref="Tensor"/>, used as it is, or a .NET array (e.g. <c>float[,,]</c>, <c>int[,]</c>,
    /// <c>double[]</c>), converted to a CPU tensor when the trainer runs: floating data to float32, integer data to int64,
    /// booleans to float32 (<see cref="DataAdapter.FromArray"/>); for a model with several inputs or outputs, a list of
    /// them in the model's order (<c>Tensor[]</c>, an array of arrays such as <c>new Array[] { ids, features }</c>, or
    /// <see cref="List"/>), or a dictionary by name (<c>Dictionary&lt;string, Tensor&gt;</c> or
    /// <c>Dictionary&lt;string, Array&gt;</c>: inputs matched to <see cref="Model.InputNames"/>, targets to
    /// <see cref="Model.OutputNames"/>). All convert implicitly, so <c>model.Fit(x, y)</c> takes any of them.
    /// </summary>
    public sealed class ArrayLike
    {
        private readonly Tensor? tensor;
        private readonly Array? array;
        private readonly IReadOnlyList<ArrayLike>? items;
        private readonly IReadOnlyList<KeyValuePair<string, ArrayLike>>? named;

        private ArrayLike(Tensor? tensor, Array? array, IReadOnlyList<ArrayLike>? items, IReadOnlyList<KeyValuePair<string, ArrayLike>>? named)
        {
            this.tensor = tensor;
            this.array = array;
            this.items = items;
            this.named = named;
        }

        /// <summary>Wraps a tensor (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(tensor))]
        public static implicit operator ArrayLike?(Tensor? tensor) => tensor is null ? null : new ArrayLike(tensor, null, null, null);

        /// <summary>Wraps a .NET array (null stays null). An array whose elements are tensors or arrays (e.g.
        /// <c>new Array[] { int[,], float[,,] }</c>) is a list: one element per model input or output.</summary>
        [return: NotNullIfNotNull(nameof(array))]
        public static implicit operator ArrayLike?(Array? array)
        {
            if (array is null) return null;
            var element = array.GetType().GetElementType();
            if (array.Rank == 1 && element is not null && (typeof(Tensor).IsAssignableFrom(element) || typeof(Array).IsAssignableFrom(element)))
                return List(array.Cast<object?>().Select(Item).ToArray());
            return new ArrayLike(null, array, null, null);
        }

        /// <summary>A list of tensors, one per model input or output, in the model's order (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(tensors))]
        public static implicit operator ArrayLike?(Tensor[]? tensors) => tensors is null ? null : (ArrayLike)(Array)tensors;

        /// <summary>Tensors by input or output name (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(tensors))]
        public static implicit operator ArrayLike?(Dictionary<string, Tensor>? tensors)
            => tensors is null ? null : Named(tensors.Select(kv => new KeyValuePair<string, ArrayLike>(kv.Key, Item(kv.Value))));

        /// <summary>.NET arrays by input or output name (null stays null).</summary>
        [return: NotNullIfNotNull(nameof(arrays))]
        public static implicit operator ArrayLike?(Dictionary<string, Array>? arrays)
            => arrays is null ? null : Named(arrays.Select(kv => new KeyValuePair<string, ArrayLike>(kv.Key, Item(kv.Value))));

        /// <summary>A list of tensors or .NET arrays, one per model input or output, in the model's order (Keras's
        /// <c>[x1, x2]</c>); e.g. <c>ArrayLike.List(tokens, features)</c>.</summary>
        /// <param name="items">The arrays, each a tensor or a .NET array.</param>
        /// <exception cref="ArgumentException">An item is null, or itself a list or a dictionary.</exception>
        public static ArrayLike List(params ArrayLike[] items)
        {
            ArgumentNullException.ThrowIfNull(items);
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is null)
                    throw new ArgumentException($"Item {i} of the list is null; give a tensor or an array for every input or output.", nameof(items));
                if (!items[i].IsSingle)
                    throw new ArgumentException($"Item {i} of the list is itself a list or a dictionary; nested data structures are not supported.", nameof(items));
            }
            return new ArrayLike(null, null, items.ToArray(), null);
        }

        /// <summary>True for one tensor or array (not a list or a dictionary).</summary>
        internal bool IsSingle => items is null && named is null;

        private static ArrayLike Named(IEnumerable<KeyValuePair<string, ArrayLike>> entries) => new(null, null, null, entries.ToArray());

        private static ArrayLike Item(object? value) => value switch
        {
            Tensor t => new ArrayLike(t, null, null, null),
            Array a => IsListOf(a) ? throw new ArgumentException("Nested data structures are not supported: give one tensor or array per input or output.")
                : new ArrayLike(null, a, null, null),
            null => throw new ArgumentException("The data contains a null item; give a tensor or an array for every input or output."),
            _ => throw new ArgumentException($"Data of type {value.GetType().Name} is not supported; give tensors or .NET arrays."),
        };

        private static bool IsListOf(Array a)
        {
            var element = a.GetType().GetElementType();
            return a.Rank == 1 && element is not null && (typeof(Tensor).IsAssignableFrom(element) || typeof(Array).IsAssignableFrom(element));
        }

        /// <summary>The data as a tensor: the given tensor itself, or a new CPU tensor made from the array, which the
        /// caller owns (<paramref name="owned"/>) and disposes.</summary>
        internal Tensor ToTensor(out bool owned)
        {
            if (!IsSingle) throw new InvalidOperationException("A list or a dictionary of arrays is not one tensor.");
            owned = tensor is null;
            return tensor ?? DataAdapter.FromArray(array!);
        }

        /// <summary>
        /// The data as one tensor per name of <paramref name="names"/> (a model's inputs or outputs, in order): a single
        /// array for a single name, a list of as many arrays, or a dictionary with exactly those names. Tensors made from
        /// .NET arrays are added to <paramref name="owned"/>.
        /// </summary>
        /// <param name="names">The model's input or output names.</param>
        /// <param name="kind"><c>"input"</c> or <c>"target"</c>, for the errors.</param>
        /// <param name="modelName">The model's name, for the errors.</param>
        /// <param name="owned">Receives the tensors made here.</param>
        /// <exception cref="ArgumentException">The number of arrays or their names do not match the model's.</exception>
        internal IReadOnlyList<Tensor> ToTensors(IReadOnlyList<string> names, string kind, string modelName, ICollection<Tensor> owned)
        {
            IReadOnlyList<ArrayLike> parts;
            if (named is not null)
            {
                string label = kind == "input" ? "x" : "y";
                string expected = PythonList(names);
                var unknown = named.Select(kv => kv.Key).Where(k => !names.Contains(k)).ToArray();
                if (unknown.Length > 0)
                    throw new ArgumentException(
                        $"Found unexpected keys that do not correspond to any Model {(kind == "input" ? "input" : "output")}: {PythonList(unknown)}. Expected: {expected}", label);
                var byName = named.ToDictionary(kv => kv.Key, kv => kv.Value);
                parts = names.Select(n => byName.TryGetValue(n, out var v) ? v
                    : throw new ArgumentException($"No data provided for \"{n}\". Need data for each key in: {expected}", label)).ToArray();
            }
            else
            {
                parts = items ?? new[] { this };
                if (parts.Count != names.Count)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Model \"{modelName}\" expects {names.Count} {kind} array{(names.Count == 1 ? "" : "s")} ({string.Join(", ", names)}), received {parts.Count}."),
                        kind == "input" ? "x" : "y");
            }
            return parts.Select(p =>
            {
                var t = p.ToTensor(out bool isOwned);
                if (isOwned) owned.Add(t);
                return t;
            }).ToArray();
        }

        private static string PythonList(IEnumerable<string> names) => "[" + string.Join(", ", names.Select(n => $"'{n}'")) + "]";
    }
}
