namespace RnnSharp.Layers
{
    /// <summary>How a recurrent layer runs its sequence.</summary>
    public enum RnnExecutionPath
    {
        /// <summary>TorchSharp's fused <c>nn.RNN</c>/<c>nn.LSTM</c>/<c>nn.GRU</c>, one native call per sequence (cuDNN on
        /// GPU, oneDNN on CPU). Right- or left-padded masked batches stay on the fused kernel: as packed sequences, or on
        /// the CPU (one direction, no LSTM state returned or carried) as a few padded calls over groups of samples of
        /// similar length.</summary>
        Fused,

        /// <summary>A loop over timesteps in managed code (one cell step per timestep): used only for options the fused
        /// kernels cannot express.</summary>
        StepByStep,
    }
}
