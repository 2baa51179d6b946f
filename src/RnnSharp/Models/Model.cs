using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using RnnSharp.Trainers;
using RnnSharp.Utils;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnSharp
{
    /// <summary>
    /// Keras's <c>Model</c>: layers that train together, with Keras's <see cref="Trainer"/> (<c>Compile</c>, <c>Fit</c>,
    /// <c>Evaluate</c>, <c>Predict</c>), the weights of all layers in Keras order, and saving. Made from symbolic inputs
    /// and outputs (<c>new Model(inputs, outputs)</c>, Keras's functional API: any graph of layers, several inputs and
    /// outputs, shared layers, nested models), or as a <see cref="Sequential"/> stack. A model is a <see cref="Layer"/>:
    /// it can be called inside another model, symbolically or on data. It is a TorchSharp module whose submodules are
    /// its layers; disposing it disposes them, shared ones included.
    /// </summary>
    /// <example>
    /// <code>
    /// var tokens = Keras.Input(new int?[] { null }, dtype: "int64");
    /// var x = new Embedding(1000, 32, maskZero: true).Call(tokens);
    /// var (seq, h, c) = new LSTM(64, returnSequences: true, returnState: true).Call(x);
    /// var output = new Dense(1, activation: "sigmoid").Call(h);
    /// var model = new Model(tokens, output);
    /// </code>
    /// </example>
    public class Model : Trainer
    {
        private readonly Functional? graph;

        /// <summary>Creates a model from its input and its output, as Keras's <c>keras.Model(inputs, outputs)</c>.</summary>
        /// <param name="inputs">The model's input, from <see cref="Keras.Input"/>.</param>
        /// <param name="outputs">The model's output, from layer calls on the input (a layer's result is its output; for
        /// its states too, list them, or pass <c>result.All</c>).</param>
        /// <param name="name">The model name; null gives <c>model</c>, <c>model_1</c>, ...</param>
        /// <exception cref="ArgumentException">The input is not a <see cref="Keras.Input"/>, the output cannot be
        /// computed from the input (a disconnected graph), or two layers have the same name.</exception>
        public Model(KerasTensor inputs, KerasTensor outputs, string? name = null)
            : this(One(inputs, nameof(inputs)), One(outputs, nameof(outputs)), name)
        {
        }

        /// <summary>Creates a model from one input and several outputs, as Keras's <c>keras.Model(x, [h, c])</c>.</summary>
        /// <param name="inputs">The model's input, from <see cref="Keras.Input"/>.</param>
        /// <param name="outputs">The model's outputs.</param>
        /// <param name="name">The model name; null gives <c>model</c>, <c>model_1</c>, ...</param>
        public Model(KerasTensor inputs, IReadOnlyList<KerasTensor> outputs, string? name = null)
            : this(One(inputs, nameof(inputs)), outputs, name)
        {
        }

        /// <summary>Creates a model from several inputs and one output, as Keras's <c>keras.Model([a, b], y)</c>.</summary>
        /// <param name="inputs">The model's inputs, each from <see cref="Keras.Input"/>.</param>
        /// <param name="outputs">The model's output.</param>
        /// <param name="name">The model name; null gives <c>model</c>, <c>model_1</c>, ...</param>
        public Model(IReadOnlyList<KerasTensor> inputs, KerasTensor outputs, string? name = null)
            : this(inputs, One(outputs, nameof(outputs)), name)
        {
        }

        private static KerasTensor[] One(KerasTensor tensor, string parameter) => new[] { tensor ?? throw new ArgumentNullException(parameter) };

        /// <summary>Creates a model from its inputs and outputs, as Keras's <c>keras.Model([a, b], [y, z])</c>; data for
        /// it is given as lists in the same order.</summary>
        /// <param name="inputs">The model's inputs, each from <see cref="Keras.Input"/>.</param>
        /// <param name="outputs">The model's outputs.</param>
        /// <param name="name">The model name; null gives <c>model</c>, <c>model_1</c>, ...</param>
        /// <exception cref="ArgumentException">An input is not a <see cref="Keras.Input"/> or appears twice, an output
        /// cannot be computed from the inputs (a disconnected graph), or two layers have the same name.</exception>
        public Model(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs, string? name = null)
            : base(name)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(outputs);
            graph = new Functional(Name, inputs, outputs);
            foreach (var layer in graph.Layers) register_module(layer.Name, layer);
            Build(graph.Inputs.Select(t => t.ShapeArray).ToArray());
        }

        /// <summary>Creates a model that defines its own layers (a <see cref="Sequential"/>, or a subclass).</summary>
        /// <param name="name">The model name; null gives Keras's automatic name from the class (<c>sequential</c>, ...).</param>
        protected Model(string? name) : base(name)
        {
        }

        /// <summary>
        /// The layers, in the order their weights are listed: for a functional model Keras's order (inputs first, then by
        /// depth in the graph), input layers included, as in Keras 2.
        /// </summary>
        public virtual IReadOnlyList<Layer> Layers => Graph.Layers;

        /// <summary>The model's symbolic inputs (a functional model's).</summary>
        public IReadOnlyList<KerasTensor> Inputs => Graph.Inputs;

        /// <summary>The model's symbolic outputs (a functional model's).</summary>
        public IReadOnlyList<KerasTensor> Outputs => Graph.Outputs;

        /// <summary>The names of the inputs (the input layers' names), in order; data given by name is matched to them. A
        /// model that defines its own layers has one input, <c>input_1</c>.</summary>
        public virtual IReadOnlyList<string> InputNames
            => graph is null ? new[] { "input_1" } : graph.InputLayers.Select(l => l.Name).ToArray();

        /// <summary>The names of the outputs (the names of the layers that make them, made unique with <c>_1</c>, ... as
        /// Keras does), in order: losses and metrics given by name are matched to them, and the logs use them
        /// (<c>dense_loss</c>). A model that defines its own layers has one output, <c>output_1</c> (Keras's name for a
        /// subclassed model's output).</summary>
        public virtual IReadOnlyList<string> OutputNames
        {
            get
            {
                if (graph is null) return new[] { "output_1" };
                var names = new List<string>();
                var counts = new Dictionary<string, int>();
                foreach (var output in graph.Outputs)
                {
                    string proposal = output.Layer.Name;
                    while (names.Contains(proposal))
                    {
                        int count = counts.GetValueOrDefault(output.Layer.Name, 1);
                        proposal = $"{output.Layer.Name}_{count}";
                        counts[output.Layer.Name] = count + 1;
                    }
                    names.Add(proposal);
                }
                return names;
            }
        }

        /// <summary>The graph of a functional model.</summary>
        internal Functional Graph => graph ?? throw new InvalidOperationException(
            $"Model \"{Name}\" ({ClassName}) is not a functional model: it has no symbolic inputs and outputs.");

        /// <summary>True for a model made from inputs and outputs.</summary>
        internal bool IsFunctional => graph is not null;

        /// <summary>The layer named <paramref name="name"/>, as Keras's <c>get_layer(name)</c>.</summary>
        /// <exception cref="ArgumentException">No layer has that name.</exception>
        public Layer GetLayer(string name)
        {
            ArgumentNullException.ThrowIfNull(name);
            return Layers.FirstOrDefault(l => l.Name == name)
                ?? throw new ArgumentException(
                    $"No such layer: {name}. Existing layers are: [{string.Join(", ", Layers.Select(l => $"'{l.Name}'"))}].", nameof(name));
        }

        /// <summary>The layer at <paramref name="index"/> of <see cref="Layers"/>, as Keras's <c>get_layer(index=...)</c>.</summary>
        /// <exception cref="ArgumentException">The index is out of range.</exception>
        public Layer GetLayer(int index)
            => index >= 0 && index < Layers.Count ? Layers[index]
                : throw new ArgumentException($"Was asked to retrieve layer at index {index} but model only has {Layers.Count} layers.", nameof(index));

        /// <summary>Keras writes <c>Functional</c> for a model made from inputs and outputs.</summary>
        public override string ClassName => graph is not null && GetType() == typeof(Model) ? "Functional" : base.ClassName;

        /// <inheritdoc />
        public override IReadOnlyList<Layer> InnerLayers => Layers;

        /// <inheritdoc />
        public override bool SupportsMasking => true;

        /// <inheritdoc />
        private protected override string NoInputShapeMessage
            => $"Model \"{Name}\" cannot be built without an input shape: pass one to Build(), or give the first layer an inputShape.";

        /// <summary>Keras builds a model from data with the batch size unknown.</summary>
        protected override int?[] BuildShapeFor(int?[] inputShape) => ShapeUtils.WithUnknownBatch(inputShape);

        /// <summary>A model moves its inputs to its weights' device instead of refusing them.</summary>
        private protected override void CheckInputDevice(Tensor inputs)
        {
        }

        /// <inheritdoc />
        protected override void BuildCore(int?[] inputShape)
        {
            if (graph is null) throw new NotSupportedException($"Model \"{Name}\" ({ClassName}) must override BuildCore.");
            graph.OutputShapesFor(Name, new[] { inputShape });
        }

        /// <inheritdoc />
        protected override void BuildCore(IReadOnlyList<int?[]> inputShapes)
        {
            if (graph is null) base.BuildCore(inputShapes);
            else graph.OutputShapesFor(Name, inputShapes);
        }

        /// <inheritdoc />
        public override int?[] ComputeOutputShape(int?[] inputShape) => ComputeOutputShapes(inputShape)[0];

        /// <inheritdoc />
        public override IReadOnlyList<int?[]> ComputeOutputShapes(int?[] inputShape) => ComputeOutputShapes(new[] { inputShape });

        /// <inheritdoc />
        public override IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes) => Graph.OutputShapesFor(Name, inputShapes);

        /// <summary>Runs the graph on one input (a model with one input).</summary>
        protected override LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
            => RunGraph(new[] { inputs }, mask is null ? null : new[] { mask }, training);

        /// <summary>Runs the graph on several inputs, in the model's input order.</summary>
        protected override LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
            => RunGraph(inputs, masks, training);

        private LayerOutput RunGraph(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
        {
            var device = Device;
            var given = new HashSet<Tensor>(inputs.Concat(masks?.OfType<Tensor>() ?? Array.Empty<Tensor>()), ReferenceEqualityComparer.Instance);
            using var scope = NewDisposeScope();
            var moved = inputs.Select(x => DeviceUtils.OnDevice(x, device)).ToArray();
            var (outputs, outputMasks) = Graph.Run(Name, moved, masks?.Select(m => m is null ? null : DeviceUtils.OnDevice(m, device)).ToArray(), training);
            // Intermediates die with the scope; the results (never the caller's own tensors) survive it.
            var kept = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            Tensor Keep(Tensor t)
            {
                var result = given.Contains(t) || kept.Contains(t) ? t.alias() : t;
                kept.Add(result);
                return result.MoveToOuterDisposeScope();
            }
            var results = outputs.Select(Keep).ToArray();
            var resultMasks = outputMasks.Select(m => m is null ? null : Keep(m)).ToArray();
            return new LayerOutput(results[0], results.Skip(1).ToArray()) { ComputedMask = new LayerOutput.KnownMasks(resultMasks) };
        }

        /// <summary>The output mask of a call on <paramref name="inputs"/> (runs the model without gradients; functional
        /// and Sequential models compute it with their outputs).</summary>
        public override Tensor? ComputeMask(Tensor inputs, Tensor? mask = null)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var known = Call(inputs, mask, null, training: false).ComputedMask;
            var result = known is null ? base.ComputeMask(inputs, mask) : known.Masks[0];
            // The outputs die with the scope; the mask (never the caller's own) survives it.
            return result is null ? null : (ReferenceEquals(result, mask) ? result.alias() : result).MoveToOuterDisposeScope();
        }


        /// <summary>Runs the model on several inputs (one tensor per input, in <see cref="InputNames"/> order), as Keras's
        /// <c>model([a, b], training=...)</c>; returns one tensor per output. Module hooks run only for a model of one
        /// input.</summary>
        /// <param name="inputs">The input batches.</param>
        /// <param name="training">Training mode (dropout active).</param>
        public IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training = false)
            => base.Call(inputs, null, null, training).ToArray();

        /// <summary>
        /// The <see cref="Embedding"/> layers that read a model input directly (every call of the layer is in this graph
        /// and on an input's tensor) check their index range once on the whole data (see <see cref="InputPrecheck"/>),
        /// each against the data of the input it reads.
        /// </summary>
        private protected override InputPrecheck? PrecheckInputs(IEnumerable<IReadOnlyList<Tensor>?> datasets)
        {
            if (graph is null) return null;
            var direct = new List<(Embedding, int)>();
            foreach (var embedding in graph.Layers.OfType<Embedding>())
            {
                var nodes = embedding.InboundNodes;
                if (nodes.Count == 0 || !nodes.All(n => graph.Contains(n) && n.InputTensors.Count == 1 && n.InputTensors[0].Layer is InputLayer))
                    continue;
                var inputs = nodes.Select(n => graph.Inputs.ToList().FindIndex(t => SameTensor(t, n.InputTensors[0]))).ToArray();
                if (inputs.Any(i => i < 0)) continue;
                direct.AddRange(inputs.Distinct().Select(i => (embedding, i)));
            }
            return direct.Count == 0 ? null : new InputPrecheck(direct, datasets);
        }

        private static bool SameTensor(KerasTensor a, KerasTensor b)
            => ReferenceEquals(a.Layer, b.Layer) && a.NodeIndex == b.NodeIndex && a.TensorIndex == b.TensorIndex;

        /// <inheritdoc />
        protected override IReadOnlyList<WeightInfo> DescribeWeights() => Layers.SelectMany(l => l.Weights).ToArray();

        /// <inheritdoc />
        protected override IReadOnlyList<Tensor> ReadWeights() => Layers.SelectMany(l => l.GetWeights()).ToArray();

        /// <inheritdoc />
        protected override void WriteWeights(IReadOnlyList<Tensor> weights)
        {
            int offset = 0;
            foreach (var layer in Layers)
            {
                int count = layer.Weights.Count;
                if (count > 0) layer.SetWeights(weights.Skip(offset).Take(count).ToArray());
                offset += count;
            }
        }

        /// <summary>Number of trainable scalars.</summary>
        public override long CountTrainableParams() => Trainable ? Layers.Sum(l => l.CountTrainableParams()) : 0;

        /// <summary>Resets the states of every stateful recurrent layer (nested models' too), as Keras's <c>reset_states()</c>.</summary>
        public void ResetStates()
        {
            foreach (var layer in Layers)
            {
                if (layer is RNN { Stateful: true } rnn) rnn.ResetStates();
                else if (layer is Bidirectional { Stateful: true } bidirectional) bidirectional.ResetStates();
                else if (layer is Model nested) nested.ResetStates();
            }
        }

        /// <summary>Moves the weights to <paramref name="device"/> (e.g. <c>"cuda"</c>); inputs follow automatically.</summary>
        public virtual Model To(Device device)
        {
            this.to(device);
            return this;
        }

        /// <summary>Moves the weights to the named device (<c>"cpu"</c>, <c>"cuda"</c>, <c>"cuda:1"</c>).</summary>
        public Model To(string device) => To(Backend.Device(device));

        /// <summary>
        /// Prints Keras's <c>model.summary()</c> in the classic TF 2.0–2.6 layout: for a functional model the table with
        /// the "Connected to" column (width 98, one line per inbound tensor, <c>layer[node][tensor]</c>), for a
        /// <see cref="Sequential"/> model (or a functional one that is a plain chain) the three-column table (width 65);
        /// then the totals.
        /// </summary>
        /// <param name="lineLength">Total width; default 98 for a functional model, 65 for a sequential one.</param>
        /// <param name="positions">Right edges of the columns, as fractions of the width or absolute.</param>
        /// <param name="printFn">Where each line goes; default <see cref="Console.WriteLine(string)"/>.</param>
        public void Summary(int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
            => SummaryUtils.PrintSummary(this, false, lineLength, positions, printFn);

        /// <summary>
        /// Prints the model's summary; with <paramref name="expandNested"/> true in the layout of Keras 2.9–2.11's
        /// <c>model.summary(expand_nested=True)</c>, listing the layers of nested models (a <see cref="Sequential"/> or
        /// functional model called as a layer) indented below them; wrappers such as <see cref="Bidirectional"/> stay one
        /// row, as in Keras.
        /// </summary>
        /// <param name="expandNested">List the layers of nested models.</param>
        /// <param name="lineLength">Total width; default 98 for a functional model, 65 for a sequential one.</param>
        /// <param name="positions">Right edges of the columns, as fractions of the width or absolute.</param>
        /// <param name="printFn">Where each line goes; default <see cref="Console.WriteLine(string)"/>.</param>
        public void Summary(bool expandNested, int? lineLength = null, double[]? positions = null, Action<string>? printFn = null)
            => SummaryUtils.PrintSummary(this, expandNested, lineLength, positions, printFn);

        /// <summary>The model's config with Keras's keys, as <c>get_config()</c>: for a functional model Keras 2's
        /// <c>name</c>, <c>layers</c> (each with its <c>inbound_nodes</c>), <c>input_layers</c> and <c>output_layers</c>.</summary>
        public override Dictionary<string, object?> GetConfig() => FunctionalConfig.Write(this);

        /// <summary>The model as Keras writes it in files: <c>{"class_name": ..., "config": {...}}</c>, the config with
        /// what rebuilding the model needs.</summary>
        /// <summary>None for a functional model, which is built from its inputs (Keras 3 writes no <c>build_config</c> for it).</summary>
        public override Dictionary<string, object?>? GetBuildConfig() => null;

        internal virtual Dictionary<string, object?> Serialize()
            => new() { ["class_name"] = ClassName, ["config"] = GetConfig() };

        /// <summary>
        /// Creates a functional model from a config as <see cref="GetConfig"/> returns it, or as Keras 2 writes it
        /// (<c>class_name</c> <c>Model</c> or <c>Functional</c>; the whole <c>{"class_name": ..., "config": ...}</c> is
        /// accepted too), as Keras's <c>Model.from_config</c>; a <c>Sequential</c> config gives a <see cref="Sequential"/>.
        /// The weights are newly initialised.
        /// </summary>
        /// <exception cref="ArgumentException">The config is malformed or names an unknown layer class.</exception>
        public static new Model FromConfig(IReadOnlyDictionary<string, object?> config)
        {
            ArgumentNullException.ThrowIfNull(config);
            if (config.TryGetValue("class_name", out var rootClass) && config.TryGetValue("config", out var inner)
                && inner is IReadOnlyDictionary<string, object?> or System.Collections.IList)
            {
                if (rootClass as string == nameof(Sequential)) return Sequential.FromConfig(config);
                config = inner as IReadOnlyDictionary<string, object?>
                    ?? throw new ArgumentException($"The config of a {rootClass} model is not {{\"name\": ..., \"layers\": [...], ...}}.", nameof(config));
            }
            return FunctionalConfig.Read(config);
        }

        /// <summary>A nested model in a config (<see cref="LayerRegistry"/>'s entry for <c>Functional</c> and <c>Model</c>).</summary>
        internal static Model FromLayerConfig(LayerConfig config) => FunctionalConfig.Read(config.Values);

        /// <summary>
        /// The architecture as JSON, as Keras's <c>model.to_json()</c>: <c>{"class_name": ..., "config": {...},
        /// "keras_version": ..., "backend": "tensorflow"}</c>.
        /// </summary>
        public string ToJson() => ConfigJson.Serialize(ModelSaving.ModelConfig(this, withVersion: true));

        /// <summary>
        /// Rebuilds a model from JSON as <see cref="ToJson"/> or Keras's <c>model.to_json()</c> writes it (Keras's
        /// <c>keras.models.model_from_json</c>), with fresh weights: a <see cref="Sequential"/> for a Sequential config,
        /// else a functional model.
        /// </summary>
        /// <exception cref="System.Text.Json.JsonException">The text is not JSON.</exception>
        /// <exception cref="ArgumentException">The JSON is not a model config, or names an unknown layer class.</exception>
        public static Model FromJson(string json)
        {
            ArgumentNullException.ThrowIfNull(json);
            if (ConfigJson.Parse(json) is not IReadOnlyDictionary<string, object?> root)
                throw new ArgumentException("The JSON is not an object (expected {\"class_name\": ..., \"config\": {...}}).", nameof(json));
            return FromConfig(root);
        }

        /// <summary>
        /// Loads a model saved by <see cref="Save"/>, by Keras 3's <c>model.save("m.keras")</c> or by Keras 2's
        /// <c>model.save("m.h5")</c>, as Keras's <c>keras.models.load_model</c>: a <see cref="Sequential"/> when the file
        /// holds one, else a functional model. A <c>.keras</c> file's model is compiled as it was saved (its optimizer,
        /// loss and metrics; the optimizer's state is not restored), unless <paramref name="compile"/> is false.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="compile">Whether to compile the model from the file's compile configuration (Keras's <c>compile=True</c>).</param>
        /// <exception cref="System.IO.FileNotFoundException">There is no such file.</exception>
        /// <exception cref="System.IO.InvalidDataException">The file is truncated, corrupt or not a model file.</exception>
        /// <exception cref="ArgumentException">The file holds only weights, a layer cannot be rebuilt, or the compile
        /// configuration cannot be restored (load with <paramref name="compile"/> false).</exception>
        public static Model Load(string path, bool compile = true) => ModelSaving.Load(path, compile: compile);

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
        /// Exports the model for inference to <paramref name="path"/> in <paramref name="format"/>: <c>"onnx"</c> (the only
        /// format) writes an ONNX model (opset 17, dynamic batch and time axes, the weights inside, masks computed in the
        /// graph as Keras computes them; see <c>docs/export.md</c> for each layer's operators). The inputs and outputs
        /// carry the model's <see cref="InputNames"/> and <see cref="OutputNames"/>; the model's Keras config JSON is in
        /// the metadata (<c>keras_model_config</c>). Every layer is converted before anything is written, and the file is
        /// written atomically, as <see cref="Save"/>.
        /// </summary>
        /// <param name="path">The file to write (e.g. <c>model.onnx</c>).</param>
        /// <param name="format">The format; <c>"onnx"</c>.</param>
        /// <exception cref="ArgumentException">The format is not <c>"onnx"</c>.</exception>
        /// <exception cref="InvalidOperationException">The model is not built.</exception>
        /// <exception cref="NotSupportedException">A layer or an option has no ONNX form (e.g. <c>stateful</c>, a custom
        /// cell, a <see cref="Lambda"/>); the message names the layer and the option, and no file is written.</exception>
        public void Export(string path, string format = "onnx")
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(format);
            if (!string.Equals(format, "onnx", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Unknown export format \"{format}\" for model \"{Name}\" (expected \"onnx\").", nameof(format));
            global::RnnSharp.Export.Onnx.OnnxExporter.Export(this, path);
        }

        /// <summary>
        /// Exports the model as <see cref="Export(string, string)"/> does, then lays out a Triton Inference Server model
        /// repository for it: <c>&lt;repository&gt;/&lt;model name&gt;/config.pbtxt</c> (platform <c>onnxruntime_onnx</c>,
        /// the inputs and outputs as the written file declares them) and a copy of the file as
        /// <c>&lt;repository&gt;/&lt;model name&gt;/&lt;version&gt;/model.onnx</c>. See <c>docs/deploy.md</c>.
        /// </summary>
        /// <param name="path">The ONNX file to write (e.g. <c>model.onnx</c>).</param>
        /// <param name="triton">The repository folder, the model's name, and the configuration's options.</param>
        /// <param name="format">The format; <c>"onnx"</c>, the only one Triton's ONNX Runtime backend serves.</param>
        /// <exception cref="ArgumentException">The format is not <c>"onnx"</c>, or the Triton options are invalid (checked before anything is written).</exception>
        /// <exception cref="InvalidOperationException">The model is not built.</exception>
        /// <exception cref="NotSupportedException">A layer or an option has no ONNX form.</exception>
        public void Export(string path, global::RnnSharp.Export.TritonOptions triton, string format = "onnx")
        {
            ArgumentNullException.ThrowIfNull(triton);
            global::RnnSharp.Export.TritonModelRepository.Validate(triton);
            Export(path, format);
            var signature = global::RnnSharp.Export.OnnxSignature.Read(path);
            global::RnnSharp.Export.TritonModelRepository.Write(triton, path, signature.Inputs, signature.Outputs);
        }

        /// <summary>
        /// Saves the whole model, architecture (<see cref="GetConfig"/>) and weights, to <paramref name="path"/>, as
        /// Keras's <c>model.save</c>; <see cref="Load"/> rebuilds it in a fresh process. Written atomically, as
        /// <see cref="SaveWeights"/>. States of stateful layers are not saved.
        /// </summary>
        /// <exception cref="InvalidOperationException">The model is not built.</exception>
        /// <remarks>With <c>.h5</c>/<c>.hdf5</c> the file is Keras 2's full-model HDF5 layout: the config as the
        /// <c>model_config</c> attribute and the weights in <c>model_weights</c>.</remarks>
        public void Save(string path) => ModelSaving.Save(this, path, ArchiveKind.Model);
    }
}
