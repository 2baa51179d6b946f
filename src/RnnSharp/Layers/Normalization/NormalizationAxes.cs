using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnSharp.Layers
{
    /// <summary>Keras's <c>tf_utils.validate_axis</c> and the <c>axis</c> argument/config shared by the normalization layers.</summary>
    internal static class NormalizationAxes
    {
        /// <summary>The axes as non-negative indices for an input of <paramref name="rank"/>, with Keras's errors.</summary>
        public static int[] Validate(IReadOnlyList<int> axis, int rank)
        {
            var resolved = axis.Select(x => x < 0 ? rank + x : x).ToArray();
            if (resolved.Any(x => x < 0 || x >= rank))
                throw new ArgumentException(
                    $"Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with inputs.rank={rank}). Received: axis={Tuple(resolved)}");
            if (resolved.Distinct().Count() != resolved.Length)
                throw new ArgumentException($"Duplicate axis: {Tuple(resolved)}");
            return resolved;
        }

        /// <summary>Python's tuple text, <c>(1,)</c> or <c>(1, 2)</c>.</summary>
        public static string Tuple(IReadOnlyList<int> values)
            => values.Count == 1 ? $"({values[0]},)" : "(" + string.Join(", ", values) + ")";

        /// <summary>The config value of <c>axis</c>: Keras's list of non-negative axes once built, else the argument as given.</summary>
        public static object ConfigValue(int[]? resolved, int[] given, bool givenAsInt)
            => resolved is not null ? resolved.ToArray() : givenAsInt ? given[0] : given.ToArray();
    }
}
