namespace RnnSharp.Export.Onnx
{
    /// <summary>
    /// A tensor of the ONNX graph as the exporter tracks it: its value name, its Keras shape (batch axis first, null
    /// where unknown) and the name of its Keras mask (a bool tensor, <c>(batch, time)</c> for sequences), if one travels
    /// with it.
    /// </summary>
    internal sealed record OnnxValue(string Name, int?[] Shape, string? Mask = null)
    {
        /// <summary>The tensor's rank.</summary>
        public int Rank => Shape.Length;
    }
}
