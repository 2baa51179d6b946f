using System.Collections.Generic;
using System.Linq;
using RnnSharp.Callbacks;
using RnnSharp.Layers;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Support
{
    /// <summary>
    /// A <c>Dense(1)</c> model on one feature whose steps record the inputs of every batch (copied out, as the trainer
    /// frees the batch after the step) and then run the default step. With inputs that are sample indices the batches
    /// are identifiable.
    /// </summary>
    internal sealed class RecordingModel : Sequential
    {
        public RecordingModel(int features = 1)
            : base(new Layer[] { new Dense(1, inputShape: new int?[] { features }) })
        {
        }

        /// <summary>The first feature of each sample of each training batch, grouped by epoch (an epoch starts a new
        /// group through <see cref="EpochMarker"/>; batches before any marker go to a first group).</summary>
        public List<List<float[]>> TrainEpochs { get; } = new();

        /// <summary>The first feature of each sample of each test batch, in call order.</summary>
        public List<float[]> TestBatches { get; } = new();

        /// <summary>The first feature of each sample of each predict batch, in call order.</summary>
        public List<float[]> PredictBatches { get; } = new();

        /// <summary>A callback that starts a new group of <see cref="TrainEpochs"/> at each epoch.</summary>
        public Callback EpochMarker => new LambdaCallback(onEpochBegin: (_, _) => TrainEpochs.Add(new List<float[]>()));

        /// <summary>All training batches of all epochs, in order.</summary>
        public IEnumerable<float[]> AllTrainBatches => TrainEpochs.SelectMany(e => e);

        private static float[] FirstFeature(Tensor x) => TestTensors.Values(x.reshape(x.shape[0], -1).select(1, 0));

        public override void TrainStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
        {
            if (TrainEpochs.Count == 0) TrainEpochs.Add(new List<float[]>());
            TrainEpochs[^1].Add(FirstFeature(x[0]));
            base.TrainStep(x, y, sampleWeight);
        }

        public override void TestStep(IReadOnlyList<Tensor> x, IReadOnlyList<Tensor> y, Tensor? sampleWeight)
        {
            TestBatches.Add(FirstFeature(x[0]));
            base.TestStep(x, y, sampleWeight);
        }

        public override IReadOnlyList<Tensor> PredictStep(IReadOnlyList<Tensor> x)
        {
            PredictBatches.Add(FirstFeature(x[0]));
            return base.PredictStep(x);
        }
    }
}
