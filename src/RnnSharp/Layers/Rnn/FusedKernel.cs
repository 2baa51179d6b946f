namespace RnnSharp.Layers
{
    /// <summary>
    /// The fused recurrent kernels libtorch runs over a whole sequence in one native call (cuDNN on CUDA, oneDNN on the
    /// CPU), through TorchSharp's <c>nn.RNN</c>, <c>nn.LSTM</c> and <c>nn.GRU</c>. A <see cref="FusedRNNCell"/> names the
    /// kernel whose equations it computes; its weights then live in that module, in PyTorch's layout.
    /// </summary>
    public enum FusedKernel
    {
        /// <summary><c>nn.RNN</c> with tanh: <c>h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)</c>.</summary>
        RnnTanh,

        /// <summary><c>nn.RNN</c> with relu: <c>h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)</c>.</summary>
        RnnRelu,

        /// <summary><c>nn.LSTM</c>: gates i, f, g, o (sigmoid, sigmoid, tanh, sigmoid), states h and c.</summary>
        Lstm,

        /// <summary><c>nn.GRU</c>: gates r, z, n, the reset gate applied after the recurrent product.</summary>
        Gru,
    }
}
