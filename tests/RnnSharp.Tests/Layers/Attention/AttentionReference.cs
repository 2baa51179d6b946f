using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnSharp.Tests.Layers.Attention
{
    /// <summary>The attention layers' equations in plain doubles, written from Keras's definitions (not from RnnSharp's
    /// code): the references the tests compare with.</summary>
    internal static class AttentionReference
    {
        /// <summary>Dense attention (Keras's <c>BaseDenseAttention.call</c>): scores from <paramref name="score"/>, minus
        /// 1e9 where the value mask or the causal mask forbids, softmax over the values, weighted sum of the values,
        /// zero where the query mask is false. Returns the output <c>[b][i][d]</c> and the weights <c>[b][i][j]</c>.</summary>
        public static (double[][][] Output, double[][][] Weights) Dense(
            double[][][] query, double[][][] value, double[][][] key, Func<double[], double[], double> score,
            bool[][]? queryMask = null, bool[][]? valueMask = null, bool causal = false)
        {
            int batch = query.Length, tq = query[0].Length, tv = value[0].Length, dim = value[0][0].Length;
            var output = new double[batch][][];
            var weights = new double[batch][][];
            for (int b = 0; b < batch; b++)
            {
                output[b] = new double[tq][];
                weights[b] = new double[tq][];
                for (int i = 0; i < tq; i++)
                {
                    var s = new double[tv];
                    for (int j = 0; j < tv; j++)
                    {
                        s[j] = score(query[b][i], key[b][j]);
                        bool allowed = (valueMask?[b][j] ?? true) && (!causal || j <= i);
                        if (!allowed) s[j] -= 1e9;
                    }
                    var w = Softmax(s);
                    weights[b][i] = w;
                    output[b][i] = new double[dim];
                    bool keep = queryMask?[b][i] ?? true;
                    for (int d = 0; d < dim && keep; d++)
                        for (int j = 0; j < tv; j++) output[b][i][d] += w[j] * value[b][j][d];
                }
            }
            return (output, weights);
        }

        public static double[] Softmax(double[] s)
        {
            double max = s.Max();
            var e = s.Select(x => Math.Exp(x - max)).ToArray();
            double sum = e.Sum();
            return e.Select(x => x / sum).ToArray();
        }

        public static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

        /// <summary>
        /// Multi-head attention (Keras's <c>MultiHeadAttention.call</c>, default axes): per head h,
        /// <c>q = query·Wq[:,h,:] + bq[h]</c> (likewise k, v), scores <c>q·k / √keyDim</c>, masked entries replaced by
        /// -1e9 before the softmax and their weights set to 0 after it (Keras 3's <c>Softmax</c>), the weighted values
        /// projected by <c>Wo[h]</c> summed over heads, plus <c>bo</c>. Weights in Keras layout, flattened row-major.
        /// </summary>
        public static (double[][][] Output, double[][][][] Scores) MultiHead(
            double[][][] query, double[][][] value, double[][][] key, int heads, int keyDim, int valueDim, int outDim,
            float[] wq, float[]? bq, float[] wk, float[]? bk, float[] wv, float[]? bv, float[] wo, float[]? bo,
            Func<int, int, int, bool>? allowed = null)
        {
            int batch = query.Length, t = query[0].Length, s = value[0].Length;
            int dq = query[0][0].Length, dk = key[0][0].Length, dv = value[0][0].Length;
            double[] Proj(double[] x, float[] w, float[]? bias, int inDim, int h, int size)
                => Enumerable.Range(0, size).Select(e => Enumerable.Range(0, inDim).Sum(c => x[c] * w[(c * heads + h) * size + e]) + (bias?[h * size + e] ?? 0)).ToArray();
            var output = new double[batch][][];
            var scores = new double[batch][][][];
            for (int b = 0; b < batch; b++)
            {
                output[b] = Enumerable.Range(0, t).Select(_ => Enumerable.Range(0, outDim).Select(o => (double)(bo?[o] ?? 0)).ToArray()).ToArray();
                scores[b] = new double[heads][][];
                for (int h = 0; h < heads; h++)
                {
                    var qs = query[b].Select(x => Proj(x, wq, bq, dq, h, keyDim)).ToArray();
                    var ks = key[b].Select(x => Proj(x, wk, bk, dk, h, keyDim)).ToArray();
                    var vs = value[b].Select(x => Proj(x, wv, bv, dv, h, valueDim)).ToArray();
                    scores[b][h] = new double[t][];
                    for (int i = 0; i < t; i++)
                    {
                        var mask = Enumerable.Range(0, s).Select(j => allowed?.Invoke(b, i, j) ?? true).ToArray();
                        var sc = Enumerable.Range(0, s).Select(j => mask[j] ? Dot(qs[i], ks[j]) / Math.Sqrt(keyDim) : -1e9).ToArray();
                        var w = Softmax(sc).Select((x, j) => mask[j] ? x : 0).ToArray();
                        scores[b][h][i] = w;
                        for (int e = 0; e < valueDim; e++)
                        {
                            double a = Enumerable.Range(0, s).Sum(j => w[j] * vs[j][e]);
                            for (int o = 0; o < outDim; o++) output[b][i][o] += a * wo[(h * valueDim + e) * outDim + o];
                        }
                    }
                }
            }
            return (output, scores);
        }

        /// <summary>
        /// Multi-head attention for inputs of any rank (Keras's <c>MultiHeadAttention</c> with <c>attention_axes</c>):
        /// inputs flat row-major of shapes <c>(B, d1..dn, features)</c>. The inner axes not in <paramref name="axes"/>
        /// are batch-like (the query's and the value's agree on them); for each batch, each index of those axes and each
        /// head, every query position over the attention axes (taken in the order of <paramref name="axes"/>) scores every
        /// value position over them by <c>q·k / √keyDim</c>, one softmax over all value positions together, masked as in
        /// <see cref="MultiHead"/> by <paramref name="allowed"/>(b, query inner index, value inner index). Returns the
        /// output <c>(B, d1..dn, outDim)</c> and the weights laid out <c>(B, other inner axes.., heads, query attention
        /// axes.., value attention axes..)</c>, both flat.
        /// </summary>
        public static (double[] Output, double[] Scores) MultiHeadNd(
            double[] query, int[] queryShape, double[] value, int[] valueShape, double[] key, int[] keyShape, int[] axes,
            int heads, int keyDim, int valueDim, int outDim,
            float[] wq, float[]? bq, float[] wk, float[]? bk, float[] wv, float[]? bv, float[] wo, float[]? bo,
            Func<int, int[], int[], bool>? allowed = null)
        {
            int batch = queryShape[0], inner = queryShape.Length - 2;
            int dq = queryShape[^1], dv = valueShape[^1], dk = keyShape[^1];
            var others = Enumerable.Range(1, inner).Where(a => !axes.Contains(a)).ToArray();
            var otherIndices = Indices(others.Select(a => queryShape[a]).ToArray());
            var queryPositions = Indices(axes.Select(a => queryShape[a]).ToArray());
            var valuePositions = Indices(axes.Select(a => valueShape[a]).ToArray());
            // The inner index of a position: the other axes from `other`, the attention axes from `position`.
            int[] Inner(int[] other, int[] position)
            {
                var index = new int[inner];
                for (int i = 0; i < others.Length; i++) index[others[i] - 1] = other[i];
                for (int i = 0; i < axes.Length; i++) index[axes[i] - 1] = position[i];
                return index;
            }
            double[] Vector(double[] x, int[] shape, int b, int[] index)
            {
                int offset = b;
                for (int i = 0; i < inner; i++) offset = offset * shape[i + 1] + index[i];
                return x.Skip(offset * shape[^1]).Take(shape[^1]).ToArray();
            }
            double[] Proj(double[] x, float[] w, float[]? bias, int inDim, int h, int size)
                => Enumerable.Range(0, size).Select(e => Enumerable.Range(0, inDim).Sum(c => x[c] * w[(c * heads + h) * size + e]) + (bias?[h * size + e] ?? 0)).ToArray();
            int outputOffset(int b, int[] index)
            {
                int offset = b;
                for (int i = 0; i < inner; i++) offset = offset * queryShape[i + 1] + index[i];
                return offset * outDim;
            }
            var output = new double[queryShape[..^1].Aggregate(1, (a, d) => a * d) * outDim];
            var scores = new List<double>();
            for (int b = 0; b < batch; b++)
            {
                foreach (var index in Indices(queryShape[1..^1]))
                    for (int o = 0; o < outDim; o++) output[outputOffset(b, index) + o] = bo?[o] ?? 0;
                foreach (var other in otherIndices)
                    for (int h = 0; h < heads; h++)
                    {
                        var ks = valuePositions.Select(p => Proj(Vector(key, keyShape, b, Inner(other, p)), wk, bk, dk, h, keyDim)).ToArray();
                        var vs = valuePositions.Select(p => Proj(Vector(value, valueShape, b, Inner(other, p)), wv, bv, dv, h, valueDim)).ToArray();
                        foreach (var qp in queryPositions)
                        {
                            var qi = Inner(other, qp);
                            var qv = Proj(Vector(query, queryShape, b, qi), wq, bq, dq, h, keyDim);
                            var mask = valuePositions.Select(p => allowed?.Invoke(b, qi, Inner(other, p)) ?? true).ToArray();
                            var sc = ks.Select((kv, j) => mask[j] ? Dot(qv, kv) / Math.Sqrt(keyDim) : -1e9).ToArray();
                            var w = Softmax(sc).Select((x, j) => mask[j] ? x : 0).ToArray();
                            scores.AddRange(w);
                            for (int e = 0; e < valueDim; e++)
                            {
                                double a = Enumerable.Range(0, w.Length).Sum(j => w[j] * vs[j][e]);
                                for (int o = 0; o < outDim; o++) output[outputOffset(b, qi) + o] += a * wo[(h * valueDim + e) * outDim + o];
                            }
                        }
                    }
            }
            return (output, scores.ToArray());
        }

        /// <summary>Every index of an array of <paramref name="dims"/>, in row-major order.</summary>
        public static int[][] Indices(int[] dims)
        {
            IEnumerable<int[]> all = new[] { Array.Empty<int>() };
            foreach (int d in dims) all = all.SelectMany(prefix => Enumerable.Range(0, d).Select(i => prefix.Append(i).ToArray()));
            return all.ToArray();
        }

        public static double[] Flat(double[][][] x) => x.SelectMany(r => r.SelectMany(c => c)).ToArray();

        public static double[] Flat(double[][][][] x) => x.SelectMany(Flat).ToArray();
    }
}
