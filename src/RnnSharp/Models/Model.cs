using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Trainers;
using RnnSharp.Utils;
using static TorchSharp.torch;

namespace RnnSharp
{
    /// <summary>
    /// Keras's <c>Model</c>: layers that train together, with Keras's <see cref="Trainer"/> (<c>Compile</c>, <c>Fit</c>,
    /// <c>Evaluate</c>, <c>Predict</c>), the weights of all layers in Keras order, and saving. <see cref="Sequential"/> is
    /// a linear stack of layers; a model is a TorchSharp module whose submodules are its layers.
    /// </summary>
    public abstract class Model : Trainer
    {
        /// <summary>Creates a model.</summary>
        /// <param name="name">The model name; null gives Keras's automatic name from the class (<c>sequential</c>, ...).</param>
        /// <param name="moduleName">The TorchSharp module name when <paramref name="name"/> is null.</param>
        private protected Model(string? name, string moduleName) : base(name ?? moduleName)
        {
            // GetType() is the concrete class, so a subclass MyModel is named my_model, as in Keras.
            Name = name ?? Backend.UniqueObjectName(GetType().Name);
        }

        /// <summary>The model's name.</summary>
        public string Name { get; }

        /// <summary>The layers, in the order their weights are listed.</summary>
        public abstract IReadOnlyList<Layer> Layers { get; }

        /// <summary>The model's config with Keras's keys, as <c>get_config()</c>.</summary>
        public abstract Dictionary<string, object?> GetConfig();

        /// <summary>The model as Keras writes it in files: <c>{"class_name": ..., "config": {...}}</c>, the config with
        /// what rebuilding the model needs (e.g. <c>build_input_shape</c>).</summary>
        internal abstract Dictionary<string, object?> Serialize();

        /// <summary>Number of scalars in all weights, as Keras's <c>count_params()</c>.</summary>
        public long CountParams()
        {
            if (!Built)
                throw new InvalidOperationException(
                    $"You tried to call `count_params` on model \"{Name}\", but the model isn't built. You can build it manually via: `Build(batchInputShape)`.");
            return Layers.Sum(l => l.CountParams());
        }

        /// <summary>Number of trainable scalars.</summary>
        public long CountTrainableParams() => Layers.Sum(l => l.CountTrainableParams());

        /// <summary>Resets the states of every stateful recurrent layer, as Keras's <c>reset_states()</c>.</summary>
        public void ResetStates()
        {
            foreach (var rnn in Layers.OfType<RNN>().Where(r => r.Stateful)) rnn.ResetStates();
            foreach (var bidirectional in Layers.OfType<Bidirectional>().Where(r => r.Stateful)) bidirectional.ResetStates();
        }

        /// <summary>All weights in Keras order (layer by layer), as CPU tensors.</summary>
        public IReadOnlyList<Tensor> GetWeights() => Layers.SelectMany(l => l.GetWeights()).ToArray();

        /// <summary>Sets all weights from a list in Keras order; checked layer by layer before anything changes.</summary>
        public void SetWeights(IReadOnlyList<Tensor> weights)
        {
            int expected = Layers.Sum(l => l.Weights.Count);
            if (weights.Count != expected)
                throw new ArgumentException(
                    $"Model \"{Name}\" expects {expected} weight tensors, received {weights.Count}.", nameof(weights));
            int offset = 0;
            foreach (var layer in Layers)
            {
                var mine = layer.Weights;
                for (int i = 0; i < mine.Count; i++)
                    if (!weights[offset + i].shape.SequenceEqual(mine[i].Shape))
                        throw new ShapeMismatchException(
                            $"Layer \"{layer.Name}\" weight \"{mine[i].Name}\" has shape {ShapeUtils.Format(mine[i].Shape)}, not compatible with provided weight shape {ShapeUtils.Format(weights[offset + i].shape)}.");
                offset += mine.Count;
            }
            offset = 0;
            foreach (var layer in Layers)
            {
                int count = layer.Weights.Count;
                layer.SetWeights(weights.Skip(offset).Take(count).ToArray());
                offset += count;
            }
        }

