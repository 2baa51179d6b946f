using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// A fused engine's runs in a 16-bit compute dtype (a layer under <c>mixed_bfloat16</c> or <c>mixed_float16</c>):
    /// the fused kernel runs on a copy of the engine's module in that dtype, refreshed from the float32 weights at every
    /// run, so cuDNN or oneDNN compute in 16 bits while the weights stay float32, as Keras reads float32 variables in the
    /// compute dtype. In training one autograd node stands for the run: its gradients for the float32 weights are the
    /// 16-bit kernel's, cast to float32, so optimizers, regularizers and constraints see the float32 weights only.
    /// </summary>
    internal sealed class LowPrecisionRun
    {
        private readonly FusedEngine copy;
        private readonly (Tensor Master, Tensor Copy)[] pairs;

        private LowPrecisionRun(FusedEngine engine, ScalarType dtype, Device device)
        {
            Dtype = dtype;
            Device = device;
            copy = new FusedEngine(engine.Cell, engine.InputDim, engine.Directions);
            copy.Module.to(dtype).to(device);
            // The copy lives as long as its engine, outside any caller's dispose scope.
            foreach (var p in copy.Module.parameters()) p.DetachFromDisposeScope();
            pairs = engine.Module.named_parameters()
                .Select(np => ((Tensor)np.parameter, (Tensor)copy.Module.get_parameter(np.name)!))
                .ToArray();
        }

        /// <summary>The compute dtype.</summary>
        public ScalarType Dtype { get; }

        /// <summary>The device of the weights when the copy was made.</summary>
        public Device Device { get; }

        /// <summary>The engine's low-precision runner for inputs like <paramref name="input"/>, made (or remade, after a
        /// move to another device) on demand.</summary>
        public static LowPrecisionRun For(FusedEngine engine, Tensor input)
        {
            if (engine.LowPrecision is { } existing && existing.Dtype == input.dtype
                && existing.Device.type == input.device.type && existing.Device.index == input.device.index)
                return existing;
            return engine.LowPrecision = new LowPrecisionRun(engine, input.dtype, input.device);
        }

        /// <summary>Runs <see cref="FusedEngine.Compute"/> in the compute dtype on the float32 weights' current values.</summary>
        public FusedEngine.Result Run(IReadOnlyList<Tensor> inputs, MaskedRun? run, Tensor[][] initial, bool zeroOutputForMask, bool statesNeeded, bool lastStepOnly)
        {
            int directions = initial.Length, stateCount = initial[0].Length;
            var states = initial.SelectMany(d => d).Select(s => s.dtype == Dtype ? s : s.to(Dtype)).ToArray();
            var request = new Request(this, inputs.Count, states.Length, directions, stateCount, run, zeroOutputForMask, statesNeeded, lastStepOnly);
            bool differentiable = is_grad_enabled()
                && (inputs.Any(x => x.requires_grad) || states.Any(s => s.requires_grad) || pairs.Any(p => p.Master.requires_grad));
            if (!differentiable)
            {
                Sync();
                return copy.Compute(inputs, run, request.Regroup(states), zeroOutputForMask, statesNeeded, lastStepOnly);
            }
            var arguments = new List<object> { request };
            arguments.AddRange(inputs);
            arguments.AddRange(states);
            arguments.AddRange(pairs.Select(p => p.Master));
            List<Tensor> outputs;
            using (var applied = NewDisposeScope())
            {
                outputs = Node.apply(arguments.ToArray());
                foreach (var o in outputs) o.MoveToOuterDisposeScope();
                // The inner graph lives until backward frees it, whatever scopes end before (the layer's own do); a graph
                // never differentiated is freed with its autograd node, by the garbage collector.
                foreach (var t in request.Graph!.Outputs.Concat(request.Graph.Leaves)) t.DetachFromDisposeScope();
                foreach (var r in request.Returned!) r.Dispose();
                // What is left is TorchSharp's: the templates it makes zero gradients from, freed with the node.
                applied.Detach(applied.DisposablesView.ToArray());
            }
            var sequences = outputs.Take(directions).ToArray();
            var finals = request.Regroup(outputs.Skip(directions).ToArray());
            return new FusedEngine.Result(sequences, finals, request.LengthGroups);
        }

        private void Sync()
        {
            using var noGrad = no_grad();
            foreach (var (master, copied) in pairs) copied.copy_(master);
        }

        // What the node's forward needs besides tensors, and what it hands back besides them.
        internal sealed class Request(LowPrecisionRun owner, int inputCount, int stateTotal, int directions, int stateCount, MaskedRun? run,
            bool zeroOutputForMask, bool statesNeeded, bool lastStepOnly)
        {
            public LowPrecisionRun Owner { get; } = owner;
            public int InputCount { get; } = inputCount;
            public int StateTotal { get; } = stateTotal;
            public MaskedRun? MaskedRun { get; } = run;
            public bool ZeroOutputForMask { get; } = zeroOutputForMask;
            public bool StatesNeeded { get; } = statesNeeded;
            public bool LastStepOnly { get; } = lastStepOnly;
            public int LengthGroups { get; set; }
            public Graph? Graph { get; set; }
            public List<Tensor>? Returned { get; set; }

            public Tensor[][] Regroup(IReadOnlyList<Tensor> flat)
                => Enumerable.Range(0, directions).Select(d => flat.Skip(d * stateCount).Take(stateCount).ToArray()).ToArray();
        }

        // The inner graph of one run, from the node's forward to its backward.
        internal sealed class Graph(Tensor[] outputs, Tensor[] leaves, Tensor[] copies)
        {
            public Tensor[] Outputs { get; } = outputs;
            public Tensor[] Leaves { get; } = leaves;
            public Tensor[] Copies { get; } = copies;

            public void Dispose()
            {
                foreach (var t in Outputs.Concat(Leaves)) t.Dispose();
            }
        }

        /// <summary>The autograd node of a differentiable run: forward runs the copy with gradients on, inputs and states
        /// as leaves; backward differentiates that inner graph and hands the float32 weights the copy's gradients.</summary>
        internal sealed class Node : autograd.MultiTensorFunction<Node>
        {
            /// <inheritdoc />
            public override string Name => "RnnSharpLowPrecisionRun";

            /// <inheritdoc />
            public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
            {
                var request = (Request)vars[0];
                var owner = request.Owner;
                var tensors = vars.Skip(1).Cast<Tensor>().ToArray();
                var inputs = tensors.Take(request.InputCount).ToArray();
                var states = tensors.Skip(request.InputCount).Take(request.StateTotal).ToArray();
                Tensor[] outputs, leaves;
                List<Tensor> returned;
                using (var inner = NewDisposeScope())
                using (enable_grad())
                {
                    var leafInputs = inputs.Select(x => x.detach().requires_grad_(x.requires_grad)).ToArray();
                    var leafStates = states.Select(s => s.detach().requires_grad_(s.requires_grad)).ToArray();
                    owner.Sync();
                    var result = owner.copy.Compute(leafInputs, request.MaskedRun, request.Regroup(leafStates),
                        request.ZeroOutputForMask, request.StatesNeeded, request.LastStepOnly);
                    request.LengthGroups = result.LengthGroups;
                    outputs = result.Sequences.Concat(result.Finals.SelectMany(f => f)).ToArray();
                    leaves = leafInputs.Concat(leafStates).ToArray();
                    // Out of this scope, which frees the run's temporaries; Run takes them on (see there).
                    foreach (var t in outputs.Concat(leaves)) t.MoveToOuterDisposeScope();
                    returned = outputs.Select(o => o.detach().MoveToOuterDisposeScope()).ToList();
                }
                request.Graph = new Graph(outputs, leaves, owner.pairs.Select(p => p.Copy).ToArray());
                request.Returned = returned;
                ctx.save_data("request", request);
                return returned;
            }

            /// <inheritdoc />
            public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
            {
                var request = (Request)ctx.get_data("request");
                var graph = request.Graph!;
                var pairs = request.Owner.pairs;
                // Everything made here is freed on return but the gradients handed back to autograd.
                using var scope = NewDisposeScope();
                try
                {
                    var used = Enumerable.Range(0, graph.Outputs.Length)
                        .Where(i => graph.Outputs[i].requires_grad && i < grad_outputs.Count && Defined(grad_outputs[i]) is not null).ToArray();
                    var leafTargets = Enumerable.Range(0, graph.Leaves.Length).Where(i => graph.Leaves[i].requires_grad).ToArray();
                    var weightTargets = Enumerable.Range(0, pairs.Length).Where(i => pairs[i].Master.requires_grad).ToArray();
                    var targets = leafTargets.Select(i => graph.Leaves[i]).Concat(weightTargets.Select(i => graph.Copies[i])).ToArray();
                    var result = new Tensor?[1 + graph.Leaves.Length + pairs.Length];
                    if (used.Length > 0 && targets.Length > 0)
                    {
                        var grads = autograd.grad(used.Select(i => graph.Outputs[i]).ToArray(), targets,
                            used.Select(i => grad_outputs[i]).ToArray(), allow_unused: true);
                        for (int k = 0; k < leafTargets.Length; k++)
                            result[1 + leafTargets[k]] = Defined(grads[k]);
                        for (int k = 0; k < weightTargets.Length; k++)
                        {
                            var g = Defined(grads[leafTargets.Length + k]);
                            var master = pairs[weightTargets[k]].Master;
                            result[1 + graph.Leaves.Length + weightTargets[k]] = g is null ? null : g.to(master.dtype);
                        }
                    }
                    foreach (var g in result) g?.MoveToOuterDisposeScope();
                    return result.ToList()!;
                }
                finally
                {
                    graph.Dispose();
                }
            }

            private static Tensor? Defined(Tensor? t) => t is null || t.IsInvalid ? null : t;
        }
    }
}
