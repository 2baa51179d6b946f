using System.Collections.Generic;

namespace RnnSharp.Saving
{
    /// <summary>
    /// A small immutable Keras object (a regularizer, a constraint) serialized into a config, still holding the object
    /// it came from: a config copied in memory (a Bidirectional's copy of its layer, a clone from <c>GetConfig</c>)
    /// gets that object back exactly, while a file holds what Keras writes (tf.keras's float32-rounded factors).
    /// </summary>
    internal sealed class SerializedObject : Dictionary<string, object?>
    {
        public SerializedObject(object source) => Source = source;

        /// <summary>The object this config describes.</summary>
        public object Source { get; }
    }
}
