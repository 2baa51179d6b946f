using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Keras's <c>load_weights</c> matching, for every <see cref="SavingFormat"/>: pairs the saved layers with the model's
    /// layers (in order, the layers that have weights on both sides; or by name, as Keras's <c>by_name=True</c>, leaving
    /// the others as they are), converts each saved layer's weights for its target through the format, and checks every
    /// count, name and shape before anything is set, so that on an error the model is unchanged.
    /// </summary>
    internal static class WeightMatcher
    {
        /// <summary>The weights each of the model's layers gets, every one checked; nothing is set yet.</summary>
        public static IReadOnlyList<(Layer Layer, IReadOnlyList<SavedWeight> Weights)> Match(
            Model model, IReadOnlyList<SavedLayer> saved, SavingFormat format, string path, bool byName)
        {
            string Fail(string reason) => $"Cannot load \"{path}\" into model \"{model.Name}\": {reason} Nothing was loaded.";
            var pairs = new List<(Layer Layer, SavedLayer Saved)>();
            if (byName)
            {
                pairs.AddRange(saved.SelectMany(s => model.Layers.Where(l => l.Name == s.Name).Select(l => (l, s))));
            }
            else
            {
                var targets = model.Layers.Where(l => l.Weights.Count > 0).ToList();
                var sources = saved.Where(l => l.Weights.Count > 0).ToList();
                if (sources.Count != targets.Count)
                    throw new ArgumentException(Fail(
                        $"You are trying to load a weight file containing {sources.Count} layers into a model with {targets.Count} layers " +
                        $"(file: {Names(sources.Select(s => (s.Name, s.ClassName)))}; model: {Names(targets.Select(t => (t.Name, t.ClassName)))})."), nameof(path));
                pairs.AddRange(targets.Zip(sources));
            }
            return pairs.Select((pair, k) => (pair.Layer, Check(pair.Layer, pair.Saved, k, format, Fail))).ToList();
        }

        /// <summary>Sets the matched weights (already checked: nothing here fails on shapes).</summary>
        public static void Apply(IReadOnlyList<(Layer Layer, IReadOnlyList<SavedWeight> Weights)> assignments)
        {
            using var scope = NewDisposeScope();
            foreach (var (layer, weights) in assignments)
                layer.SetWeights(weights.Select(w => tensor(w.Values, w.Shape.ToArray())).ToArray());
        }

        private static IReadOnlyList<SavedWeight> Check(Layer layer, SavedLayer source, int k, SavingFormat format, Func<string, string> fail)
        {
            var expected = layer.Weights;
            var weights = format.ConvertForLoading(layer, source.Weights);
            string from = string.IsNullOrEmpty(source.ClassName) ? $"layer \"{source.Name}\"" : $"layer \"{source.Name}\" ({source.ClassName})";
            string here = $"layer #{k} (named \"{layer.Name}\", {layer.ClassName}, in the current model) corresponds to {from} in the file, but";
            if (weights.Count != expected.Count)
                throw new ArgumentException(fail(
                    $"{here} the model's layer expects {expected.Count} weights ({Describe(expected.Select(w => (w.Name, w.Shape)))}) " +
                    $"and the file has {weights.Count} ({Describe(weights.Select(w => (w.KerasName ?? w.Name, w.Shape)))})."), "path");
            for (int i = 0; i < expected.Count; i++)
            {
                var want = expected[i];
                var have = weights[i];
                if (format.ChecksWeightNames && want.Name != have.Name)
                    throw new ArgumentException(fail($"{here} its weight #{i} is \"{want.Name}\" and the file's is \"{have.Name}\"."), "path");
                if (!want.Shape.SequenceEqual(have.Shape))
                    throw new ShapeMismatchException(fail(
                        $"layer \"{layer.Name}\" weight \"{want.Name}\" expects shape {ShapeUtils.Format(want.Shape)}, " +
                        $"but the file holds shape {ShapeUtils.Format(have.Shape)} ({(have.KerasName is null ? "" : have.KerasName + " of ")}" +
                        $"layer \"{source.Name}\"{(string.IsNullOrEmpty(source.ClassName) ? "" : ", " + source.ClassName)})."));
            }
            return weights;
        }

        private static string Names(IEnumerable<(string Name, string ClassName)> layers)
            => string.Join(", ", layers.Select(l => string.IsNullOrEmpty(l.ClassName) ? $"\"{l.Name}\"" : $"\"{l.Name}\" ({l.ClassName})"));

        private static string Describe(IEnumerable<(string Name, IReadOnlyList<long> Shape)> weights)
            => string.Join(", ", weights.Select(w => w.Name + " " + ShapeUtils.Format(w.Shape)));
    }
}
