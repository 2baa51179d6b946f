using System;
using System.Collections.Generic;

namespace RnnSharp.Saving
{
    /// <summary>
    /// What a <see cref="SavingFormat"/> writes and reads, independent of the file layout: the kind of file, the
    /// model's architecture as JSON (for <see cref="ArchiveKind.Model"/>) and every layer's weights, in layer order.
    /// </summary>
    public sealed class ModelArchive
    {
        /// <summary>Creates an archive.</summary>
        /// <param name="kind">Weights only, or the whole model.</param>
        /// <param name="modelConfig">The architecture, <c>{"class_name": "Sequential", "config": {...}}</c> as JSON;
        /// required for <see cref="ArchiveKind.Model"/>, null for <see cref="ArchiveKind.Weights"/>.</param>
        /// <param name="layers">The layers, first to last; a writer enumerates them once, as it writes.</param>
        /// <param name="listsLayers">False for a file that does not list its layers (Keras 3's): its weights are read for
        /// the model built from it, with <see cref="SavingFormat.ReadLayers"/>, and <paramref name="layers"/> is empty.</param>
        public ModelArchive(ArchiveKind kind, string? modelConfig, IEnumerable<SavedLayer> layers, bool listsLayers = true)
        {
            if (kind == ArchiveKind.Model && modelConfig is null)
                throw new ArgumentException("A model archive needs the model's config.", nameof(modelConfig));
            Kind = kind;
            ModelConfig = modelConfig;
            Layers = layers ?? throw new ArgumentNullException(nameof(layers));
            ListsLayers = listsLayers;
        }

        /// <summary>Whether <see cref="Layers"/> holds the file's layers; false when they are read for a model
        /// (<see cref="SavingFormat.ReadLayers"/>).</summary>
        public bool ListsLayers { get; }

        /// <summary>Weights only, or the whole model.</summary>
        public ArchiveKind Kind { get; }

        /// <summary>The architecture as JSON (<c>{"class_name": "Sequential", "config": {...}}</c>), or null.</summary>
        public string? ModelConfig { get; }

        /// <summary>The layers, first to last, with their weights.</summary>
        public IEnumerable<SavedLayer> Layers { get; }
    }
}
