using System;
using System.Collections.Generic;

namespace RnnSharp.Data
{
    /// <summary>
    /// A bit-exact port of the parts of NumPy's legacy <c>numpy.random.RandomState</c> that Keras's dataset
    /// loaders use: the MT19937 generator seeded from a 32-bit integer, <c>shuffle</c> and <c>permutation</c>.
    /// </summary>
    /// <remarks>
    /// NumPy guarantees that the legacy <c>RandomState</c> stream never changes between releases, which is what
    /// makes <c>keras.datasets.imdb.load_data(seed=113)</c> reproducible. This class reproduces that stream so
    /// that the same seed yields the same sample order as in Python.
    /// </remarks>
    public sealed class NumpyRandomState
    {
        private const int StateLength = 624;
        private const int Period = 397;
        private const uint MatrixA = 0x9908b0dfU;
        private const uint UpperMask = 0x80000000U;
        private const uint LowerMask = 0x7fffffffU;

        private readonly uint[] key = new uint[StateLength];
        private int position;

        /// <summary>
        /// Creates a generator in the state of <c>numpy.random.RandomState(seed)</c> for an integer seed.
        /// </summary>
        /// <param name="seed">The seed; NumPy accepts integers in [0, 2**32 - 1], which is exactly <see cref="uint"/>.</param>
        public NumpyRandomState(uint seed)
        {
            // MT19937's reference init_genrand, which is what NumPy's legacy integer seeding calls.
            key[0] = seed;
            for (int i = 1; i < StateLength; i++)
            {
                uint previous = key[i - 1];
                key[i] = unchecked((1812433253U * (previous ^ (previous >> 30))) + (uint)i);
            }

            position = StateLength;
        }

        /// <summary>Returns the next raw 32-bit output of MT19937 (NumPy's <c>next_uint32</c> for the legacy generator).</summary>
        /// <returns>A uniformly distributed 32-bit unsigned integer.</returns>
        public uint NextUInt32()
        {
            if (position >= StateLength)
            {
                Regenerate();
            }

            uint y = key[position++];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9d2c5680U;
            y ^= (y << 15) & 0xefc60000U;
            y ^= y >> 18;
            return y;
        }

        /// <summary>
        /// Draws a uniformly distributed integer in the closed range [0, <paramref name="max"/>] exactly as NumPy's
        /// <c>random_interval</c>: 32-bit draws masked to the smallest all-ones bit mask covering
        /// <paramref name="max"/>, rejecting values above it.
        /// </summary>
        /// <param name="max">The inclusive upper bound.</param>
        /// <returns>An integer between 0 and <paramref name="max"/> inclusive.</returns>
        public uint RandomInterval(uint max)
        {
            if (max == 0)
            {
                // NumPy returns without consuming a draw; keeping that matters for stream compatibility.
                return 0;
            }

            uint mask = max;
            mask |= mask >> 1;
            mask |= mask >> 2;
            mask |= mask >> 4;
            mask |= mask >> 8;
            mask |= mask >> 16;

            uint value;
            do
            {
                value = NextUInt32() & mask;
            }
            while (value > max);

            return value;
        }

        /// <summary>
        /// Shuffles <paramref name="items"/> in place exactly as <c>RandomState.shuffle</c> shuffles a
        /// one-dimensional array: a Fisher-Yates pass from the last element down to the second, swapping
        /// element <c>i</c> with element <c>random_interval(i)</c>.
        /// </summary>
        /// <typeparam name="T">The element type.</typeparam>
        /// <param name="items">The elements to shuffle.</param>
        public void Shuffle<T>(IList<T> items)
        {
            ArgumentNullException.ThrowIfNull(items);
            for (int i = items.Count - 1; i >= 1; i--)
            {
                int j = (int)RandomInterval((uint)i);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        /// <summary>
        /// Returns <c>RandomState.permutation(n)</c>: the integers 0..n-1 shuffled with <see cref="Shuffle{T}"/>.
        /// </summary>
        /// <param name="n">How many integers to permute.</param>
        /// <returns>A new array holding a permutation of 0..n-1.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative.</exception>
        public int[] Permutation(int n)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(n);
            var indices = new int[n];
            for (int i = 0; i < n; i++)
            {
                indices[i] = i;
            }

            Shuffle(indices);
            return indices;
        }

        private void Regenerate()
        {
            // The reference genrand_int32 state refill.
            int k;
            uint y;
            for (k = 0; k < StateLength - Period; k++)
            {
                y = (key[k] & UpperMask) | (key[k + 1] & LowerMask);
                key[k] = key[k + Period] ^ (y >> 1) ^ ((y & 1U) != 0 ? MatrixA : 0U);
            }

            for (; k < StateLength - 1; k++)
            {
                y = (key[k] & UpperMask) | (key[k + 1] & LowerMask);
                key[k] = key[k + (Period - StateLength)] ^ (y >> 1) ^ ((y & 1U) != 0 ? MatrixA : 0U);
            }

            y = (key[StateLength - 1] & UpperMask) | (key[0] & LowerMask);
            key[StateLength - 1] = key[Period - 1] ^ (y >> 1) ^ ((y & 1U) != 0 ? MatrixA : 0U);
            position = 0;
        }
    }
}
