using System;
using System.Collections.Generic;
using System.IO;

namespace RnnSharp.Saving
{
    /// <summary>
    /// Chooses the <see cref="SavingFormat"/> of a path by its extension. Keras's HDF5 extensions (<c>.h5</c>,
    /// <c>.hdf5</c>) use <see cref="KerasHdf5Format"/> in Keras 2's layout, <c>.weights.h5</c> in Keras 3's layout
    /// (<see cref="Keras3Weights"/>), <c>.keras</c> Keras 3's zip (<see cref="KerasZip"/>); every other extension uses
    /// RnnSharp's own <see cref="NativeFormat"/> unless a format was registered for it.
    /// </summary>
    public static class SavingFormats
    {
        // Declared first: the registry below refers to them, and static initializers run in textual order.
        /// <summary>RnnSharp's own format, used for any extension without a registered format.</summary>
        public static SavingFormat Native { get; } = new NativeFormat();

        /// <summary>Keras's HDF5 format, used for <c>.h5</c> and <c>.hdf5</c>.</summary>
        public static SavingFormat Keras { get; } = new KerasHdf5Format();

        /// <summary>Keras 3's weights files, used for <c>.weights.h5</c>: written in Keras 3's layout, read as
        /// <see cref="Keras"/> reads (both Keras 2 and Keras 3 files).</summary>
        public static SavingFormat Keras3Weights { get; } = new KerasHdf5Format(keras3Layout: true);

        /// <summary>Keras 3's <c>.keras</c> files (a zip of <c>config.json</c>, <c>metadata.json</c> and
        /// <c>model.weights.h5</c>).</summary>
        public static SavingFormat KerasZip { get; } = new KerasZipFormat();

        private static readonly object Gate = new();
        private static readonly Dictionary<string, SavingFormat> Registered = new(StringComparer.OrdinalIgnoreCase)
        {
            [".h5"] = Keras,
            [".hdf5"] = Keras,
            [".keras"] = KerasZip,
        };


        /// <summary>Registers <paramref name="format"/> for files ending in <paramref name="extension"/> (e.g. <c>.h5</c>).</summary>
        public static void Register(string extension, SavingFormat format)
        {
            ArgumentNullException.ThrowIfNull(format);
            if (string.IsNullOrEmpty(extension)) throw new ArgumentException("The extension must not be empty.", nameof(extension));
            string key = extension.StartsWith('.') ? extension : "." + extension;
            lock (Gate) Registered[key] = format;
        }

        /// <summary>The format for <paramref name="path"/>.</summary>
        public static SavingFormat ForPath(string path)
        {
            // Keras 3 tells its weights files by the double extension.
            if (path.EndsWith(".weights.h5", StringComparison.OrdinalIgnoreCase))
                lock (Gate) return Registered.GetValueOrDefault(".weights.h5") ?? Keras3Weights;
            string extension = Path.GetExtension(path);
            lock (Gate)
            {
                if (Registered.TryGetValue(extension, out var format)) return format;
            }
            return Native;
        }
    }
}
