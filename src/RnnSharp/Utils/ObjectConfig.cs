using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace RnnSharp.Utils
{
    /// <summary>
    /// The arguments of a small Keras object's config (a regularizer, a constraint) read by key, as Keras's
    /// <c>cls(**config)</c> takes them: a missing key or an explicit null takes the default, a value of the wrong type
    /// and a key the class does not take are errors naming the object.
    /// </summary>
    internal sealed class ObjectConfig(IReadOnlyDictionary<string, object?> config, string what)
    {
        private readonly HashSet<string> read = new(StringComparer.Ordinal);

        /// <summary>A number (an integer is accepted).</summary>
        public double Double(string key, double fallback)
        {
            read.Add(key);
            return config.GetValueOrDefault(key) switch
            {
                null => fallback,
                double d => d,
                float f => f,
                long l => l,
                int i => i,
                var other => throw WrongType(key, "a number", other),
            };
        }

        /// <summary>A string.</summary>
        public string String(string key, string fallback)
        {
            read.Add(key);
            return config.GetValueOrDefault(key) switch
            {
                null => fallback,
                string s => s,
                var other => throw WrongType(key, "a string", other),
            };
        }

        /// <summary>An axis: one integer, or a list of them (Keras's <c>axis=[0, 1]</c>); <paramref name="isList"/> says which.</summary>
        public int[] Axes(string key, int fallback, out bool isList)
        {
            read.Add(key);
            isList = config.GetValueOrDefault(key) is IEnumerable<object?>;
            return config.GetValueOrDefault(key) switch
            {
                null => new[] { fallback },
                long l => new[] { checked((int)l) },
                int i => new[] { i },
                IEnumerable<object?> items => items.Select(item => item is long or int
                    ? Convert.ToInt32(item, CultureInfo.InvariantCulture)
                    : throw WrongType(key, "an integer or a list of integers", item ?? "None")).ToArray(),
                var other => throw WrongType(key, "an integer or a list of integers", other),
            };
        }

        /// <summary>Throws when the config holds a key that was not read.</summary>
        public void RejectUnused()
        {
            var unused = config.Keys.Where(k => !read.Contains(k)).ToArray();
            if (unused.Length > 0)
                throw new ArgumentException($"{what} does not take {string.Join(", ", unused.Select(k => $"\"{k}\""))}.");
        }

        private ArgumentException WrongType(string key, string expected, object value)
            => new($"{what}: \"{key}\" should be {expected}, found {Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name}).");
    }
}
