namespace RnnSharp.Saving
{
    /// <summary>What a saved file holds.</summary>
    public enum ArchiveKind
    {
        /// <summary>Only the weights (<see cref="Model.SaveWeights"/>): load them into a model of the same architecture.</summary>
        Weights,

        /// <summary>The architecture and the weights (<see cref="Model.Save"/>): <see cref="Sequential.Load"/> rebuilds the model.</summary>
        Model,
    }
}
