using static TorchSharp.torch;

namespace RnnSharp.Constraints
{
    /// <summary>Keras's <c>NonNeg</c>: negative weights become 0 (<c>max(w, 0)</c>).</summary>
    public sealed class NonNeg : Constraint
    {
        /// <inheritdoc />
        public override Tensor Call(Tensor w) => w.clamp_min(0);
    }
}