        /// <summary>
        /// Saves the weights to <paramref name="path"/>, as Keras's <c>save_weights</c>. The format follows the
        /// extension (<see cref="SavingFormats"/>; by default RnnSharp's own <see cref="NativeFormat"/>, see
        /// <c>docs/saving.md</c>). The file is written under a temporary name in the same directory and renamed over
        /// <paramref name="path"/> when complete, so an existing file is replaced only by a complete one.
        /// </summary>
        /// <exception cref="InvalidOperationException">The model is not built (it has no weights yet).</exception>
        /// <remarks>With <c>.h5</c>/<c>.hdf5</c> the file is Keras 2's HDF5 layout (<see cref="KerasHdf5Format"/>), which
        /// Keras's <c>model.load_weights</c> reads.</remarks>
        public void SaveWeights(string path) => ModelSaving.Save(this, path, ArchiveKind.Weights);

        /// <summary>
        /// Loads weights saved by <see cref="SaveWeights"/> (or <see cref="Save"/>) into this built model, as Keras's
        /// <c>load_weights</c>: the file's layers that have weights are matched in order with the model's layers that
        /// have weights. Every layer count, weight name and shape is checked before any weight is set, so on an error
        /// the model is unchanged.
        /// </summary>
        /// <exception cref="System.IO.FileNotFoundException">There is no such file.</exception>
        /// <exception cref="System.IO.InvalidDataException">The file is truncated, corrupt or not an RnnSharp file.</exception>
        /// <exception cref="ShapeMismatchException">A weight's shape differs; the message names the layer, the weight and both shapes.</exception>
        /// <exception cref="ArgumentException">The file has another number of layers or weights, or other weight names.</exception>
        public void LoadWeights(string path) => ModelSaving.LoadWeights(this, path, byName: false);

        /// <summary>
        /// Loads weights as <see cref="LoadWeights(string)"/>; with <paramref name="byName"/> true each layer of the file
        /// goes to the model's layer of the same name (Keras's <c>load_weights(path, by_name=True)</c>) and layers without
        /// a match are left as they are. Keras HDF5 files (<c>.h5</c>/<c>.hdf5</c>): Keras 2's
        /// <c>save_weights</c> files and full-model <c>save</c> files (their <c>model_weights</c>), and Keras 3's
        /// <c>.weights.h5</c> files (by order only), with Keras's conversions (Bidirectional halves, TimeDistributed's
        /// inner layer, cuDNN LSTM/GRU layouts).
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="byName">Match layers by name instead of by order.</param>
        /// <exception cref="System.IO.FileNotFoundException">There is no such file.</exception>
        /// <exception cref="System.IO.InvalidDataException">The file is truncated, corrupt or not a weights file.</exception>
        /// <exception cref="ShapeMismatchException">A weight's shape differs; the message names the layer, the weight and both shapes.</exception>
        /// <exception cref="ArgumentException">The file has another number of layers or weights.</exception>
        public void LoadWeights(string path, bool byName) => ModelSaving.LoadWeights(this, path, byName);

        /// <summary>
        /// Saves the whole model, architecture (<see cref="GetConfig"/> with the build input shape) and weights, to
        /// <paramref name="path"/>, as Keras's <c>model.save</c>; <see cref="Sequential.Load"/> rebuilds it in a fresh
        /// process. Written atomically, as <see cref="SaveWeights"/>. States of stateful layers are not saved.
        /// </summary>
        /// <exception cref="InvalidOperationException">The model is not built.</exception>
        /// <remarks>With <c>.h5</c>/<c>.hdf5</c> the file is Keras 2's full-model HDF5 layout: the config as the
        /// <c>model_config</c> attribute and the weights in <c>model_weights</c>.</remarks>
        public void Save(string path) => ModelSaving.Save(this, path, ArchiveKind.Model);
    }
}
