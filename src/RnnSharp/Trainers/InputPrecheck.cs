using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Input checks a model makes on every call (an <see cref="Embedding"/>'s index range, a host synchronisation on a
    /// GPU) made once on the whole data of a <c>Fit</c>, <c>Evaluate</c> or <c>Predict</c> instead: the trainer's own steps
    /// then skip them (<see cref="Exempt"/>), while any other call, a callback's say, still checks. The same error is
    /// raised, only before the first batch rather than at the bad one. Only embeddings that read a model input directly
    /// (and nothing else) qualify: each is checked against the data of that input.
    /// </summary>
    internal sealed class InputPrecheck
    {
        private readonly Embedding[] embeddings;

        /// <summary>Checks, in each data set of <paramref name="datasets"/> (one array per model input; null data sets
        /// skipped), the array of the input each of <paramref name="embeddings"/> reads.</summary>
        /// <param name="embeddings">Each embedding with the index of the model input it reads (an embedding called on
        /// several inputs appears once per input).</param>
        /// <param name="datasets">The inputs of the run's data sets (training, validation).</param>
        public InputPrecheck(IReadOnlyList<(Embedding Embedding, int Input)> embeddings, IEnumerable<IReadOnlyList<Tensor>?> datasets)
        {
            this.embeddings = embeddings.Select(e => e.Embedding).Distinct().ToArray();
            foreach (var inputs in datasets)
                if (inputs is not null)
                    foreach (var (embedding, input) in embeddings) embedding.CheckIndices(inputs[input]);
        }

        /// <summary>Exempts the calls made until the result is disposed (one trainer step) from the checks done here.</summary>
        public IDisposable Exempt()
        {
            foreach (var embedding in embeddings) embedding.IndicesPrechecked = true;
            return new Exemption(embeddings);
        }

        private sealed class Exemption(IReadOnlyList<Embedding> embeddings) : IDisposable
        {
            public void Dispose()
            {
                foreach (var embedding in embeddings) embedding.IndicesPrechecked = false;
            }
        }
    }
}
