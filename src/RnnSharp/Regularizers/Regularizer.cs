using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Regularizers
{
    /// <summary>
    /// Keras's <c>Regularizer</c>: a penalty on a weight (<c>kernelRegularizer</c>, <c>recurrentRegularizer</c>,
    /// <c>biasRegularizer</c>, <c>embeddingsRegularizer</c>, ...) or on a layer's outputs (<c>activityRegularizer</c>),
    /// added to the training loss. Given by Keras name (<c>"l1"</c>, <c>"l2"</c>, <c>"l1_l2"</c>,
    /// <c>"orthogonal_regularizer"</c>) through an implicit conversion from <see cref="string"/>, with Keras 3's defaults,
    /// or as an object (<c>new L2(0.01)</c>). The penalties of a model are its <see cref="Layers.Layer.Losses"/>.
    /// </summary>
    public abstract class Regularizer
    {
        // Keras 3's ALL_OBJECTS_DICT: the class names and their snake_case forms.
        private static readonly Dictionary<string, Func<Regularizer>> Known = new(StringComparer.Ordinal)
        {
            ["L1"] = () => new L1(),
            ["l1"] = () => new L1(),
            ["L2"] = () => new L2(),
            ["l2"] = () => new L2(),
            // Keras 3 builds the class with its own defaults (0, 0) for the string; Keras 2 used 0.01 and 0.01.
            ["L1L2"] = () => new L1L2(),
            ["l1_l2"] = () => new L1L2(),
            ["OrthogonalRegularizer"] = () => new OrthogonalRegularizer(),
            ["orthogonal_regularizer"] = () => new OrthogonalRegularizer(),
        };

        /// <summary>The penalty of <paramref name="x"/>: a scalar tensor on its device, differentiable.</summary>
        public abstract Tensor Call(Tensor x);

        /// <summary>Keras's class name (<c>L1</c>, <c>L2</c>, <c>L1L2</c>, <c>OrthogonalRegularizer</c>).</summary>
        public virtual string ClassName => GetType().Name;

        /// <summary>The arguments with Keras's config keys, as Keras 2 (<c>tf.keras</c>) writes them: factors stored as
        /// float32 and written back as doubles (<c>0.01</c> is <c>0.009999999776482582</c>).</summary>
        public abstract IReadOnlyDictionary<string, object?> GetConfig();

        /// <summary>The arguments as Keras 3 writes them (some factors exact, some through float32, as each Keras 3
        /// class keeps them).</summary>
        public abstract IReadOnlyDictionary<string, object?> GetKeras3Config();

        /// <summary>
        /// The regularizer as Keras serializes it in a layer config: <c>{"class_name": "L2", "config": {"l2": ...}}</c>;
        /// while a <c>.keras</c> file's config is written, Keras 3's <c>{"module": "keras.regularizers", "class_name":
        /// ..., "config": ..., "registered_name": null}</c>.
        /// </summary>
        public Dictionary<string, object?> Serialize()
        {
            var result = new Saving.SerializedObject(this);
            var form = Saving.Keras3Serialization.Active
                ? Saving.Keras3Serialization.Wrap("keras.regularizers", ClassName, new Dictionary<string, object?>(GetKeras3Config()))
                : new Dictionary<string, object?> { ["class_name"] = ClassName, ["config"] = new Dictionary<string, object?>(GetConfig()) };
            foreach (var (key, value) in form) result[key] = value;
            return result;
        }

        /// <summary>
        /// Rebuilds a regularizer from Keras's serialized form: a name (<c>"l2"</c>), Keras 2's <c>{"class_name": "L2",
        /// "config": {...}}</c> or Keras 3's (with <c>module</c> and <c>registered_name</c>).
        /// </summary>
        /// <exception cref="ArgumentException">A class RnnSharp does not know (named in the message), or a bad argument.</exception>
        public static Regularizer Deserialize(object serialized)
        {
            if (serialized is Saving.SerializedObject { Source: Regularizer same }) return same;
            if (serialized is string name) return Get(name);
            if (serialized is not IReadOnlyDictionary<string, object?> entry || entry.GetValueOrDefault("class_name") is not string className)
                throw new ArgumentException($"A regularizer must be a name or {{\"class_name\": ..., \"config\": {{...}}}}, not {serialized}.", nameof(serialized));
            var config = entry.GetValueOrDefault("config") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            if (!Known.TryGetValue(className, out var create))
                throw new ArgumentException(
                    $"Unknown regularizer: '{className}'. RnnSharp knows {string.Join(", ", Known.Keys.Where(k => char.IsUpper(k[0])))}; " +
                    "a custom regularizer of a Keras model has to be written in C# and cannot be loaded from its config.", nameof(serialized));
            // Keras's cls(**config): an argument the class does not take is an error, not dropped.
            var arguments = new Utils.ObjectConfig(config, $"Regularizer {className}");
            Regularizer result = create() switch
            {
                L1 => new L1(arguments.Double("l1", 0.01)),
                L2 => new L2(arguments.Double("l2", 0.01)),
                L1L2 => new L1L2(arguments.Double("l1", 0.0), arguments.Double("l2", 0.0)),
                _ => new OrthogonalRegularizer(arguments.Double("factor", 0.01), arguments.String("mode", "rows")),
            };
            arguments.RejectUnused();
            return result;
        }

        /// <summary>The names <see cref="Get"/> knows.</summary>
        public static IReadOnlyCollection<string> KnownNames => Known.Keys;

        /// <summary>Looks a regularizer up by its Keras name (class name or snake_case), with Keras 3's defaults.</summary>
        /// <exception cref="ArgumentException">An unknown name.</exception>
        public static Regularizer Get(string name)
        {
            if (!Known.TryGetValue(name, out var create))
                throw new ArgumentException(
                    $"Could not interpret regularizer identifier: {name}. Known: {string.Join(", ", Known.Keys.OrderBy(k => k, StringComparer.Ordinal))}.",
                    nameof(name));
            return create();
        }

        /// <summary>Keras name → regularizer.</summary>
        [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
        public static implicit operator Regularizer?(string? name) => name is null ? null : Get(name);

        /// <summary>Keras's <c>validate_float_arg</c>: a finite, non-negative factor.</summary>
        private protected static double ValidateFactor(double value, string name)
        {
            if (double.IsNaN(value) || double.IsInfinity(value) || value < 0)
                throw new ArgumentException(
                    $"Invalid value for argument {name}: expected a non-negative float.Received: {name}={Utils.PythonFormat.Repr(value)}", name);
            return value;
        }

        /// <summary>A factor as tf.keras and some Keras 3 classes keep it: a float32, written back as a double.</summary>
        private protected static double AsFloat32(double value) => (double)(float)value;

        /// <inheritdoc />
        public override string ToString()
            => $"{ClassName}({string.Join(", ", GetKeras3Config().Select(kv => $"{kv.Key}={Convert.ToString(kv.Value, CultureInfo.InvariantCulture)}"))})";
    }
}
