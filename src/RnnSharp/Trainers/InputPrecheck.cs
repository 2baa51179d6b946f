using System;
using System.Collections.Generic;
using RnnSharp.Layers;

namespace RnnSharp.Trainers
{
    /// <summary>
    /// Input checks a model makes on every call (an <see cref="Embedding"/>'s index range, a host synchronisation on a
    /// GPU) made once on the whole data of a <c>Fit</c>, <c>Evaluate</c> or <c>Predict</c> instead: the trainer's own steps
    /// then skip them (<see cref="Exempt"/>), while any other call, a callback's say, still checks. The same error is
    /// raised, only before the first batch rather than at the bad one.
    /// </summary>
    internal sealed class InputPrecheck
    {
        private readonly IReadOnlyList<Embedding> embeddings;

        /// <summary>Checks <paramref name="inputs"/> (null entries skipped) against each of <paramref name="embeddings"/>.</summary>
        public InputPrecheck(IReadOnlyList<Embedding> embeddings, IEnumerable<TorchSharp.torch.Tensor?> inputs)
        {
            this.embeddings = embeddings;
            foreach (var input in inputs)
                if (input is not null)
                    foreach (var embedding in embeddings) embedding.CheckIndices(input);
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
