using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Initializers;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>What the normalization layers share: Keras's <c>tf_utils.validate_axis</c>, the <c>axis</c> argument and
    /// config, and the scale <c>gamma</c> and offset <c>beta</c> (created, applied, listed and set in Keras's order).</summary>
    internal static class NormalizationParts
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

        /// <summary>Creates <c>gamma</c> (with <paramref name="scale"/>) and <c>beta</c> (with <paramref name="center"/>) of
        /// <paramref name="shape"/> on <paramref name="layer"/>.</summary>
        public static void RegisterScaleAndOffset(nn.Module layer, bool scale, bool center, Initializer gamma, Initializer beta, long[] shape)
        {
            if (scale) layer.register_parameter("gamma", new TorchSharp.Modules.Parameter(gamma.Generate(shape)));
            if (center) layer.register_parameter("beta", new TorchSharp.Modules.Parameter(beta.Generate(shape)));
        }

        /// <summary>The shape the per-axis weights take to broadcast over <paramref name="inputs"/>: the input's sizes on
        /// <paramref name="axes"/>, 1 elsewhere (Keras reshapes them so, laid out in the order of axis).</summary>
        public static long[] BroadcastShape(IReadOnlyList<int> axes, Tensor inputs)
        {
            var shape = Enumerable.Repeat(1L, (int)inputs.dim()).ToArray();
            foreach (var a in axes) shape[a] = inputs.shape[a];
            return shape;
        }

        /// <summary><paramref name="normalized"/> times <c>gamma</c> plus <c>beta</c>, those the layer has.</summary>
        public static Tensor ScaleAndOffset(nn.Module layer, bool scale, bool center, Tensor normalized, long[] broadcast)
        {
            if (scale) normalized = normalized * layer.get_parameter("gamma")!.reshape(broadcast);
            if (center) normalized = normalized + layer.get_parameter("beta")!.reshape(broadcast);
            return normalized;
        }

        /// <summary>The Keras weights <c>gamma</c> and <c>beta</c>, those the layer has, in Keras's order.</summary>
        public static IEnumerable<Layers.WeightInfo> ScaleAndOffsetWeights(bool scale, bool center, long[] shape)
        {
            if (scale) yield return new Layers.WeightInfo("gamma", shape, true);
            if (center) yield return new Layers.WeightInfo("beta", shape, true);
        }

        /// <summary>The tensors of <see cref="ScaleAndOffsetWeights"/>.</summary>
        public static IEnumerable<Tensor> ScaleAndOffsetTensors(nn.Module layer, bool scale, bool center)
        {
            if (scale) yield return layer.get_parameter("gamma")!;
            if (center) yield return layer.get_parameter("beta")!;
        }

        /// <summary>Sets <c>gamma</c> and <c>beta</c> from the start of <paramref name="weights"/>; returns how many it took.</summary>
        public static int WriteScaleAndOffset(nn.Module layer, bool scale, bool center, IReadOnlyList<Tensor> weights)
        {
            int i = 0;
            if (scale) layer.get_parameter("gamma")!.copy_(weights[i++]);
            if (center) layer.get_parameter("beta")!.copy_(weights[i++]);
            return i;
        }
    }
}
