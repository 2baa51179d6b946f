using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Merging
{
    /// <summary>Seeded data for the merge layer tests, as plain arrays (for the expected values) and tensors.</summary>
    internal static class MergeTestData
    {
        public static double[] Flat(double[][][] x) => x.SelectMany(r => r.SelectMany(c => c)).ToArray();

        public static double[] Flat(double[][] x) => x.SelectMany(r => r).ToArray();

        public static bool[] Flat(bool[][] x) => x.SelectMany(r => r).ToArray();

        public static bool[] Values(Tensor mask) => mask.cpu().contiguous().data<bool>().ToArray();

        public static Tensor Mask(bool[] values, params long[] shape) => tensor(values, shape);

        /// <summary>Uniform values in (-1, 1).</summary>
        public static double[][][] Random3(Random rng, int a, int b, int c) => TestTensors.Random3(rng, a, b, c);

        public static double[][] Random2(Random rng, int a, int b) => TestTensors.Random2(rng, a, b, 1.0);

        public static double[][][] Map3(int a, int b, int c, Func<int, int, int, double> value)
            => Enumerable.Range(0, a).Select(i => Enumerable.Range(0, b).Select(j => Enumerable.Range(0, c).Select(k => value(i, j, k)).ToArray()).ToArray()).ToArray();

        public static double[][] Map2(int a, int b, Func<int, int, double> value)
            => Enumerable.Range(0, a).Select(i => Enumerable.Range(0, b).Select(j => value(i, j)).ToArray()).ToArray();

        public static IReadOnlyList<int?[]> Shapes(params int?[][] shapes) => shapes;
    }
}
