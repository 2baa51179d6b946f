using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;

namespace RnnSharp.Utils
{
    /// <summary>
    /// Keras's <c>cls(**config)</c> for the objects of a compile configuration (optimizers, losses): calls the
    /// constructor with the config's values by their Keras names (<c>learning_rate</c> for <c>learningRate</c>,
    /// <c>beta_1</c> for <c>beta1</c>), defaults where a key is missing. Layers have their own, richer
    /// <see cref="Saving.LayerConfig"/>.
    /// </summary>
    internal static partial class ConfigArguments
    {
        [GeneratedRegex("([a-z])([0-9]+)$")]
        private static partial Regex TrailingNumber();

        /// <summary>The Keras key of a constructor parameter: snake_case, a trailing number set off (<c>beta_1</c>).</summary>
        public static string KeyOf(string parameterName) => TrailingNumber().Replace(NameUtils.ToSnakeCase(parameterName), "$1_$2");

        /// <summary>Creates a <paramref name="type"/> from <paramref name="config"/>; keys without a parameter are
        /// returned in <paramref name="unused"/> for the caller to judge.</summary>
        /// <exception cref="ArgumentException">A value does not fit its parameter.</exception>
        public static object Instantiate(Type type, IReadOnlyDictionary<string, object?> config, string what, out IReadOnlyList<string> unused)
        {
            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            var parameters = constructor.GetParameters();
            var keys = parameters.Select(p => KeyOf(p.Name!)).ToArray();
            unused = config.Keys.Where(k => !keys.Contains(k)).ToArray();
            var arguments = parameters.Select((p, i) => Argument(p, keys[i], config, what)).ToArray();
            try
            {
                return constructor.Invoke(arguments);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        private static object? Argument(ParameterInfo parameter, string key, IReadOnlyDictionary<string, object?> config, string what)
        {
            if (!config.TryGetValue(key, out var value) || value is null)
                return parameter.HasDefaultValue ? parameter.DefaultValue
                    : throw new ArgumentException($"{what} has no \"{key}\".");
            var target = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            return (target, value) switch
            {
                _ when target == typeof(double) && value is double or long or int or float => Convert.ToDouble(value, CultureInfo.InvariantCulture),
                _ when target == typeof(int) && value is long or int => Convert.ToInt32(value, CultureInfo.InvariantCulture),
                _ when target == typeof(bool) && value is bool => value,
                _ when target == typeof(string) && value is string => value,
                _ => throw new ArgumentException(
                    $"{what}: \"{key}\" should be {(target == typeof(bool) ? "true or false" : target == typeof(string) ? "a string" : "a number")}, " +
                    $"found {Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name})."),
            };
        }
    }
}
