using System.IO;

namespace RnnSharp.Saving
{
    /// <summary>
    /// A file format for <see cref="Model.Save"/>, <see cref="Model.SaveWeights"/>,
    /// <see cref="Sequential.Load"/> and <see cref="Model.LoadWeights(string)"/>, chosen by the file's extension through
    /// <see cref="SavingFormats"/>. Writing to a temporary file and renaming it over the target, and checking the
    /// weights against the model before any is set, are done by the callers, so a format only maps an
    /// <see cref="ModelArchive"/> to bytes and back.
    /// </summary>
    public abstract class SavingFormat
    {
        /// <summary>A short name for messages (e.g. <c>rnnsharp</c>).</summary>
        public abstract string Name { get; }

        /// <summary>Writes <paramref name="archive"/> to <paramref name="stream"/> (a new, empty, seekable file).</summary>
        public abstract void Write(Stream stream, ModelArchive archive);

        /// <summary>
        /// Reads a whole archive from <paramref name="stream"/>, checking its integrity.
        /// </summary>
        /// <param name="stream">The file, readable and seekable.</param>
        /// <param name="path">The file's path, for messages.</param>
        /// <exception cref="InvalidDataException">The file is truncated, corrupt or not of this format; the message
        /// names the file and, where it applies, the layer and weight.</exception>
        public abstract ModelArchive Read(Stream stream, string path);
    }
}
