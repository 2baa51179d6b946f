using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Utils;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RnnSharp.Layers
{
    /// <summary>
    /// Base class of every RnnSharp layer, with Keras's life cycle: <see cref="Build(int?[])"/> creates the weights from
    /// the input shape, <see cref="Call(Tensor, Tensor?, IReadOnlyList{Tensor}?, bool)"/> runs the layer, <see cref="ComputeOutputShape"/> and
    /// <see cref="ComputeMask(Tensor, Tensor?)"/> describe its result and <see cref="GetConfig"/> its arguments.
    /// A layer is a TorchSharp module, so <c>to(device)</c>, <c>state_dict()</c> and <c>parameters()</c> work.
    /// </summary>
    public abstract partial class Layer : nn.Module<Tensor, Tensor>
    {
        private readonly HashSet<string> frozenParameters = new(StringComparer.Ordinal);
        private bool trainable = true;

        // The Call in progress on this thread, handed from Call through TorchSharp's call to forward.
        [ThreadStatic]
        private static PendingCall? pendingCall;

        /// <summary>Creates a layer.</summary>
        /// <param name="name">The layer name; null gives Keras's automatic name (<c>lstm</c>, <c>lstm_1</c>, ...).</param>
        /// <param name="inputShape">Input shape without the batch axis (<c>null</c> entries are unknown).</param>
        /// <param name="batchInputShape">Input shape with the batch axis; wins over <paramref name="inputShape"/>.</param>
        /// <param name="batchSize">Batch size to combine with <paramref name="inputShape"/>.</param>
        /// <param name="trainable">Whether the layer's weights are trained.</param>
        protected Layer(string? name, int?[]? inputShape = null, int?[]? batchInputShape = null, int? batchSize = null, bool trainable = true)
            : base(name ?? "layer")
        {
            // GetType() is the concrete class, so a subclass MyLSTM is named my_lstm, as in Keras.
            Name = name ?? Backend.UniqueObjectName(GetType().Name);
            if (batchInputShape is not null)
                BatchInputShape = (int?[])batchInputShape.Clone();
            else if (inputShape is not null)
                BatchInputShape = new int?[] { batchSize }.Concat(inputShape).ToArray();
            this.trainable = trainable;
        }

        /// <summary>The layer's name, unique within the session unless the user gave one.</summary>
        public string Name { get; }

        /// <summary>True once <see cref="Build(int?[])"/> has created the weights.</summary>
        public bool Built { get; private set; }

        /// <summary>The declared input shape with the batch axis (from <c>inputShape</c>/<c>batchInputShape</c>), or null.</summary>
        public int?[]? BatchInputShape { get; }

        /// <summary>The input shape the layer was built for.</summary>
        public int?[]? BuiltInputShape { get; private set; }

        /// <summary>What the layer accepts; checked on every call.</summary>
        protected InputSpec? InputSpec { get; set; }

        /// <summary>Whether the layer passes (or uses) a mask, as Keras's <c>supports_masking</c>.</summary>
        public virtual bool SupportsMasking => false;

        /// <summary>
        /// Whether the weights are trained. Setting false freezes every weight (Keras: all weights become
        /// non-trainable weights).
        /// </summary>
        public bool Trainable
        {
            get => trainable;
            set
            {
                trainable = value;
                // Keras sets the flag on every nested layer too (a wrapper's inner layers, an RNN's cell).
                foreach (var inner in InnerLayers) inner.Trainable = value;
                ApplyTrainable();
            }
        }

        /// <summary>
        /// The layers this layer is made of (an RNN's cell, a wrapper's inner layers), first to last; empty for a
        /// plain layer. <see cref="Trainable"/> propagates to them, and <c>Summary(expandNested: true)</c> lists them.
        /// </summary>
        public virtual IReadOnlyList<Layer> InnerLayers => Array.Empty<Layer>();

        /// <summary>
        /// Creates the weights for inputs of <paramref name="inputShape"/> (batch axis included, <c>null</c> where
        /// unknown). Does nothing when already built.
        /// </summary>
        public void Build(int?[]? inputShape = null)
        {
            if (Built) return;
            inputShape ??= DeclaredInputShape ?? throw new InvalidOperationException(NoInputShapeMessage);
            InputSpec?.AssertCompatible(Name, inputShape);
            BuildCore(inputShape);
            BuiltInputShape = (int?[])inputShape.Clone();
            Built = true;
            ApplyTrainable();
        }

        /// <summary>
        /// Builds a layer that takes several inputs (a merge layer, a model with several inputs) for inputs of
        /// <paramref name="inputShapes"/>; with one shape, the same as <see cref="Build(int?[])"/>.
        /// </summary>
        public void Build(IReadOnlyList<int?[]> inputShapes)
        {
            ArgumentNullException.ThrowIfNull(inputShapes);
            if (inputShapes.Count == 1 && !TakesInputList)
            {
                Build(inputShapes[0]);
                return;
            }
            if (Built) return;
            BuildCore(inputShapes);
            BuiltInputShapes = inputShapes.Select(s => (int?[])s.Clone()).ToArray();
            Built = true;
            ApplyTrainable();
        }

        /// <summary>The input shapes a layer with several inputs was built for (null for a layer built for one input,
        /// see <see cref="BuiltInputShape"/>).</summary>
        public IReadOnlyList<int?[]>? BuiltInputShapes { get; private set; }

        /// <summary>The input shape <see cref="Build(int?[])"/> uses when given none: the declared
        /// <see cref="BatchInputShape"/> (a model: its first layer's).</summary>
        protected virtual int?[]? DeclaredInputShape => BatchInputShape;

        /// <summary>The error of <see cref="Build(int?[])"/> without a shape when the layer declares none.</summary>
        private protected virtual string NoInputShapeMessage
            => $"Layer \"{Name}\" cannot be built without an input shape: pass one to Build(), or give the layer an inputShape.";

        /// <summary>Creates the weights of a layer with several inputs; by default the layer takes one input and
        /// refuses several, with Keras's error.</summary>
        protected virtual void BuildCore(IReadOnlyList<int?[]> inputShapes) => throw TooManyInputs(inputShapes.Count);

        /// <summary>Keras's error for a layer of one input called on several.</summary>
        private protected ArgumentException TooManyInputs(int received)
            => new($"Layer \"{Name}\" expects 1 input(s), but it received {received} input tensors.", "inputs");

        /// <summary>
        /// The class name Keras writes for the layer in configs and prints in summaries (<c>LSTM</c>, <c>Dense</c>;
        /// <c>Functional</c> for a <see cref="Model"/> built from inputs and outputs): by default the C# class name.
        /// </summary>
        public virtual string ClassName => GetType().Name;

        /// <summary>
        /// Where the layer was called on <see cref="KerasTensor"/>s, in order (Keras's <c>inbound_nodes</c>): each call
        /// adds a node, which records the inputs, the outputs and the call's arguments. An <see cref="InputLayer"/> has
        /// one node, made with it.
        /// </summary>
        public IReadOnlyList<Ops.Node> InboundNodes => inboundNodes;

        private readonly List<Ops.Node> inboundNodes = new();

        /// <summary>Adds a node made by a symbolic call (<see cref="Ops.Node"/>'s constructor); returns its index.</summary>
        internal int AddInboundNode(Ops.Node node)
        {
            inboundNodes.Add(node);
            return inboundNodes.Count - 1;
        }

        /// <summary>
        /// Records a call of the layer on symbolic inputs, as Keras's <c>layer(keras_tensor, ...)</c> in the functional
        /// API: builds the layer for the inputs' shapes, checks them (Keras's errors, naming the layer and the shapes),
        /// infers the output shapes and whether the output carries a mask, and returns the outputs, computing nothing on
        /// data. The arguments are recorded and replayed when a <see cref="Model"/> made from the graph runs.
        /// </summary>
        /// <param name="inputs">The input, from <see cref="Keras.Input"/> or another layer's symbolic call.</param>
        /// <param name="mask">An explicit mask (a boolean input); by default the input's own mask flows in, as in Keras.</param>
        /// <param name="initialState">Initial states for a recurrent layer (e.g. an encoder's returned states).</param>
        /// <param name="training">Fixes the layer's mode for this call; null follows the model's mode.</param>
        public SymbolicOutput Call(KerasTensor inputs, KerasTensor? mask = null, IReadOnlyList<KerasTensor>? initialState = null, bool? training = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            return new Ops.Node(this, new[] { inputs }, mask is null ? null : new[] { mask }, initialState, training, calledOnList: false).Result;
        }

        /// <summary>
        /// Records a call of a layer that takes several inputs (a merge layer such as <c>Concatenate</c>, a model with
        /// several inputs) on symbolic inputs, as <see cref="Call(KerasTensor, KerasTensor?, IReadOnlyList{KerasTensor}?, bool?)"/>.
        /// A recurrent layer given several inputs takes the first as its input and the others as its initial states, as
        /// Keras 2's <c>lstm([x, h, c])</c>.
        /// </summary>
        /// <param name="inputs">The inputs, in the layer's order.</param>
        /// <param name="mask">Explicit masks, one per input (null entries: the input's own mask).</param>
        /// <param name="initialState">Initial states for a recurrent layer.</param>
        /// <param name="training">Fixes the layer's mode for this call; null follows the model's mode.</param>
        public SymbolicOutput Call(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor?>? mask = null, IReadOnlyList<KerasTensor>? initialState = null, bool? training = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            if (StatesAmongInputs(inputs, initialState) is var (first, states))
                return Call(first, mask?[0], states, training);
            return new Ops.Node(this, inputs, mask, initialState, training, calledOnList: true).Result;
        }

        /// <summary>
        /// Records a call of the layer on symbolic inputs with further Keras call arguments by their Keras names (e.g.
        /// <c>{"use_causal_mask": true}</c>; a <see cref="KerasTensor"/> value, such as an <c>attention_mask</c>, becomes a
        /// further input of the graph). The layer must accept every name (<see cref="CallArgumentNames"/>); the node keeps
        /// them (<see cref="Ops.Node.CallArguments"/>), a model passes them to
        /// <see cref="CallCore(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool, IReadOnlyDictionary{string, object?})"/>
        /// when it runs, and configs write them as the call's keyword arguments.
        /// </summary>
        /// <param name="inputs">The inputs, in the layer's order.</param>
        /// <param name="callArguments">The call arguments by Keras name.</param>
        /// <param name="mask">Explicit masks, one per input (null entries: the input's own mask), or null.</param>
        /// <param name="training">Fixes the layer's mode for this call; null follows the model's mode.</param>
        public SymbolicOutput CallWithArguments(IReadOnlyList<KerasTensor> inputs, IReadOnlyDictionary<string, object?> callArguments,
            IReadOnlyList<KerasTensor?>? mask = null, bool? training = null)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(callArguments);
            return new Ops.Node(this, inputs, mask, null, training, calledOnList: true, callArguments).Result;
        }

        /// <summary>The Keras names of the call arguments the layer takes besides its inputs, <c>mask</c>,
        /// <c>training</c> and <c>initial_state</c> (e.g. <c>use_causal_mask</c>); empty for most layers.</summary>
        public virtual IReadOnlyCollection<string> CallArgumentNames => Array.Empty<string>();

        /// <summary>Throws Keras's error when <paramref name="callArguments"/> names an argument the layer does not take.</summary>
        internal void CheckCallArguments(IReadOnlyDictionary<string, object?> callArguments)
        {
            foreach (var name in callArguments.Keys)
                if (!CallArgumentNames.Contains(name))
                    throw new ArgumentException(
                        $"Layer \"{Name}\" ({ClassName}) does not take the call argument \"{name}\"" +
                        (CallArgumentNames.Count > 0 ? $"; it takes {string.Join(", ", CallArgumentNames)}." : "."), nameof(callArguments));
        }

        /// <summary>
        /// Runs the layer on <paramref name="inputs"/> with the call arguments a graph recorded (tensor arguments given as
        /// tensors), as a model runs a node made by <see cref="CallWithArguments(IReadOnlyList{KerasTensor}, IReadOnlyDictionary{string, object?}, IReadOnlyList{KerasTensor?}?, bool?)"/>: checks the names, builds the layer on
        /// first use and runs
        /// <see cref="CallCore(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool, IReadOnlyDictionary{string, object?})"/>.
        /// TorchSharp's module hooks do not run for such a call.
        /// </summary>
        internal LayerOutput RunWithArguments(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? mask, bool training, IReadOnlyDictionary<string, object?> callArguments)
        {
            CheckCallArguments(callArguments);
            var shapes = inputs.Select(ShapeUtils.Of).ToArray();
            if (!Built)
            {
                if (inputs.Count == 1 && !TakesInputList) Build(BuildShapeFor(shapes[0]));
                else Build(shapes.Select(BuildShapeFor).ToArray());
            }
            foreach (var input in inputs) CheckInputDevice(input);
            bool outermost = BeginCall();
            try
            {
                var result = CallCore(AutocastAll(inputs), mask, training,
                    callArguments.ToDictionary(kv => kv.Key, kv => kv.Value is Tensor t ? Autocast(t) : kv.Value));
                AddActivityLosses(result);
                return result;
            }
            finally
            {
                EndCall(outermost);
            }
        }

        /// <summary>
        /// The computation with call arguments (<see cref="CallArgumentNames"/>, already checked; a tensor argument as a
        /// <see cref="Tensor"/>): layers that take call arguments override it. By default there are none to take, and
        /// the call runs as <see cref="CallCore(IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool)"/>.
        /// </summary>
        /// <param name="inputs">The inputs (one, or the layer's list).</param>
        /// <param name="masks">One mask per input (null entries for none), or null.</param>
        /// <param name="training">Training mode.</param>
        /// <param name="callArguments">The call arguments by Keras name.</param>
        protected virtual LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training, IReadOnlyDictionary<string, object?> callArguments)
            => inputs.Count == 1 && !TakesInputList ? CallCore(inputs[0], masks?[0], null, training) : CallCore(inputs, masks, training);

        /// <summary>The shapes of all returned tensors for inputs of <paramref name="inputShapes"/> called with
        /// <paramref name="callArguments"/> (a tensor argument as its <see cref="KerasTensor"/>), e.g. the attention
        /// scores a <c>return_attention_scores</c> call adds; by default the arguments change nothing.</summary>
        public virtual IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes, IReadOnlyDictionary<string, object?> callArguments)
            => inputShapes.Count == 1 && !TakesInputList ? SymbolicOutputShapes(inputShapes[0]) : ComputeOutputShapes(inputShapes);

        // Keras 2 passes a recurrent layer's initial states as further inputs: [x, h, c].
        private (T First, IReadOnlyList<T> States)? StatesAmongInputs<T>(IReadOnlyList<T> inputs, IReadOnlyList<T>? initialState)
            => AcceptsInitialState && inputs.Count > 1 && initialState is not { Count: > 0 } ? (inputs[0], inputs.Skip(1).ToArray()) : null;

        /// <summary>
        /// Runs a layer that takes several inputs on <paramref name="inputs"/> (a merge layer, a model with several
        /// inputs), with one mask per input (or none); with one input, the same as
        /// <see cref="Call(Tensor, Tensor?, IReadOnlyList{Tensor}?, bool)"/>. Builds the layer on first use. TorchSharp's
        /// module hooks run only for calls of one input.
        /// </summary>
        /// <param name="inputs">The input tensors, in the layer's order; a recurrent layer takes further inputs as its
        /// initial states, as Keras 2's <c>lstm([x, h, c])</c>.</param>
        /// <param name="mask">One mask per input (null entries for none), or null.</param>
        /// <param name="initialState">Initial states for a recurrent layer.</param>
        /// <param name="training">Training mode.</param>
        public LayerOutput Call(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            if (StatesAmongInputs(inputs, initialState) is var (first, states)) return Call(first, mask?[0], states, training);
            if (mask is not null && mask.Count != inputs.Count)
                throw new ArgumentException($"Layer \"{Name}\" received {inputs.Count} inputs but {mask.Count} masks; give one mask per input.", nameof(mask));
            if (inputs.Count == 1 && !TakesInputList) return Call(inputs[0], mask?[0], initialState, training);
            if (initialState is { Count: > 0 })
                throw new ArgumentException($"Layer \"{Name}\" ({GetType().Name}) does not accept an initial state.", nameof(initialState));
            var shapes = inputs.Select(ShapeUtils.Of).ToArray();
            if (!Built) Build(shapes.Select(BuildShapeFor).ToArray());
            foreach (var input in inputs) CheckInputDevice(input);
            bool outermost = BeginCall();
            try
            {
                var result = CallCore(AutocastAll(inputs), mask, training);
                AddActivityLosses(result);
                return result;
            }
            finally
            {
                EndCall(outermost);
            }
        }

        /// <summary>The computation of a layer with several inputs; by default the layer takes one input and refuses
        /// several, with Keras's error.</summary>
        protected virtual LayerOutput CallCore(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks, bool training)
            => throw TooManyInputs(inputs.Count);

        /// <summary>The shapes of all returned tensors for inputs of <paramref name="inputShapes"/>; with one input, the
        /// same as <see cref="ComputeOutputShapes(int?[])"/>.</summary>
        public virtual IReadOnlyList<int?[]> ComputeOutputShapes(IReadOnlyList<int?[]> inputShapes)
            => inputShapes.Count == 1 ? ComputeOutputShapes(inputShapes[0]) : throw TooManyInputs(inputShapes.Count);

        /// <summary>The mask of the output for several inputs and their masks; with one input, the same as
        /// <see cref="ComputeMask(Tensor, Tensor?)"/>.</summary>
        public virtual Tensor? ComputeMask(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?>? masks)
            => inputs.Count == 1 ? ComputeMask(inputs[0], masks?[0]) : null;

        /// <summary>The shape a layer built by its first call is built for, given the call's input shape: the shape
        /// itself (a model: with the batch size unknown, as Keras builds models).</summary>
        protected virtual int?[] BuildShapeFor(int?[] inputShape) => inputShape;

        /// <summary>True for layers that take <c>initialState</c> (recurrent layers); Keras 2's configs list such a
        /// layer's initial states as further inputs of its node.</summary>
        protected internal virtual bool AcceptsInitialState => false;

        /// <summary>The sizes of the states a recurrent layer takes as <c>initialState</c> and returns, in order (null for
        /// other layers); symbolic calls check initial states against them.</summary>
        protected internal virtual IReadOnlyList<int>? StateSizes => null;

        /// <summary>True for a layer called on a list of inputs (a merge layer): a list of one input stays a list.</summary>
        internal virtual bool TakesInputList => false;

        /// <summary>The Keras names of the call's tensor arguments for a layer that takes its inputs as separate
        /// arguments (MultiHeadAttention's <c>call(query, value, key)</c>), not one input or a list; null otherwise.
        /// Configs write such a call as Keras does: in Keras 2 the first input with the others as keyword tensors, in
        /// Keras 3 the inputs as positional arguments.</summary>
        internal virtual IReadOnlyList<string>? InputArgumentNames => null;

        /// <summary>How many leading outputs carry the mask <see cref="ComputeMask(Tensor, Tensor?)"/> gives: 1 (a
        /// recurrent layer's states carry none); a <see cref="Bidirectional"/> returning both directions, 2.</summary>
        internal virtual int MaskedOutputCount => 1;

        /// <summary>The output shapes of a symbolic call on <paramref name="inputShape"/>. Keras 2 finds them by tracing
        /// the layer's call, which for most layers gives <see cref="ComputeOutputShapes(int?[])"/>; a layer whose
        /// <c>compute_output_shape</c> says more than its traced call overrides this.</summary>
        internal virtual IReadOnlyList<int?[]> SymbolicOutputShapes(int?[] inputShape) => ComputeOutputShapes(inputShape);

        /// <summary>Throws Keras's error when inputs of <paramref name="inputShape"/> do not fit this layer.</summary>
        public void AssertInputCompatible(int?[] inputShape) => InputSpec?.AssertCompatible(Name, inputShape);

        /// <summary>Creates the weights; called once by <see cref="Build(int?[])"/>.</summary>
        protected virtual void BuildCore(int?[] inputShape) { }

        /// <summary>
        /// Runs the layer on <paramref name="inputs"/>, as Keras's <c>layer(inputs, mask=..., initial_state=...,
        /// training=...)</c>. Builds the layer on first use. The call goes through TorchSharp's module call, so forward
        /// pre-hooks and forward hooks registered on the layer (<c>register_forward_pre_hook</c>,
        /// <c>register_forward_hook</c>) run, also when the layer runs inside a model; a hook that returns a tensor
        /// replaces the input, or the output (the returned states are kept). Layers that another layer runs as part of
        /// its own computation, an RNN's cell or a Bidirectional's two directions, are not called, so their hooks do not
        /// run; hook the RNN or the Bidirectional.
        /// </summary>
        /// <param name="inputs">The input tensor, e.g. <c>(batch, timesteps, features)</c> for a recurrent layer.</param>
        /// <param name="mask">Boolean <c>(batch, timesteps)</c> mask: false marks a step to skip.</param>
        /// <param name="initialState">Initial states for a recurrent layer (<c>[h]</c>, or <c>[h, c]</c> for an LSTM).</param>
        /// <param name="training">Training mode: enables dropout.</param>
        public LayerOutput Call(Tensor inputs, Tensor? mask = null, IReadOnlyList<Tensor>? initialState = null, bool training = false)
        {
            var pending = new PendingCall(this, mask, initialState, training);
            var outer = pendingCall;
            pendingCall = pending;
            bool outermost = BeginCall();
            try
            {
                // TorchSharp's call runs the pre-hooks, forward (which runs this call's arguments) and the hooks.
                Tensor output = call(inputs);
                var result = pending.Result
                    ?? throw new InvalidOperationException($"Layer \"{Name}\": a forward pre-hook prevented the layer from running.");
                return ReferenceEquals(output, result.Output) ? result : result.WithOutput(output);
            }
            finally
            {
                pendingCall = outer;
                EndCall(outermost);
            }
        }

        /// <summary>The layer's computation; inputs are already checked and the layer built.</summary>
        protected abstract LayerOutput CallCore(Tensor inputs, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training);

        /// <summary>
        /// TorchSharp entry point, reached through <c>call</c> (hooks included): runs the arguments of the
        /// <see cref="Call(Tensor, Tensor?, IReadOnlyList{Tensor}?, bool)"/> in progress, or, when TorchSharp calls the layer directly, <c>Call(input, training:
        /// module.training)</c>, and returns the output.
        /// </summary>
        public sealed override Tensor forward(Tensor input)
        {
            PendingCall pending;
            if (pendingCall is { } mine && ReferenceEquals(mine.Layer, this))
            {
                pending = mine;
                // Taken: a call made while the layer runs (by a hook, or an inner layer's) starts afresh.
                pendingCall = null;
            }
            else
            {
                pending = new PendingCall(this, null, null, training);
            }
            var shape = ShapeUtils.Of(input);
            if (!Built) Build(BuildShapeFor(shape));
            InputSpec?.AssertCompatible(Name, shape);
            if (pending.InitialState is { Count: > 0 } && !AcceptsInitialState)
                throw new ArgumentException($"Layer \"{Name}\" ({GetType().Name}) does not accept an initial state.", "initialState");
            CheckInputDevice(input);
            bool outermost = BeginCall();
            try
            {
                // Keras casts a layer's floating inputs to its compute dtype (autocast) before the call.
                pending.Result = CallCore(Autocast(input), pending.Mask,
                    pending.InitialState is null ? null : AutocastAll(pending.InitialState), pending.Training);
                AddActivityLosses(pending.Result);
            }
            finally
            {
                EndCall(outermost);
            }
            return pending.Result.Output;
        }

        // The arguments of a Call on their way through TorchSharp's call to forward, and the result on its way back.
        private sealed class PendingCall(Layer layer, Tensor? mask, IReadOnlyList<Tensor>? initialState, bool training)
        {
            public Layer Layer { get; } = layer;
            public Tensor? Mask { get; } = mask;
            public IReadOnlyList<Tensor>? InitialState { get; } = initialState;
            public bool Training { get; } = training;
            public LayerOutput? Result { get; set; }
        }

        /// <summary>The shape of the main output for inputs of <paramref name="inputShape"/>.</summary>
        public abstract int?[] ComputeOutputShape(int?[] inputShape);

        /// <summary>The shapes of all returned tensors (output, then states), as Keras's <c>compute_output_shape</c> with <c>return_state</c>.</summary>
        public virtual IReadOnlyList<int?[]> ComputeOutputShapes(int?[] inputShape) => new[] { ComputeOutputShape(inputShape) };

        /// <summary>
        /// The mask of the layer's output given its input and input mask. By default a layer that
        /// <see cref="SupportsMasking"/> passes the mask on and any other drops it, as Keras does.
        /// </summary>
        public virtual Tensor? ComputeMask(Tensor inputs, Tensor? mask = null) => SupportsMasking ? mask : null;

        /// <summary>The layer's Keras weights, in Keras order, with Keras shapes. Empty before the layer is built.</summary>
        public IReadOnlyList<WeightInfo> Weights => Built ? DescribeWeights() : Array.Empty<WeightInfo>();

        /// <summary>Describes the Keras weights (only called once built).</summary>
        protected virtual IReadOnlyList<WeightInfo> DescribeWeights() => Array.Empty<WeightInfo>();

        /// <summary>Reads the Keras weights in Keras layout (only called once built).</summary>
        protected virtual IReadOnlyList<Tensor> ReadWeights() => Array.Empty<Tensor>();

        /// <summary>Writes Keras-layout weights (already checked against <see cref="DescribeWeights"/>), under <c>no_grad</c>.</summary>
        protected virtual void WriteWeights(IReadOnlyList<Tensor> weights) { }

        /// <summary>Number of scalars in the layer's weights, as Keras's <c>count_params()</c>.</summary>
        public long CountParams()
        {
            if (!Built)
                throw new InvalidOperationException(
                    $"You tried to call `count_params` on layer \"{Name}\", but the layer isn't built. You can build it manually via: `{Name}.Build(batchInputShape)`.");
            return DescribeWeights().Sum(w => w.Count);
        }

        /// <summary>Number of trainable scalars (zero when <see cref="Trainable"/> is false).</summary>
        public virtual long CountTrainableParams() => Trainable ? Weights.Where(w => w.Trainable).Sum(w => w.Count) : 0;

        /// <summary>
        /// The weights as CPU float tensors in Keras order and layout (e.g. LSTM <c>kernel (input_dim, 4*units)</c>,
        /// <c>recurrent_kernel (units, 4*units)</c>, <c>bias (4*units)</c>), as Keras's <c>get_weights()</c>.
        /// </summary>
        public IReadOnlyList<Tensor> GetWeights()
        {
            if (!Built) return Array.Empty<Tensor>();
            using (no_grad())
                return ReadWeights().Select(w => w.detach().cpu().clone()).ToArray();
        }

        /// <summary>
        /// Sets the weights from tensors in Keras order and layout, as Keras's <c>set_weights()</c>. Their number and
        /// shapes are checked first; on a mismatch nothing changes.
        /// </summary>
        public void SetWeights(IReadOnlyList<Tensor> weights)
        {
            if (!Built)
                throw new InvalidOperationException($"Layer \"{Name}\" is not built yet: call Build(inputShape) or run it once before SetWeights.");
            var expected = DescribeWeights();
            if (weights.Count != expected.Count)
                throw new ArgumentException(
                    $"You called `SetWeights(weights)` on layer \"{Name}\" with a weight list of length {weights.Count}, but the layer was expecting {expected.Count} weights " +
                    $"({string.Join(", ", expected.Select(w => w.Name + " " + ShapeUtils.Format(w.Shape)))}).", nameof(weights));
            for (int i = 0; i < weights.Count; i++)
            {
                if (!weights[i].shape.SequenceEqual(expected[i].Shape))
                    throw new ShapeMismatchException(
                        $"Layer \"{Name}\" weight \"{expected[i].Name}\" has shape {ShapeUtils.Format(expected[i].Shape)}, not compatible with provided weight shape {ShapeUtils.Format(weights[i].shape)}.");
            }
            var device = ParameterDevice ?? CPU;
            using (no_grad())
            {
                var converted = weights.Select(w => w.to(float32).to(device)).ToArray();
                WriteWeights(converted);
            }
        }

        /// <summary>The layer's Keras arguments with Keras's config keys, as <c>get_config()</c>.</summary>
        public virtual Dictionary<string, object?> GetConfig()
        {
            var config = new Dictionary<string, object?>
            {
                ["name"] = Name,
                ["trainable"] = Trainable,
                ["dtype"] = DtypePolicy.Serialize(keras3: false),
            };
            if (BatchInputShape is not null) config["batch_input_shape"] = BatchInputShape.ToArray();
            // Every layer takes an activity regularizer (Keras's base Layer does); layers whose Keras config names it
            // write it in their place, the others only when one is set, as Keras 3's base config does.
            if (ActivityRegularizer is not null) config["activity_regularizer"] = ActivityRegularizer.Serialize();
            return config;
        }

        /// <summary>
        /// The layer's arguments as Keras 3 writes them in a <c>.keras</c> file's <c>config.json</c> (Keras 3's
        /// <c>get_config()</c>), before the <c>.keras</c> writer turns dtypes, initializers and nested
        /// layers into Keras 3's nested objects. By default <see cref="GetConfig"/> without Keras 2's
        /// <c>batch_input_shape</c> (Keras 3 models start with an <c>InputLayer</c> instead); layers whose Keras 3
        /// arguments differ from Keras 2's (keys Keras 3 no longer takes, or new ones) override it, since Keras 3
        /// refuses a config with a key its layer does not take.
        /// </summary>
        public virtual Dictionary<string, object?> GetKeras3Config()
        {
            var config = GetConfig();
            config.Remove("batch_input_shape");
            config["dtype"] = DtypePolicy.Serialize(keras3: true);
            return config;
        }

        /// <summary>
        /// What Keras 3 needs to build the layer before loading its weights (Keras's <c>get_build_config()</c>, the
        /// <c>build_config</c> of a <c>.keras</c> file): <c>{"input_shape": shape}</c> with the shape it was built with
        /// (a list of shapes for a layer built on several inputs), or null when not built. Layers whose Keras
        /// <c>build</c> takes several named shapes override it (<c>{"shapes_dict": {...}}</c>).
        /// </summary>
        public virtual Dictionary<string, object?>? GetBuildConfig()
        {
            if (BuiltInputShapes is { } shapes) return new() { ["input_shape"] = shapes.Select(s => (object?)s.ToArray()).ToList() };
            if (BuiltInputShape is { } single) return new() { ["input_shape"] = single.ToArray() };
            return null;
        }

        /// <summary>
        /// Rebuilds a layer of class <paramref name="className"/> from its config (as <see cref="GetConfig"/> returns it, or
        /// read from Keras's JSON), as Keras's <c>Layer.from_config</c>, through <see cref="Saving.LayerRegistry"/>.
        /// The layer has fresh weights.
        /// </summary>
        /// <exception cref="ArgumentException">Unknown class name, or a config value that does not fit.</exception>
        public static Layer FromConfig(string className, IReadOnlyDictionary<string, object?> config)
            => Saving.LayerRegistry.Deserialize(className, config);

        /// <summary>Rebuilds a layer from Keras's serialized form, <c>{"class_name": "LSTM", "config": {...}}</c>
        /// (<see cref="Saving.LayerRegistry.Serialize"/>), as Keras's <c>layers.deserialize</c>.</summary>
        /// <exception cref="ArgumentException">The dictionary is not of that form, or the layer cannot be rebuilt.</exception>
        public static Layer FromConfig(IReadOnlyDictionary<string, object?> serialized)
        {
            ArgumentNullException.ThrowIfNull(serialized);
            if (serialized.GetValueOrDefault("class_name") is not string className
                || serialized.GetValueOrDefault("config") is not IReadOnlyDictionary<string, object?> config)
                throw new ArgumentException("A serialized layer is {\"class_name\": ..., \"config\": {...}}.", nameof(serialized));
            return FromConfig(className, config);
        }

        /// <summary>
        /// Creates a <typeparamref name="T"/> from <paramref name="config"/>, as Keras's <c>cls.from_config(config)</c>:
        /// the constructor's arguments by their Keras names, defaults where missing (<see cref="Saving.LayerConfig.Instantiate{T}"/>).
        /// Each layer's own <c>FromConfig</c> calls it.
        /// </summary>
        /// <exception cref="ArgumentException">A required key is missing, or a value does not fit.</exception>
        protected static T FromConfig<T>(Saving.LayerConfig config) where T : Layer
        {
            ArgumentNullException.ThrowIfNull(config);
            return config.Instantiate<T>();
        }

        /// <summary>Registers a TorchSharp parameter that is an implementation detail held at its value and never trained
        /// (e.g. the fused kernel's second bias where Keras has one).</summary>
        protected void Freeze(string qualifiedName)
        {
            frozenParameters.Add(qualifiedName);
            var p = get_parameter(qualifiedName)
                ?? throw new InvalidOperationException($"Layer \"{Name}\" has no parameter \"{qualifiedName}\".");
            p.requires_grad = false;
        }

        /// <summary>Registers <paramref name="engine"/>'s TorchSharp module as this layer's <c>engine</c> and holds its
        /// held parameters: the layer that runs a fused engine owns it.</summary>
        internal void RegisterEngine(FusedEngine engine)
        {
            register_module("engine", engine.Module);
            foreach (var held in engine.HeldParameters) Freeze("engine." + held);
        }

        /// <summary>The device of the layer's parameters, or null when it has none.</summary>
        protected Device? ParameterDevice => parameters().FirstOrDefault()?.device;

        /// <summary>Checks that an input is on the weights' device (a model instead moves its inputs there).</summary>
        private protected virtual void CheckInputDevice(Tensor inputs)
        {
            var device = ParameterDevice;
            if (device is not null && (device.type != inputs.device_type || (device.type == DeviceType.CUDA && device.index != inputs.device_index)))
                throw new InvalidOperationException(
                    $"Layer \"{Name}\" has its weights on {device} but received an input on {inputs.device}: move the input with .to(device) or the model with To(device).");
        }

        private void ApplyTrainable()
        {
            foreach (var (name, p) in named_parameters())
                p.requires_grad = IsTrained(name);
        }

        // A parameter is trained unless this layer, or a nested layer on its path, is not trainable or holds it (a
        // model's layers keep their own flags).
        private bool IsTrained(string qualifiedName)
        {
            if (!trainable || frozenParameters.Contains(qualifiedName)) return false;
            foreach (var (childName, child) in named_children())
                if (child is Layer layer && qualifiedName.StartsWith(childName + ".", StringComparison.Ordinal))
                    return layer.IsTrained(qualifiedName[(childName.Length + 1)..]);
            return true;
        }
    }
}
