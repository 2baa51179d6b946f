using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using RnnSharp.Activations;
using RnnSharp.Constraints;
using RnnSharp.Initializers;
using RnnSharp.Regularizers;
using RnnSharp.Layers;
using RnnSharp.Utils;
using Activation = RnnSharp.Activations.Activation;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Typed, checked access to a layer's config (the dictionary of <c>GetConfig()</c>, or the same read back from
    /// JSON) for the layers' <c>FromConfig</c> and the factories of <see cref="LayerRegistry"/>. A missing key takes
    /// the given default (Keras's default argument); a key of the wrong type raises an error naming the layer and the
    /// key. <see cref="Instantiate{T}"/> is Keras's <c>cls(**config)</c>: it calls a layer's constructor with the
    /// config's values, so each argument's name and default are written once, in the constructor.
    /// </summary>
    public sealed class LayerConfig
    {
        private readonly ReadTracking values;

        /// <summary>Wraps the config of a layer of class <paramref name="className"/>.</summary>
        public LayerConfig(string className, IReadOnlyDictionary<string, object?> values)
        {
            ClassName = className;
            this.values = new ReadTracking(values ?? throw new ArgumentNullException(nameof(values)));
        }

        /// <summary>The layer's class name (<c>LSTM</c>, <c>Dense</c>, ...).</summary>
        public string ClassName { get; }

        /// <summary>The layer's name (<c>name</c>), or null.</summary>
        public string? Name => GetString("name", null);

        /// <summary>The <c>trainable</c> flag (default true).</summary>
        public bool Trainable => GetBool("trainable", true);

        /// <summary>The <c>batch_input_shape</c> (null entries unknown), or null.</summary>
        public int?[]? BatchInputShape => GetShape("batch_input_shape");

        /// <summary>The raw values.</summary>
        public IReadOnlyDictionary<string, object?> Values => values.Inner;

        /// <summary>True when the config has <paramref name="key"/>.</summary>
        public bool Has(string key) => values.ContainsKey(key);

        /// <summary>An integer; required when <paramref name="defaultValue"/> is null.</summary>
        public int GetInt(string key, int? defaultValue = null)
        {
            if (!values.TryGetValue(key, out var value) || value is null)
                return defaultValue ?? throw Missing(key);
            return value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
                _ => throw WrongType(key, "an integer", value),
            };
        }

        /// <summary>An integer or null (e.g. <c>input_length</c>).</summary>
        public int? GetNullableInt(string key) => values.TryGetValue(key, out var value) && value is not null ? GetInt(key) : null;

        /// <summary>A number; required when <paramref name="defaultValue"/> is null.</summary>
        public double GetDouble(string key, double? defaultValue = null)
        {
            if (!values.TryGetValue(key, out var value) || value is null)
                return defaultValue ?? throw Missing(key);
            return value switch
            {
                double d => d,
                float f => f,
                int i => i,
                long l => l,
                _ => throw WrongType(key, "a number", value),
            };
        }

        /// <summary>A boolean.</summary>
        public bool GetBool(string key, bool defaultValue)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return defaultValue;
            return value is bool b ? b : throw WrongType(key, "true or false", value);
        }

        /// <summary>A string, or <paramref name="defaultValue"/> when missing or null.</summary>
        public string? GetString(string key, string? defaultValue)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return defaultValue;
            return value as string ?? throw WrongType(key, "a string", value);
        }

        /// <summary>A list of integers, negative ones included (e.g. <c>Reshape</c>'s <c>target_shape</c> with -1), or null; a single integer is a list of one.</summary>
        public int[]? GetInts(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            if (value is int[] ints) return (int[])ints.Clone();
            // A single integer where a list is taken (a normalization layer's axis: an int or a list in Keras).
            if (value is int single) return new[] { single };
            if (value is long wide && wide is >= int.MinValue and <= int.MaxValue) return new[] { (int)wide };
            if (value is not IEnumerable items || value is string) throw WrongType(key, "a list of integers", value);
            var result = new List<int>();
            foreach (var item in items)
            {
                result.Add(item switch
                {
                    int i => i,
                    long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                    _ => throw WrongType(key, "a list of integers", value),
                });
            }
            return result.ToArray();
        }

        /// <summary>A shape (list of integers or nulls), or null when missing or null.</summary>
        public int?[]? GetShape(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            if (value is int?[] shape) return (int?[])shape.Clone();
            if (value is not IEnumerable items || value is string) throw WrongType(key, "a list of integers", value);
            var result = new List<int?>();
            foreach (var item in items)
            {
                result.Add(item switch
                {
                    null => null,
                    int i => i,
                    long l when l is >= 0 and <= int.MaxValue => (int)l,
                    _ => throw WrongType(key, "a list of integers", value),
                });
            }
            return result.ToArray();
        }

        /// <summary>A nested layer, <c>{"class_name": ..., "config": {...}}</c> as Keras serializes it (a wrapper's
        /// <c>layer</c>, an RNN's <c>cell</c>), rebuilt through <see cref="LayerRegistry"/>; null when missing or null.</summary>
        public Layer? GetLayer(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            return Nested(key, value);
        }

        /// <summary>A list of nested layers (StackedRNNCells's <c>cells</c>); empty when missing.</summary>
        public IReadOnlyList<Layer> GetLayers(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return Array.Empty<Layer>();
            if (value is not IEnumerable items || value is string || value is IReadOnlyDictionary<string, object?>)
                throw WrongType(key, "a list of layer configs", value);
            var layers = new List<Layer>();
            foreach (var item in items) layers.Add(Nested(key, item));
            return layers;
        }

        private Layer Nested(string key, object? value)
        {
            if (value is not IReadOnlyDictionary<string, object?> entry
                || !entry.TryGetValue("class_name", out var cls) || cls is not string className
                || !entry.TryGetValue("config", out var inner) || inner is not IReadOnlyDictionary<string, object?> innerConfig)
                throw new ArgumentException($"{Describe()}: \"{key}\" should be {{\"class_name\": ..., \"config\": {{...}}}}.");
            return LayerRegistry.Deserialize(className, innerConfig);
        }

        /// <summary>An activation by Keras name; null when missing (the layer's default).</summary>
        public Activation? GetActivation(string key)
        {
            string? name = GetString(key, null);
            if (name is null) return null;
            try
            {
                return Activation.Get(name);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Describe()}: {e.Message}", e);
            }
        }

        /// <summary>
        /// An initializer from a name (<c>"glorot_uniform"</c>) or Keras's <c>{"class_name": "GlorotUniform", "config":
        /// {...}}</c>; null (the layer's default) when missing or of a class RnnSharp does not know (a loaded model's
        /// initial values are replaced by the stored weights, so an initializer that cannot be rebuilt does not stop a load).
        /// </summary>
        public Initializer? GetInitializer(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            try
            {
                return Initializer.Deserialize(value);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        /// <summary>A regularizer (<c>{"class_name": "L2", "config": {...}}</c>, Keras 3's form, or a name); null when
        /// missing or null. Unlike an initializer, one RnnSharp does not know is an error: dropping it would train a
        /// different model.</summary>
        public Regularizer? GetRegularizer(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            try
            {
                return Regularizer.Deserialize(value);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Describe()}: \"{key}\": {e.Message}", e);
            }
        }

        /// <summary>A constraint (Keras 2's or Keras 3's form, or a name); null when missing or null. One RnnSharp does
        /// not know is an error.</summary>
        public Constraint? GetConstraint(string key)
        {
            if (!values.TryGetValue(key, out var value) || value is null) return null;
            try
            {
                return Constraint.Deserialize(value);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Describe()}: \"{key}\": {e.Message}", e);
            }
        }

        /// <summary>The dtype policy under <paramref name="key"/> (a name, Keras 3's <c>DTypePolicy</c> or tf.keras's
        /// <c>Policy</c> object); missing or null: the global policy.</summary>
        public DTypePolicies.DTypePolicy GetDtypePolicy(string key)
        {
            values.TryGetValue(key, out var value);
            try
            {
                return DTypePolicies.DTypePolicy.Get(value);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Describe()}: \"{key}\": {e.Message}", e);
            }
        }

        /// <summary>
        /// After <paramref name="layer"/> was made from this config: an <c>activity_regularizer</c> its constructor did
        /// not take is set on the layer (every Keras layer takes one), and any other regularizer or constraint the
        /// layer did not read is an error naming it, never dropped.
        /// </summary>
        internal void ApplyUnreadPenalties(Layer layer)
        {
            // Every Keras layer takes a dtype policy; a constructor without the argument gets it set here.
            if (!values.WasRead("dtype") && values.TryGetValue("dtype", out var dtype) && dtype is not null)
                layer.DtypePolicy = GetDtypePolicy("dtype");
            if (!values.WasRead("activity_regularizer") && GetRegularizer("activity_regularizer") is { } activity)
                layer.ActivityRegularizer = activity;
            foreach (var (key, value) in values.Inner)
            {
                if (value is null || values.WasRead(key) || !(key.EndsWith("_regularizer", StringComparison.Ordinal) || key.EndsWith("_constraint", StringComparison.Ordinal)))
                    continue;
                throw new ArgumentException(
                    $"{Describe()} has \"{key}\": {ConfigJson.Serialize(value)}, and RnnSharp's {layer.GetType().Name} takes no {key}; " +
                    "the model would train differently without it.");
            }
        }

        /// <summary>
        /// Creates a <typeparamref name="T"/> from this config, as Keras's <c>from_config</c> does with
        /// <c>cls(**config)</c>: each constructor parameter takes the value under its snake_case name
        /// (<c>returnSequences</c> from <c>return_sequences</c>, <c>batchInputShape</c> from <c>batch_input_shape</c>),
        /// converted and checked by the getters above (a nested layer through <see cref="LayerRegistry"/>), or its
        /// default when the key is missing; an explicit null goes to a parameter that takes null. Keys without a
        /// parameter are ignored: Keras's configs hold arguments RnnSharp does not take (regularizers, constraints,
        /// <c>dtype</c>, <c>implementation</c>, ...). Of several public constructors, the first whose required
        /// parameters the config holds is used.
        /// </summary>
        /// <typeparam name="T">The layer class.</typeparam>
        /// <exception cref="ArgumentException">A required key is missing, or a value does not fit.</exception>
        public T Instantiate<T>() where T : Layer
        {
            var constructors = typeof(T).GetConstructors().OrderBy(c => c.MetadataToken).ToArray();
            if (constructors.Length == 0) throw new InvalidOperationException($"{typeof(T).Name} has no public constructor.");
            var chosen = constructors.FirstOrDefault(c => c.GetParameters().All(p => p.HasDefaultValue || HasValue(KeyOf(p))))
                ?? constructors.OrderByDescending(c => c.GetParameters().Length).First();
            var arguments = chosen.GetParameters().Select(Argument).ToArray();
            try
            {
                return (T)chosen.Invoke(arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                // The constructor's own error (e.g. Keras's message for a bad value), not reflection's wrapper.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static string KeyOf(ParameterInfo parameter) => NameUtils.ToSnakeCase(parameter.Name!);

        private bool HasValue(string key) => values.TryGetValue(key, out var value) && value is not null;

        // The value for one constructor parameter: the config's, converted to the parameter's type, or its default.
        private object? Argument(ParameterInfo parameter)
        {
            string key = KeyOf(parameter);
            var type = parameter.ParameterType;
            var underlying = Nullable.GetUnderlyingType(type);
            bool takesNull = underlying is not null || !type.IsValueType;
            if (!values.TryGetValue(key, out var value) || (value is null && !takesNull))
                return parameter.HasDefaultValue ? parameter.DefaultValue : throw Missing(key);
            // An explicit null where the argument takes one (merge_mode: None), but never for a required argument.
            if (value is null) return parameter.HasDefaultValue ? null : throw Missing(key);
            var target = underlying ?? type;
            if (target == typeof(int)) return GetInt(key);
            if (target == typeof(double)) return GetDouble(key);
            if (target == typeof(bool)) return GetBool(key, false);
            if (target == typeof(string)) return GetString(key, null);
            if (target == typeof(int?[])) return GetShape(key);
            if (target == typeof(int[])) return GetInts(key);
            if (target == typeof(Activation)) return GetActivation(key);
            // An initializer RnnSharp cannot rebuild takes the layer's default: a loaded model's weights replace it anyway.
            if (target == typeof(Initializer)) return GetInitializer(key);
            if (target == typeof(Regularizer)) return GetRegularizer(key);
            if (target == typeof(Constraint)) return GetConstraint(key);
            if (target == typeof(DTypePolicies.DTypePolicy)) return GetDtypePolicy(key);
            if (typeof(Layer).IsAssignableFrom(target))
            {
                var layer = GetLayer(key)!;
                return target.IsInstanceOfType(layer) ? layer
                    : throw new ArgumentException($"{Describe()}: \"{key}\" should be a {target.Name}, found a {layer.GetType().Name}.");
            }
            if (target.IsGenericType && target.GetGenericTypeDefinition() == typeof(IEnumerable<>)
                && typeof(Layer).IsAssignableFrom(target.GetGenericArguments()[0]))
            {
                var element = target.GetGenericArguments()[0];
                var layers = GetLayers(key);
                var typed = Array.CreateInstance(element, layers.Count);
                for (int i = 0; i < layers.Count; i++)
                    typed.SetValue(element.IsInstanceOfType(layers[i]) ? layers[i]
                        : throw new ArgumentException($"{Describe()}: \"{key}\" should hold {element.Name}s, found a {layers[i].GetType().Name}."), i);
                return typed;
            }
            throw new InvalidOperationException(
                $"{Describe()}: the constructor parameter {parameter.Name} of type {type.Name} has no config conversion; write FromConfig by hand.");
        }

        private string Describe() => $"Layer config of {ClassName}" + (GetStringOrNull("name") is string n ? $" \"{n}\"" : "");

        private string? GetStringOrNull(string key) => values.TryGetValue(key, out var v) ? v as string : null;

        private ArgumentException Missing(string key) => new($"{Describe()} has no \"{key}\".");

        private ArgumentException WrongType(string key, string expected, object value)
            => new($"{Describe()}: \"{key}\" should be {expected}, found {Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name}).");

        // The config's values, remembering which keys were looked at, so a regularizer or constraint no argument took
        // can be found after the layer is made.
        private sealed class ReadTracking(IReadOnlyDictionary<string, object?> inner) : IReadOnlyDictionary<string, object?>
        {
            private readonly HashSet<string> read = new(StringComparer.Ordinal);

            public IReadOnlyDictionary<string, object?> Inner => inner;

            public bool WasRead(string key) => read.Contains(key);

            public object? this[string key]
            {
                get
                {
                    read.Add(key);
                    return inner[key];
                }
            }

            public IEnumerable<string> Keys => inner.Keys;
            public IEnumerable<object?> Values => inner.Values;
            public int Count => inner.Count;

            public bool ContainsKey(string key)
            {
                read.Add(key);
                return inner.ContainsKey(key);
            }

            public bool TryGetValue(string key, out object? value)
            {
                read.Add(key);
                return inner.TryGetValue(key, out value);
            }

            public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => inner.GetEnumerator();

            IEnumerator IEnumerable.GetEnumerator() => inner.GetEnumerator();
        }
    }
}
