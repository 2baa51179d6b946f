using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Initializers
{
    /// <summary>
    /// A weight initializer, given by Keras name (<c>"glorot_uniform"</c>, <c>"orthogonal"</c>, ...) through an
    /// implicit conversion from <see cref="string"/>, or as an object (<c>new Constant(0.01)</c>).
    /// Shapes are Keras shapes, e.g. a kernel is <c>(input_dim, units)</c>.
    /// </summary>
    public abstract class Initializer
    {
        private static readonly Dictionary<string, Func<Initializer>> Known = new(StringComparer.Ordinal)
        {
            ["zeros"] = () => new Zeros(),
            ["ones"] = () => new Ones(),
            ["constant"] = () => new Constant(),
            ["identity"] = () => new Identity(),
            ["uniform"] = () => new RandomUniform(),
            ["random_uniform"] = () => new RandomUniform(),
            ["normal"] = () => new RandomNormal(),
            ["random_normal"] = () => new RandomNormal(),
            ["truncated_normal"] = () => new TruncatedNormal(),
            ["variance_scaling"] = () => new VarianceScaling(),
            ["glorot_uniform"] = () => new GlorotUniform(),
            ["glorot_normal"] = () => new GlorotNormal(),
            ["he_uniform"] = () => new HeUniform(),
            ["he_normal"] = () => new HeNormal(),
            ["lecun_uniform"] = () => new LecunUniform(),
            ["lecun_normal"] = () => new LecunNormal(),
            ["orthogonal"] = () => new Orthogonal(),
        };

        /// <summary>The Keras name of this initializer class, e.g. <c>glorot_uniform</c>.</summary>
        public abstract string Name { get; }

        /// <summary>Creates a float32 CPU tensor of <paramref name="shape"/> filled by this initializer.</summary>
        public Tensor Generate(params long[] shape)
        {
            using (no_grad())
                return Fill(shape);
        }

        /// <summary>Fills a new tensor; called under <c>no_grad</c>.</summary>
        protected abstract Tensor Fill(long[] shape);

        /// <summary>The initializer's arguments, with Keras's config keys.</summary>
        public virtual IReadOnlyDictionary<string, object?> GetConfig() => new Dictionary<string, object?>();

        /// <summary>Keras's class name of the initializer (<c>GlorotUniform</c>, <c>Orthogonal</c>, ...).</summary>
        public virtual string ClassName => GetType().Name;

        /// <summary>The initializer as Keras serializes it in layer configs:
        /// <c>{"class_name": "GlorotUniform", "config": {"seed": null}}</c>; while a <c>.keras</c> file's config is
        /// written, Keras 3's <c>{"module": "keras.initializers", "class_name": ..., "config": ..., "registered_name": null}</c>
        /// (with Keras 3's class names <c>OrthogonalInitializer</c> and <c>IdentityInitializer</c>).</summary>
        public Dictionary<string, object?> Serialize()
        {
            var config = new Dictionary<string, object?>(GetConfig());
            if (!Saving.Keras3Serialization.Active) return new() { ["class_name"] = ClassName, ["config"] = config };
            string className = this switch
            {
                Orthogonal => "OrthogonalInitializer",
                Identity => "IdentityInitializer",
                _ => ClassName,
            };
            return Saving.Keras3Serialization.Wrap("keras.initializers", className, config);
        }

        /// <summary>
        /// Rebuilds an initializer from Keras's serialized form: a name (<c>"glorot_uniform"</c>) or
        /// <c>{"class_name": "GlorotUniform", "config": {...}}</c> (Keras 2; Keras 3 adds <c>module</c> and
        /// <c>registered_name</c>, which are ignored). Unknown arguments such as <c>seed</c> are ignored.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown initializer class.</exception>
        public static Initializer Deserialize(object serialized)
        {
            if (serialized is string name) return Get(name);
            if (serialized is not IReadOnlyDictionary<string, object?> entry || entry.GetValueOrDefault("class_name") is not string className)
                throw new ArgumentException($"An initializer must be a name or {{\"class_name\": ..., \"config\": {{...}}}}, not {serialized}.", nameof(serialized));
            var config = entry.GetValueOrDefault("config") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            double Number(string key, double fallback) => config.GetValueOrDefault(key) switch
            {
                double d => d,
                long l => l,
                int i => i,
                float f => f,
                _ => fallback,
            };
            string Text(string key, string fallback) => config.GetValueOrDefault(key) as string ?? fallback;
            return className switch
            {
                "Zeros" => new Zeros(),
                "Ones" => new Ones(),
                "Constant" => new Constant(Number("value", 0)),
                // Keras 3 names these two classes OrthogonalInitializer and IdentityInitializer.
                "Identity" or "IdentityInitializer" => new Identity(Number("gain", 1)),
                "RandomUniform" => new RandomUniform(Number("minval", -0.05), Number("maxval", 0.05)),
                "RandomNormal" => new RandomNormal(Number("mean", 0), Number("stddev", 0.05)),
                "TruncatedNormal" => new TruncatedNormal(Number("mean", 0), Number("stddev", 0.05)),
                "VarianceScaling" => new VarianceScaling(Number("scale", 1), Text("mode", "fan_in"), Text("distribution", "truncated_normal")),
                "GlorotUniform" => new GlorotUniform(),
                "GlorotNormal" => new GlorotNormal(),
                "HeUniform" => new HeUniform(),
                "HeNormal" => new HeNormal(),
                "LecunUniform" => new LecunUniform(),
                "LecunNormal" => new LecunNormal(),
                "Orthogonal" or "OrthogonalInitializer" => new Orthogonal(Number("gain", 1)),
                _ when Known.ContainsKey(Utils.NameUtils.ToSnakeCase(className)) => Get(Utils.NameUtils.ToSnakeCase(className)),
                _ => throw new ArgumentException($"Unknown initializer class: '{className}'.", nameof(serialized)),
            };
        }

        /// <summary>The names <see cref="Get"/> knows.</summary>
        public static IReadOnlyCollection<string> KnownNames => Known.Keys;

        /// <summary>Looks an initializer up by its Keras name, with Keras's default arguments.</summary>
        public static Initializer Get(string name)
        {
            if (!Known.TryGetValue(name, out var create))
                throw new ArgumentException(
                    $"Unknown initializer: '{name}'. Known: {string.Join(", ", Known.Keys.OrderBy(k => k, StringComparer.Ordinal))}.",
                    nameof(name));
            return create();
        }

        /// <summary>Keras name → initializer.</summary>
        [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(name))]
        public static implicit operator Initializer?(string? name) => name is null ? null : Get(name);

        /// <summary>
        /// Keras's <c>compute_fans</c>: for a 2-D kernel <c>(fan_in, fan_out)</c>; for more dimensions the
        /// leading ones form the receptive field.
        /// </summary>
        protected static (double FanIn, double FanOut) ComputeFans(long[] shape)
        {
            if (shape.Length == 0) return (1, 1);
            if (shape.Length == 1) return (shape[0], shape[0]);
            if (shape.Length == 2) return (shape[0], shape[1]);
            double receptive = 1;
            for (int i = 0; i < shape.Length - 2; i++) receptive *= shape[i];
            return (shape[^2] * receptive, shape[^1] * receptive);
        }

        /// <inheritdoc />
        public override string ToString() => Name;
    }
}
