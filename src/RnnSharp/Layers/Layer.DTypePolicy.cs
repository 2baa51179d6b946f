using System.Collections.Generic;
using System.Linq;
using RnnSharp.DTypePolicies;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    // Keras 3's layer dtype policy: the policy a layer was made with (the global one unless given), its compute and
    // variable dtypes, and the one place inputs and weights are cast to the compute dtype ("autocast").
    public abstract partial class Layer
    {
        private DTypePolicy dtypePolicy = MixedPrecision.GlobalPolicy;

        /// <summary>
        /// The layer's dtype policy (Keras's <c>dtype_policy</c>): the global policy when the layer was created, unless
        /// given as its <c>dtype</c> argument or set here. Setting it on a recurrent layer sets its cell's too. Set it
        /// before the layer runs; variables stay float32 whatever the policy.
        /// </summary>
        public DTypePolicy DtypePolicy
        {
            get => dtypePolicy;
            set
            {
                System.ArgumentNullException.ThrowIfNull(value);
                dtypePolicy = value;
                foreach (var follower in PolicyFollowers) follower.DtypePolicy = value;
            }
        }

        /// <summary>The dtype the layer computes in (<c>"float32"</c>, <c>"bfloat16"</c>, <c>"float16"</c>), as Keras's
        /// <c>compute_dtype</c>.</summary>
        public string ComputeDtype => dtypePolicy.ComputeDtype;

        /// <summary>The dtype of the layer's variables: <c>"float32"</c>, as Keras's <c>variable_dtype</c>.</summary>
        public string VariableDtype => dtypePolicy.VariableDtype;

        /// <summary>The layers whose policy is this layer's (an RNN's cell, stacked cells), as Keras passes its
        /// <c>dtype</c> to the cell it creates; wrappers and models keep their layers' own policies.</summary>
        private protected virtual IEnumerable<Layer> PolicyFollowers => System.Array.Empty<Layer>();

        /// <summary>The scalar type this layer computes in for tensors on <paramref name="device"/> (float16 on the CPU
        /// falls back to float32, see <see cref="MixedPrecision"/>).</summary>
        internal ScalarType ComputeTypeOn(Device? device) => MixedPrecision.ComputeTypeOn(dtypePolicy, device);

        /// <summary>
        /// <paramref name="value"/> in the layer's compute dtype when it is a floating tensor of another float dtype, else
        /// itself: Keras's autocast of inputs at a layer's call and of variables read inside it. Differentiable, so the
        /// gradient reaches the float32 variable.
        /// </summary>
        protected Tensor Autocast(Tensor value)
        {
            if (!value.is_floating_point()) return value;
            var type = ComputeTypeOn(value.device);
            return value.dtype == type ? value : value.to(type);
        }

        /// <summary>A nullable tensor autocast (see <see cref="Autocast(Tensor)"/>).</summary>
        private protected Tensor? AutocastOrNull(Tensor? value) => value is null ? null : Autocast(value);

        /// <summary>Each tensor autocast (see <see cref="Autocast(Tensor)"/>); the same list when none changes.</summary>
        private protected IReadOnlyList<Tensor> AutocastAll(IReadOnlyList<Tensor> values)
        {
            Tensor[]? cast = null;
            for (int i = 0; i < values.Count; i++)
            {
                var c = Autocast(values[i]);
                if (ReferenceEquals(c, values[i])) continue;
                cast ??= values.ToArray();
                cast[i] = c;
            }
            return cast ?? values;
        }

        /// <summary>
        /// Applies a layer's output activation. Softmax, log-softmax and sigmoid of a 16-bit input are computed in float32
        /// and returned in float32, as Keras's mixed-precision guide asks of a model's head (a 16-bit softmax loses the
        /// small probabilities a loss needs); other activations run in the input's dtype.
        /// </summary>
        private protected static Tensor ApplyHeadActivation(Activations.Activation activation, Tensor x)
            => IsLowPrecision(x.dtype) && activation.Name is "softmax" or "log_softmax" or "sigmoid"
                ? activation.Apply(x.to(ScalarType.Float32))
                : activation.Apply(x);

        /// <summary>Runs <paramref name="compute"/> on a 16-bit input in float32 and returns its result in the input's dtype,
        /// as Keras's normalization layers compute their statistics in float32.</summary>
        private protected static Tensor InFloat32(Tensor inputs, System.Func<Tensor, Tensor> compute)
            => IsLowPrecision(inputs.dtype) ? compute(inputs.to(ScalarType.Float32)).to(inputs.dtype) : compute(inputs);

        /// <summary><paramref name="value"/> in float32 when it is 16-bit, else itself: where Keras computes in float32
        /// whatever the compute dtype (losses, metrics, predictions handed back).</summary>
        internal static Tensor Float32IfLowPrecision(Tensor value) => IsLowPrecision(value.dtype) ? value.to(ScalarType.Float32) : value;

        /// <summary>True for bfloat16 and float16.</summary>
        internal static bool IsLowPrecision(ScalarType type) => type is ScalarType.BFloat16 or ScalarType.Float16;

        /// <summary>Whether the layer computes below float32 on <paramref name="device"/>.</summary>
        internal bool ComputesInLowPrecision(Device? device) => ComputeTypeOn(device) != ScalarType.Float32;
    }
}
