namespace RnnSharp.Optimizers
{
    /// <summary>
    /// Something with a learning rate that can be read and changed between steps: an optimizer. Callbacks such as
    /// <see cref="Callbacks.LearningRateScheduler"/> and <see cref="Callbacks.ReduceLROnPlateau"/> reach it through
    /// <see cref="Trainers.Trainer.LearningRateHolder"/>, so they work with any optimizer class (Keras's
    /// <c>model.optimizer.lr</c>).
    /// </summary>
    public interface IHasLearningRate
    {
        /// <summary>The learning rate used by the next update.</summary>
        double LearningRate { get; set; }
    }
}
