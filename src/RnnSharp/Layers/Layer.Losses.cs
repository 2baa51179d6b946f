using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Constraints;
using RnnSharp.Regularizers;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    // Keras's layer losses (layer.py: activity_regularizer, add_loss, losses, _clear_losses) and the weight constraints
    // the optimizer applies (optimizer.apply: variable.constraint).
    public abstract partial class Layer
    {
        // The layer call that started the computation in progress on this thread (Keras's CallContext.entry_layer): it
        // clears the losses of its layers before it runs, so they hold this call's penalties only.
        [ThreadStatic]
        private static Layer? entryCall;

        // Held in a plain object, not a List<Tensor> field, so that TorchSharp never takes the tensors for module state.
        private readonly ActivityLosses activityLosses = new();

        /// <summary>
        /// Keras's <c>activity_regularizer</c>: a penalty on the layer's outputs (each returned tensor, states included),
        /// divided by the output's batch size, added to <see cref="Losses"/> by every call. Every layer has it, as in
        /// Keras; the layers whose Keras constructor takes <c>activity_regularizer</c> take it as an argument too.
        /// </summary>
        public Regularizer? ActivityRegularizer { get; set; }

        /// <summary>The regularizer of one of the layer's own weights, by the weight's Keras name (<c>kernel</c>,
        /// <c>recurrent_kernel</c>, <c>bias</c>, <c>embeddings</c>, <c>gamma</c>, ...), or null. A layer whose weights
        /// belong to an inner layer (an RNN's cell, a wrapper's layer) leaves it null: the inner layer answers.</summary>
        protected virtual Regularizer? GetWeightRegularizer(string weightName) => null;

        /// <summary>The constraint of one of the layer's own weights, by the weight's Keras name, or null.</summary>
        protected virtual Constraint? GetWeightConstraint(string weightName) => null;

        /// <summary>
        /// The penalties of the layer and of the layers it is made of, as Keras's <c>layer.losses</c>: the activity
        /// penalties of the last call (this layer's, then its inner layers'), then the weight penalties of the trainable
        /// weights that have a regularizer, computed now from the current weights (differentiable). The trainer adds their
        /// sum to the training loss; a model's <c>Losses</c> are those of all its layers. An activity penalty is valid
        /// until the next call of the model (or layer) that made it, which replaces it, as in Keras.
        /// </summary>
        public IReadOnlyList<Tensor> Losses
        {
            get
            {
                var layers = FlattenLayers();
                var losses = new List<Tensor>();
                foreach (var layer in layers) losses.AddRange(layer.activityLosses.Items);
                AddWeightPenalties(losses, new HashSet<Layer>(ReferenceEqualityComparer.Instance));
                return losses;
            }
        }

        /// <summary>Forgets the activity penalties of the last call, of this layer and the layers it is made of.</summary>
        internal void ClearLosses()
        {
            foreach (var layer in FlattenLayers())
            {
                foreach (var loss in layer.activityLosses.Items) loss.Dispose();
                layer.activityLosses.Items.Clear();
            }
        }

        /// <summary>
        /// Applies the weight constraints of this layer and the layers it is made of to their trainable weights, as
        /// Keras's optimizer does after each update: each constrained weight is read in Keras's layout, projected and
        /// written back (converted to the layout it is kept in, e.g. a fused kernel's).
        /// </summary>
        internal void ApplyConstraints()
        {
            using var noGrad = no_grad();
            ApplyConstraints(new HashSet<Layer>(ReferenceEqualityComparer.Instance));
        }

        // Keras's _flatten_layers(include_self=True): this layer and every layer it is made of, each once.
        private List<Layer> FlattenLayers()
        {
            var seen = new HashSet<Layer>(ReferenceEqualityComparer.Instance);
            var order = new List<Layer>();
            void Visit(Layer layer)
            {
                if (!seen.Add(layer)) return;
                order.Add(layer);
                foreach (var inner in layer.InnerLayers) Visit(inner);
            }
            Visit(this);
            return order;
        }

        // The own weights that have a regularizer or a constraint: (index in Weights, regularizer, constraint).
        private IEnumerable<(int Index, Regularizer? Regularizer, Constraint? Constraint)> OwnWeightOptions()
        {
            if (!Built) yield break;
            var weights = DescribeWeights();
            for (int i = 0; i < weights.Count; i++)
            {
                var regularizer = GetWeightRegularizer(weights[i].Name);
                var constraint = GetWeightConstraint(weights[i].Name);
                if (regularizer is not null || constraint is not null) yield return (i, regularizer, constraint);
            }
        }

        // Keras's _get_regularization_losses over trainable_weights: a layer that is not trainable has no trainable
        // weights, and neither have the layers it is made of.
        private void AddWeightPenalties(List<Tensor> losses, HashSet<Layer> seen)
        {
            if (!seen.Add(this) || !Trainable) return;
            var options = OwnWeightOptions().Where(o => o.Regularizer is not null).ToArray();
            if (options.Length > 0)
            {
                var infos = DescribeWeights();
                var values = ReadWeights();
                foreach (var (index, regularizer, _) in options)
                    if (infos[index].Trainable) losses.Add(regularizer!.Call(values[index]));
            }
            foreach (var inner in InnerLayers) inner.AddWeightPenalties(losses, seen);
        }

        private void ApplyConstraints(HashSet<Layer> seen)
        {
            if (!seen.Add(this) || !Trainable) return;
            var options = OwnWeightOptions().Where(o => o.Constraint is not null).ToArray();
            if (options.Length > 0)
            {
                var infos = DescribeWeights();
                // Copies: a weight read as a view of its parameter must not be written back onto itself.
                var values = ReadWeights().Select(w => w.detach().clone()).ToArray();
                bool changed = false;
                foreach (var (index, _, constraint) in options)
                {
                    if (!infos[index].Trainable) continue;
                    values[index] = constraint!.Call(values[index]);
                    changed = true;
                }
                if (changed) WriteWeights(values);
            }
            foreach (var inner in InnerLayers) inner.ApplyConstraints(seen);
        }

        /// <summary>Records the activity penalty of a call's returned tensors (Keras: the penalty of each output divided
        /// by its batch size, <c>divide_no_nan</c>), when the layer has an activity regularizer.</summary>
        internal void AddActivityLosses(LayerOutput result)
        {
            if (ActivityRegularizer is not { } regularizer) return;
            foreach (var output in result.All) AddActivityLoss(regularizer, output);
        }

        /// <summary>Adds <paramref name="regularizer"/>'s penalty of <paramref name="output"/>, divided by its batch size,
        /// to this call's losses: for a layer that regularizes outputs of its own parts (Keras's inner layers).</summary>
        private protected void AddActivityLoss(Regularizer regularizer, Tensor output)
        {
            var loss = regularizer.Call(output);
            if (output.dim() > 0)
            {
                long batch = output.shape[0];
                loss = batch == 0 ? zeros_like(loss) : loss / batch;
            }
            // Owned by the layer, not by the dispose scope of the call that made it (a model's forward pass has its
            // own), until the next outermost call or the end of the training step clears it.
            activityLosses.Items.Add(loss.DetachFromDisposeScope());
        }

        // Starts a call: the outermost call on this thread clears the losses of its layers first. Returns whether this
        // call is the outermost one (to be ended by EndCall).
        private bool BeginCall()
        {
            if (entryCall is not null) return false;
            entryCall = this;
            ClearLosses();
            return true;
        }

        private static void EndCall(bool outermost)
        {
            if (outermost) entryCall = null;
        }

        private sealed class ActivityLosses
        {
            public List<Tensor> Items { get; } = new();
        }
    }
}
