using System.Collections.Generic;
using System.IO;
using System.Linq;
using RnnSharp.Layers;

namespace RnnSharp.Saving
{
    /// <summary>
    /// A file format for <see cref="Model.Save"/>, <see cref="Model.SaveWeights"/>, <see cref="Sequential.Load"/> and
    /// <see cref="Model.LoadWeights(string)"/>, chosen by the file's extension through <see cref="SavingFormats"/>. A
    /// format maps a <see cref="ModelArchive"/> to bytes and back; writing to a temporary file and renaming it over the
    /// target, and matching the saved layers with the model's and checking every weight before any is set
    /// (<see cref="WeightMatcher"/>), are the callers'. The virtual members let a format say how its files are read for
    /// a model and converted, where they differ from the defaults.
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

        /// <summary>
        /// The saved layers a <c>LoadWeights</c> of the file into <paramref name="model"/> matches with the model's
        /// layers: by default every layer the file lists (<see cref="Read"/>). A format whose files do not list their
        /// layers reads them where the model's structure says they are, and refuses <paramref name="byName"/> when its
        /// files store no layer names.
        /// </summary>
        /// <param name="stream">The file, readable and seekable.</param>
        /// <param name="path">The file's path, for messages.</param>
        /// <param name="model">The model the weights are for.</param>
        /// <param name="byName">Whether the layers will be matched by name rather than by order.</param>
        /// <exception cref="InvalidDataException">The file is truncated, corrupt or not of this format.</exception>
        public virtual IReadOnlyList<SavedLayer> ReadLayers(Stream stream, string path, Model model, bool byName)
            => Read(stream, path).Layers.ToList();

        /// <summary>
        /// A saved layer's weights as <paramref name="layer"/> takes them (its <see cref="Layer.Weights"/> order and
        /// shapes): by default as saved. Keras's files convert some layouts on load (e.g. cuDNN LSTM kernels).
        /// </summary>
        /// <param name="layer">The model's layer the weights go to.</param>
        /// <param name="weights">The saved layer's weights.</param>
        public virtual IReadOnlyList<SavedWeight> ConvertForLoading(Layer layer, IReadOnlyList<SavedWeight> weights) => weights;

        /// <summary>
        /// A layer's weights as the format stores them: by default in <see cref="Layer.Weights"/> order. Keras's files
        /// list a nested model's trainable weights first.
        /// </summary>
        /// <param name="layer">The model's layer the weights come from.</param>
        /// <param name="weights">Its weights, in <see cref="Layer.Weights"/> order.</param>
        public virtual IReadOnlyList<SavedWeight> ConvertForSaving(Layer layer, IReadOnlyList<SavedWeight> weights) => weights;

        /// <summary>
        /// Which software wrote the file (e.g. <c>Keras 2.0.8 (backend: tensorflow)</c>), added to load errors; null (the
        /// default) when the format does not record it.
        /// </summary>
        /// <param name="stream">The file, readable and seekable.</param>
        /// <param name="path">The file's path, for messages.</param>
        public virtual string? Writer(Stream stream, string path) => null;

        /// <summary>
        /// The model's architecture as the format stores it (the <see cref="ModelArchive.ModelConfig"/> of a
        /// <see cref="ArchiveKind.Model"/> archive): by default Keras 2's <c>{"class_name": ..., "config": {...}}</c>
        /// (<see cref="Model.ToJson"/> without the version keys). Keras 3's <c>.keras</c> files store Keras 3's
        /// serialization, with the compile configuration.
        /// </summary>
        /// <param name="model">The model being saved.</param>
        public virtual string SerializeModel(Model model) => ConfigJson.Serialize(ModelSaving.ModelConfig(model));

        /// <summary>Whether the saved weights' names must equal the layer's weight names (<c>kernel</c>, ...); true by
        /// default. Keras's own loading checks only counts and shapes.</summary>
        public virtual bool ChecksWeightNames => true;
    }
}
