using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using RnnSharp.Layers;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using LSTM = RnnSharp.Layers.LSTM;
using GRU = RnnSharp.Layers.GRU;
using RNN = RnnSharp.Layers.RNN;
using Embedding = RnnSharp.Layers.Embedding;
using static TorchSharp.torch;

namespace RnnSharp.Bench
{
    /// <summary>
    /// The hand-written raw-TorchSharp equivalent of a benchmark <see cref="Sequential"/>: plain <c>nn.Embedding</c>,
    /// <c>nn.LSTM</c>/<c>nn.GRU</c>/<c>nn.RNN</c> and <c>nn.Linear</c> modules called in a loop, with the same weights
    /// (copied from the model, in PyTorch layout, including which tensors train), so both sides do the same math.
    /// </summary>
    internal sealed class RawNet : nn.Module<Tensor, Tensor>
    {
        private readonly List<Func<Tensor, Tensor>> stages = new();

        private RawNet() : base("raw")
        {
        }

        /// <summary>Builds the raw modules mirroring <paramref name="model"/> (built) and copies its weights into them.</summary>
        public static RawNet Mirror(Sequential model)
        {
            var net = new RawNet();
            for (int i = 0; i < model.Layers.Count; i++)
            {
                var layer = model.Layers[i];
                long inputDim = i == 0 ? 0 : model.LayerOutputShapes[i - 1][0][^1]!.Value;
                string name = $"l{i}";
                switch (layer)
                {
                    case Embedding e:
                    {
                        var table = nn.Embedding(e.InputDim, e.OutputDim);
                        net.register_module(name, table);
                        net.stages.Add(x => table.call(x));
                        break;
                    }
                    case RNN r:
                        net.AddRecurrent(name, r, inputDim, bidirectional: false);
                        break;
                    case Dense d:
                    {
                        var linear = nn.Linear(inputDim, d.Units);
                        net.register_module(name, linear);
                        bool sigmoid = d.Activation.Name == "sigmoid";
                        if (!sigmoid && d.Activation.Name != "linear")
                            throw new NotSupportedException($"Raw mirror: Dense activation {d.Activation.Name}.");
                        net.stages.Add(x => sigmoid ? linear.call(x).sigmoid() : linear.call(x));
                        break;
                    }
                    case Bidirectional b when b.MergeMode == "concat":
                        net.AddRecurrent(name, b.ForwardLayer, inputDim, bidirectional: true);
                        break;
                    default:
                        throw new NotSupportedException($"Raw mirror: layer type {layer.GetType().Name}.");
                }
            }
            CopyWeights(model, net);
            return net;
        }

        private void AddRecurrent(string name, RNN layer, long inputDim, bool bidirectional)
        {
            long units = layer.Units;
            bool sequences = layer.ReturnSequences;
            Func<Tensor, Tensor> run;
            switch (layer)
            {
                case LSTM:
                {
                    var m = nn.LSTM(inputDim, units, batchFirst: true, bidirectional: bidirectional);
                    register_module(name, m);
                    run = x => m.call(x).Item1;
                    break;
                }
                case GRU:
                {
                    var m = nn.GRU(inputDim, units, batchFirst: true, bidirectional: bidirectional);
                    register_module(name, m);
                    run = x => m.call(x).Item1;
                    break;
                }
                case SimpleRNN:
                {
                    var m = nn.RNN(inputDim, units, batchFirst: true, bidirectional: bidirectional);
                    register_module(name, m);
                    run = x => m.call(x).Item1;
                    break;
                }
                default:
                    throw new NotSupportedException($"Raw mirror: recurrent layer {layer.GetType().Name}.");
            }
            stages.Add(x =>
            {
                var output = run(x);
                if (sequences) return output;
                if (!bidirectional) return output.select(1, -1);
                // Keras's Bidirectional concatenates the forward layer's last step and the backward layer's last
                // processed step, which is time 0.
                return cat(new[] { output.select(1, -1).narrow(1, 0, units), output.select(1, 0).narrow(1, units, units) }, 1);
            });
        }

        /// <summary>Copies the model's parameters, in registration order, into the raw modules (same PyTorch layout).</summary>
        private static void CopyWeights(Sequential model, RawNet net)
        {
            var source = model.parameters().ToList();
            var target = net.parameters().ToList();
            if (source.Count != target.Count)
                throw new InvalidOperationException($"Raw mirror: {source.Count} model parameters, {target.Count} raw ones.");
            using var noGrad = no_grad();
            for (int i = 0; i < source.Count; i++)
            {
                if (!source[i].shape.SequenceEqual(target[i].shape))
                    throw new InvalidOperationException(
                        $"Raw mirror: parameter {i} has shape [{string.Join(",", source[i].shape)}] in the model, [{string.Join(",", target[i].shape)}] raw.");
                target[i].copy_(source[i]);
                // Keras has one recurrent bias where the kernel has two: the model holds the second at zero, untrained.
                target[i].requires_grad = source[i].requires_grad;
            }
        }

        public override Tensor forward(Tensor x)
        {
            var h = x;
            foreach (var stage in stages) h = stage(h);
            return h;
        }

