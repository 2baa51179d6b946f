using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Constraints
{
    /// <summary>
    /// Keras's <c>Constraint</c>: a projection applied to a weight after each optimizer step
    /// (<c>kernelConstraint</c>, <c>recurrentConstraint</c>, <c>biasConstraint</c>, <c>embeddingsConstraint</c>, ...),
    /// on the weight in Keras's layout, so <c>axis</c> means what it means in Keras whichever layout the weight is kept
    /// in (a fused recurrent kernel's weights are converted there and back). Given by Keras name (<c>"max_norm"</c>,
    /// <c>"non_neg"</c>, <c>"unit_norm"</c>, <c>"min_max_norm"</c>) through an implicit conversion from
    /// <see cref="string"/>, with Keras's defaults, or as an object (<c>new MaxNorm(3)</c>).
    /// </summary>
    public abstract class Constraint
    {
        /// <summary>Keras's fuzz factor <c>backend.epsilon()</c>.</summary>
        private protected const double Epsilon = 1e-7;

        // Keras 3's ALL_OBJECTS_DICT (class names and snake_case), with tf.keras's older aliases.
        private static readonly Dictionary<string, Func<Constraint>> Known = new(StringComparer.Ordinal)
        {
            ["MaxNorm"] = () => new MaxNorm(),
            ["max_norm"] = () => new MaxNorm(),
            ["maxnorm"] = () => new MaxNorm(),
            ["NonNeg"] = () => new NonNeg(),
            ["non_neg"] = () => new NonNeg(),
            ["nonneg"] = () => new NonNeg(),
            ["UnitNorm"] = () => new UnitNorm(),
            ["unit_norm"] = () => new UnitNorm(),
            ["unitnorm"] = () => new UnitNorm(),
            ["MinMaxNorm"] = () => new MinMaxNorm(),
            ["min_max_norm"] = () => new MinMaxNorm(),
        };

        /// <summary>The projected weight (a new tensor); <paramref name="w"/> is in Keras's layout.</summary>
        public abstract Tensor Call(Tensor w);

        /// <summary>Keras's class name (<c>MaxNorm</c>, <c>NonNeg</c>, <c>UnitNorm</c>, <c>MinMaxNorm</c>).</summary>
        public virtual string ClassName => GetType().Name;

        /// <summary>The arguments with Keras's config keys.</summary>
        public virtual IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>();

        /// <summary>
        /// The constraint as Keras serializes it in a layer config: <c>{"class_name": "MaxNorm", "config": {...}}</c>;
        /// while a <c>.keras</c> file's config is written, Keras 3's <c>{"module": "keras.constraints", ...}</c>.
        /// </summary>
        public Dictionary<string, object?> Serialize()
        {
            var config = new Dictionary<string, object?>(GetConfig());
            var result = new Saving.SerializedObject(this);
            var form = Saving.Keras3Serialization.Active
                ? Saving.Keras3Serialization.Wrap("keras.constraints", ClassName, config)
                : new Dictionary<string, object?> { ["class_name"] = ClassName, ["config"] = config };
            foreach (var (key, value) in form) result[key] = value;
            return result;
        }

        /// <summary>Rebuilds a constraint from Keras's serialized form: a name, Keras 2's <c>{"class_name", "config"}</c>
        /// or Keras 3's.</summary>
        /// <exception cref="ArgumentException">A class RnnSharp does not know (named in the message), or a bad argument.</exception>
        public static Constraint Deserialize(object serialized)
        {
            if (serialized is Saving.SerializedObject { Source: Constraint same }) return same;
            if (serialized is string name) return Get(name);
            if (serialized is not IReadOnlyDictionary<string, object?> entry || entry.GetValueOrDefault("class_name") is not string className)
                throw new ArgumentException($"A constraint must be a name or {{\"class_name\": ..., \"config\": {{...}}}}, not {serialized}.", nameof(serialized));
            var config = entry.GetValueOrDefault("config") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            if (!Known.TryGetValue(className, out var create))
                throw new ArgumentException(
                    $"Unknown constraint: '{className}'. RnnSharp knows {string.Join(", ", Known.Keys.Where(k => char.IsUpper(k[0])))}; " +
                    "a custom constraint of a Keras model has to be written in C# and cannot be loaded from its config.", nameof(serialized));
            var arguments = new Utils.ObjectConfig(config, $"Constraint {className}");
            Constraint result = create() switch
            {
                MaxNorm => arguments.Axes("axis", 0, out bool list) is var axes && list
                    ? new MaxNorm(arguments.Double("max_value", 2), axes) : new MaxNorm(arguments.Double("max_value", 2), axes[0]),
                UnitNorm => arguments.Axes("axis", 0, out bool list) is var axes && list ? new UnitNorm(axes) : new UnitNorm(axes[0]),
                MinMaxNorm => arguments.Axes("axis", 0, out bool list) is var axes && list
                    ? new MinMaxNorm(arguments.Double("min_value", 0.0), arguments.Double("max_value", 1.0), arguments.Double("rate", 1.0), axes)
                    : new MinMaxNorm(arguments.Double("min_value", 0.0), arguments.Double("max_value", 1.0), arguments.Double("rate", 1.0), axes[0]),
                var plain => plain,
            };
            arguments.RejectUnused();
            return result;
        }

        /// <summary>The names <see cref="Get"/> knows.</summary>
        public static IReadOnlyCollection<string> KnownNames => Known.Keys;

        /// <summary>Looks a constraint up by its Keras name, with Keras's defaults.</summary>
        /// <exception cref="ArgumentException">An unknown name.</exception>
        public static Constraint Get(string name)
        {
            if (!Known.TryGetValue(name, out var create))
                throw new ArgumentException(
                    $"Could not interpret constraint identifier: {name}. Known: {string.Join(", ", Known.Keys.OrderBy(k => k, StringComparer.Ordinal))}.",
                    nameof(name));
            return create();
        }

        /// <summary>Keras name → constraint.</summary>
        [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
        public static implicit operator Constraint?(string? name) => name is null ? null : Get(name);

        /// <summary>The L2 norms of <paramref name="w"/> over <paramref name="axes"/>, kept as size-1 axes; the axes are
        /// checked against the weight's rank first, naming the constraint.</summary>
        private protected Tensor Norms(Tensor w, int[] axes)
        {
            long rank = w.dim();
            var dims = axes.Select(a => a < -rank || a >= rank
                ? throw new ArgumentException($"{ClassName}: axis {a} is out of range for a weight of shape ({string.Join(", ", w.shape)}).")
                : (long)a).ToArray();
            return w.square().sum(dims, keepdim: true).sqrt();
        }

        /// <summary>An axis as Keras writes it: one integer, or the list it was given.</summary>
        private protected static object AxisConfig(int[] axes, bool givenAsList) => givenAsList ? axes.Select(a => (object)(long)a).ToList() : (long)axes[0];

        /// <summary>A number as Keras writes a value it keeps as given: an integer when it is one (Keras's default
        /// <c>max_value=2</c>, a user's <c>max_norm(3)</c>), else the double.</summary>
        private protected static object NumberConfig(double value)
            => Math.Abs(value) < 1e15 && value == Math.Floor(value) ? (long)value : (object)value;

        /// <inheritdoc />
        public override string ToString() => ClassName;
    }
}
