using RnnSharp.Layers;

namespace RnnSharp
{
    /// <summary>Entry points of Keras's functional API that are not layers: <see cref="Input"/>.</summary>
    public static class Keras
    {
        /// <summary>
        /// A symbolic input of a functional model, as Keras's <c>keras.Input(shape, batch_size, dtype, name)</c>: makes an
        /// <see cref="InputLayer"/> and returns its output. Call layers on it, then make a
        /// <see cref="Model(KerasTensor, KerasTensor, string?)"/> from the inputs and outputs.
        /// </summary>
        /// <param name="shape">The shape without the batch axis, <c>null</c> where unknown (e.g. <c>[null, 8]</c> for
        /// sequences of any length with 8 features).</param>
        /// <param name="batchSize">A fixed batch size (needed by stateful recurrent layers), or null.</param>
        /// <param name="dtype">The dtype of the data: <c>float32</c> (default), <c>int64</c>/<c>int32</c> for token ids,
        /// <c>bool</c> for masks, ...</param>
        /// <param name="name">The input's name; null gives Keras 2's <c>input_1</c>, <c>input_2</c>, ...</param>
        public static KerasTensor Input(int?[] shape, int? batchSize = null, string dtype = "float32", string? name = null)
            => new InputLayer(inputShape: shape, batchSize: batchSize, dtype: dtype, name: name).Output;
    }
}