        /// <summary>The parameters that train.</summary>
        public IReadOnlyList<Parameter> Trainable => parameters().Where(p => p.requires_grad).ToList();
    }

    /// <summary>
    /// Keras 2's Adam written out by hand in TorchSharp (the same equations as RnnSharp's <c>Adam</c>, "epsilon hat":
    /// <c>w -= lr·sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)</c>), one set of in-place ops per parameter.
    /// </summary>
    internal sealed class RawKerasAdam : IDisposable
    {
        private readonly List<(Parameter P, Tensor M, Tensor V)> slots = new();
        private readonly Scalar beta1, oneMinusBeta1, beta2, oneMinusBeta2, epsilon;
        private readonly double lr, b1, b2;
        private long t;

        public RawKerasAdam(IEnumerable<Parameter> parameters, double lr = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
        {
            this.lr = lr;
            b1 = beta1;
            b2 = beta2;
            this.beta1 = beta1.ToScalar();
            oneMinusBeta1 = (1 - beta1).ToScalar();
            this.beta2 = beta2.ToScalar();
            oneMinusBeta2 = (1 - beta2).ToScalar();
            this.epsilon = epsilon.ToScalar();
            foreach (var p in parameters)
                slots.Add((p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
        }

        public void ZeroGrad()
        {
            foreach (var (p, _, _) in slots) p.grad = null;
        }

        public void Step()
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            t++;
            double alpha = lr * Math.Sqrt(1 - Math.Pow(b2, t)) / (1 - Math.Pow(b1, t));
            using var negAlpha = (-alpha).ToScalar();
            foreach (var (p, m, v) in slots)
            {
                var g = p.grad;
                if (g is null) continue;
                m.mul_(beta1).add_(g, oneMinusBeta1);
                v.mul_(beta2).addcmul_(g, g, oneMinusBeta2);
                p.addcdiv_(m, v.sqrt().add_(epsilon), negAlpha);
            }
        }

        public void Dispose()
        {
            foreach (var (_, m, v) in slots)
            {
                m.Dispose();
                v.Dispose();
            }
            beta1.Dispose();
            oneMinusBeta1.Dispose();
            beta2.Dispose();
            oneMinusBeta2.Dispose();
            epsilon.Dispose();
        }
    }

    /// <summary>The hand-written training and inference loops around a <see cref="RawNet"/>.</summary>
    internal sealed class RawTrainer : IDisposable
    {
        private const double Eps = 1e-7;

        public RawTrainer(RawNet net)
        {
            Net = net;
            Optimizer = new RawKerasAdam(net.Trainable);
        }

        public RawNet Net { get; }
        public RawKerasAdam Optimizer { get; }

        /// <summary>Keras 2's binary cross-entropy on probabilities: clip, then the log terms with ε, mean over samples.</summary>
        public static Tensor Bce(Tensor y, Tensor p)
        {
            var clipped = p.clamp(Eps, 1 - Eps);
            return -(y * (clipped + Eps).log() + (1 - y) * ((1 - clipped) + Eps).log()).mean();
        }

        /// <summary>One training step on a batch; the loss and correct count accumulate on the device.</summary>
        public void TrainStep(Tensor xb, Tensor yb, Tensor lossSum, Tensor correct)
        {
            var prediction = Net.call(xb);
            var loss = Bce(yb, prediction);
            Optimizer.ZeroGrad();
            loss.backward();
            Optimizer.Step();
            using var noGrad = no_grad();
            lossSum.add_(loss.detach() * xb.shape[0]);
            correct.add_(prediction.detach().gt(0.5).to(ScalarType.Float32).eq(yb).sum());
        }

        /// <summary>
        /// One epoch as a hand-written loop does it: a fresh permutation, index_select batches, train step, running loss and
        /// accuracy on the device, read once at the end. Returns (loss, accuracy).
        /// </summary>
        public (double Loss, double Accuracy) Epoch(Tensor x, Tensor y, int batchSize)
        {
            Net.train();
            long n = x.shape[0];
            using var order = randperm(n, dtype: ScalarType.Int64);
            using var lossSum = zeros(Array.Empty<long>());
            using var correct = zeros(Array.Empty<long>());
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(batchSize, n - start));
                TrainStep(x.index_select(0, index), y.index_select(0, index), lossSum, correct);
            }
            return (lossSum.item<float>() / n, correct.item<float>() / n);
        }

        /// <summary>Batched inference without gradients, concatenated, as a hand-written predict loop.</summary>
        public Tensor Predict(Tensor x, int batchSize)
        {
            Net.eval();
            using var noGrad = no_grad();
            long n = x.shape[0];
            var parts = new List<Tensor>();
            try
            {
                for (long start = 0; start < n; start += batchSize)
                {
                    // Each batch's intermediates are released before the next batch allocates its own.
                    using var scope = NewDisposeScope();
                    parts.Add(Net.call(x.narrow(0, start, Math.Min(batchSize, n - start))).MoveToOuterDisposeScope());
                }
                return parts.Count == 1 ? parts[0].alias() : cat(parts, 0);
            }
            finally
            {
                foreach (var part in parts) part.Dispose();
            }
        }

        public void Dispose() => Optimizer.Dispose();
    }
}
