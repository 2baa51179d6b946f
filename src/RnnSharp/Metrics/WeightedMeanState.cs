using System;
using System.Linq;
using RnnSharp.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Metrics
{
    /// <summary>
    /// Device-resident running <c>total</c> and <c>count</c> of Keras's <c>Reduce(WEIGHTED_MEAN)</c> metric state.
    /// Updates never synchronise with the host; only reading a value does.
    /// </summary>
    internal sealed class WeightedMeanState : IDisposable
    {
        private Tensor? total;
        private Tensor? count;

        /// <summary>
        /// Keras's <c>Reduce.update_state(values, sample_weight)</c> with <c>WEIGHTED_MEAN</c>: weights are conformed by
        /// <c>squeeze_or_expand_dimensions</c>, broadcast to the values when possible (otherwise the values are averaged
        /// over their trailing axes down to the weights' rank), then <c>total += sum(values * w)</c>, <c>count += sum(w)</c>
        /// (or the number of values when unweighted).
        /// </summary>
        internal void Update(Tensor values, Tensor? sampleWeight, string owner)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var v = values.detach().to_type(ScalarType.Float32);
            EnsureState(v.device);
            if (sampleWeight is null)
            {
                total!.add_(v.sum());
                count!.add_(v.numel());
                return;
            }

            var w = sampleWeight.detach().to(ScalarType.Float32, v.device);
            w = LossShapes.ConformWeights(v, w, owner);
            if (w.dim() == 0 || (w.dim() == v.dim() && LossShapes.Broadcastable(v.shape, w.shape) &&
                                 w.shape.Zip(v.shape).All(d => d.First == 1 || d.First == d.Second)))
            {
                // tf.broadcast_weights: a scalar or same-rank weight whose axes are 1 or equal to the values' axes.
                w = w.expand(v.shape);
            }
            else if (w.dim() < v.dim())
            {
                // Keras's fallback: reduce the values to the weights' rank by averaging the trailing axes.
                var axes = Enumerable.Range((int)w.dim(), (int)(v.dim() - w.dim())).Select(i => (long)i).ToArray();
                v = v.mean(axes);
                if (!LossShapes.Broadcastable(v.shape, w.shape))
                    throw Incompatible(owner, values, sampleWeight);
            }
            else
            {
                throw Incompatible(owner, values, sampleWeight);
            }
            total!.add_((v * w).sum());
            count!.add_(w.sum());
        }

        /// <summary><c>total / count</c>, or 0 while <c>count</c> is 0 (<c>divide_no_nan</c>); a new float32 scalar tensor.</summary>
        internal Tensor Result()
        {
            using var scope = NewDisposeScope();
            if (total is null || count is null)
                return zeros(Array.Empty<long>(), ScalarType.Float32).MoveToOuterDisposeScope();
            var ratio = total / count;
            return where(count.eq(0), zeros_like(ratio), ratio).MoveToOuterDisposeScope();
        }

        /// <summary><c>total</c> and <c>count</c> (created as zeros on the CPU before the first update).</summary>
        internal Tensor[] Variables
        {
            get
            {
                if (total is null || count is null) EnsureState(CPU);
                return new[] { total!, count! };
            }
        }

        /// <summary>Sets <c>total</c> and <c>count</c> back to 0 on their device.</summary>
        internal void Reset()
        {
            // In-place ops return new tensor handles; the scope releases them.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            total?.zero_();
            count?.zero_();
        }

        public void Dispose()
        {
            total?.Dispose();
            count?.Dispose();
            total = null;
            count = null;
        }

        private void EnsureState(Device device)
        {
            if (total is null || count is null)
            {
                // Detached from any caller's dispose scope: the state lives as long as the metric.
                total = zeros(Array.Empty<long>(), ScalarType.Float32, device).DetachFromDisposeScope();
                count = zeros(Array.Empty<long>(), ScalarType.Float32, device).DetachFromDisposeScope();
                return;
            }
            if (total.device_type != device.type || total.device_index != device.index)
            {
                var total = this.total.to(device).DetachFromDisposeScope();
                var count = this.count.to(device).DetachFromDisposeScope();
                this.total.Dispose();
                this.count.Dispose();
                this.total = total;
                this.count = count;
            }
        }

        private static ArgumentException Incompatible(string owner, Tensor values, Tensor sampleWeight) =>
            new($"{owner}: sample_weight shape {LossShapes.Format(sampleWeight.shape)} cannot be applied to values of shape {LossShapes.Format(values.shape)}.",
                nameof(sampleWeight));
    }
}
