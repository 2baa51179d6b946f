using System;

namespace RnnSharp.Layers
{
    /// <summary>
    /// An input, weight or state does not have the shape a layer expects. The message names the layer and the
    /// expected and actual shapes (Keras raises <c>ValueError</c> here).
    /// </summary>
    public sealed class ShapeMismatchException : ArgumentException
    {
        /// <summary>Creates the exception.</summary>
        public ShapeMismatchException(string message) : base(message) { }

        /// <summary>Creates the exception with the exception it adds to.</summary>
        public ShapeMismatchException(string message, Exception inner) : base(message, inner) { }
    }
}
