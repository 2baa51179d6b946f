using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace OnnxServing.Server
{
    /// <summary>
    /// The exported model in an ONNX Runtime session: one input of token ids <c>[batch, time]</c> and one output of
    /// probabilities <c>[batch, k]</c>. Runs from several request threads at once (a session's Run is thread-safe).
    /// </summary>
    public sealed class OnnxClassifier : IDisposable
    {
        private readonly InferenceSession session;
        private readonly Type idType;

        /// <summary>Loads the model on the CPU execution provider.</summary>
        /// <param name="modelPath">The ONNX file.</param>
        /// <param name="intraOpThreads">ONNX Runtime's intra-op threads; 0 lets it choose.</param>
        /// <exception cref="InvalidOperationException">The model does not have one integer or float input of rank 2 and one float output.</exception>
        public OnnxClassifier(string modelPath, int intraOpThreads = 0)
        {
            using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads };
            session = new InferenceSession(modelPath, options);
            if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
                throw new InvalidOperationException(
                    $"The served model must have one input and one output; {modelPath} has {session.InputMetadata.Count} inputs and {session.OutputMetadata.Count} outputs.");
            (InputName, NodeMetadata input) = session.InputMetadata.Single();
            (OutputName, NodeMetadata output) = session.OutputMetadata.Single();
            idType = input.ElementType;
            if (idType != typeof(long) && idType != typeof(int) && idType != typeof(float))
                throw new InvalidOperationException($"The model's input \"{InputName}\" must hold int64, int32 or float32 token ids; it holds {idType.Name}.");
            if (input.Dimensions.Length != 2)
                throw new InvalidOperationException($"The model's input \"{InputName}\" must have rank 2, [batch, time]; its shape is [{string.Join(", ", input.Dimensions)}].");
            if (output.ElementType != typeof(float))
                throw new InvalidOperationException($"The model's output \"{OutputName}\" must hold float32 probabilities; it holds {output.ElementType.Name}.");
        }

        /// <summary>The model's input name.</summary>
        public string InputName { get; }

        /// <summary>The model's output name.</summary>
        public string OutputName { get; }

        /// <summary>Runs the model on a batch of id rows, all of one length.</summary>
        /// <param name="ids">The rows, each <c>time</c> ids long.</param>
        /// <returns>One row of probabilities per input row.</returns>
        public float[][] Predict(IReadOnlyList<long[]> ids)
        {
            int batch = ids.Count;
            int time = ids[0].Length;
            long[] shape = { batch, time };
            using OrtValue input = CreateInput(ids, shape);
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, new[] { InputName }, new[] { input }, new[] { OutputName });
            OrtValue output = outputs[0];
            long[] outputShape = output.GetTensorTypeAndShape().Shape;
            ReadOnlySpan<float> values = output.GetTensorDataAsSpan<float>();
            int width = batch == 0 ? 0 : values.Length / batch;
            if (outputShape.Length == 0 || outputShape[0] != batch)
                throw new InvalidOperationException($"The model returned shape [{string.Join(", ", outputShape)}] for a batch of {batch}; expected [{batch}, ...].");
            var rows = new float[batch][];
            for (int i = 0; i < batch; i++)
                rows[i] = values.Slice(i * width, width).ToArray();
            return rows;
        }

        /// <inheritdoc/>
        public void Dispose() => session.Dispose();

        private OrtValue CreateInput(IReadOnlyList<long[]> ids, long[] shape)
        {
            int time = (int)shape[1];
            if (idType == typeof(long))
            {
                var data = new long[ids.Count * time];
                for (int i = 0; i < ids.Count; i++)
                    ids[i].CopyTo(data, i * time);
                return OrtValue.CreateTensorValueFromMemory(data, shape);
            }

            if (idType == typeof(int))
            {
                int[] data = ids.SelectMany(row => row.Select(v => (int)v)).ToArray();
                return OrtValue.CreateTensorValueFromMemory(data, shape);
            }

            float[] floats = ids.SelectMany(row => row.Select(v => (float)v)).ToArray();
            return OrtValue.CreateTensorValueFromMemory(floats, shape);
        }
    }
}
