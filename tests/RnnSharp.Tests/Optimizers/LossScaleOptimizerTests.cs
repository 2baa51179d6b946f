using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Optimizers;
using Xunit;
using static RnnSharp.Tests.Optimizers.OptimizerTestHelpers;

namespace RnnSharp.Tests.Optimizers
{
    /// <summary>Keras's dynamic loss scaling: unscale and apply finite gradients, skip and halve on overflow, double after
    /// <c>dynamic_growth_steps</c> finite steps in a row.</summary>
    public class LossScaleOptimizerTests
    {
        [Fact]
        public void SkipsAnOverflowHalvesTheScaleAndRecovers()
        {
            const double lr = 0.1;
            using var optimizer = new LossScaleOptimizer(new SGD(learningRate: lr), initialScale: 8, dynamicGrowthSteps: 2);
            using var p = Param(W0);
            optimizer.Build(new[] { p });
            var w = (double[])W0.Clone();
            double scale = 8;
            // (gradient of the unscaled loss, overflow injected)
            var steps = new (double[] G, bool Overflow)[]
            {
                (Grads[0], false), (Grads[1], true), (Grads[2], false), (Grads[3], false), (Grads[0], false), (Grads[1], true),
            };
            var expectedScale = new[] { 8.0, 4.0, 4.0, 8.0, 8.0, 4.0 };
            var expectedCounter = new[] { 1, 0, 1, 0, 1, 0 };
            long applied = 0;
            for (int t = 0; t < steps.Length; t++)
            {
                var scaled = steps[t].G.Select(g => g * scale).ToArray();
                if (steps[t].Overflow) scaled[1] = t == 1 ? double.PositiveInfinity : double.NaN;
                SetGrad(p, scaled);
                optimizer.Step();
                if (!steps[t].Overflow)
                {
                    for (int i = 0; i < w.Length; i++) w[i] -= lr * steps[t].G[i];
                    applied++;
                }
                scale = expectedScale[t];
                AssertClose(w, Values(p), 1e-6);
                Assert.Equal(expectedScale[t], optimizer.DynamicScale);
                Assert.Equal(expectedCounter[t], optimizer.StepCounter);
                Assert.Equal(applied, optimizer.Iterations);
            }
            Assert.Equal(2, optimizer.SkippedSteps);
        }

        [Fact]
        public void ScalesTheLoss()
        {
            using var optimizer = new LossScaleOptimizer(new SGD(), initialScale: 1024);
            using var loss = TorchSharp.torch.tensor(0.75f);
            Assert.Equal(768f, optimizer.ScaleLoss(loss).item<float>());
            Assert.Equal(32768.0, new LossScaleOptimizer(new SGD()).DynamicScale);
        }

        [Fact]
        public void ConfigRoundTripsAsKerasWritesIt()
        {
            using var optimizer = new LossScaleOptimizer(new Adam(learningRate: 0.002), initialScale: 512, dynamicGrowthSteps: 100);
            var config = optimizer.GetConfig();
            Assert.Equal("loss_scale_optimizer", config["name"]);
            Assert.Equal(512.0, config["initial_scale"]);
            Assert.Equal(100, config["dynamic_growth_steps"]);
            var inner = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(config["inner_optimizer"]);
            Assert.Equal("Adam", inner["class_name"]);

            using var back = Assert.IsType<LossScaleOptimizer>(Optimizer.Deserialize(optimizer.Serialize()));
            Assert.Equal(512.0, back.InitialScale);
            Assert.Equal(100, back.DynamicGrowthSteps);
            Assert.IsType<Adam>(back.InnerOptimizer);
            Assert.Equal(0.002, back.LearningRate, 12);
        }

        [Fact]
        public void RefusesWhatKerasRefuses()
        {
            var tfKeras = new Dictionary<string, object?>
            {
                ["class_name"] = "LossScaleOptimizer",
                ["config"] = new Dictionary<string, object?> { ["inner_optimizer"] = new SGD().Serialize(), ["dynamic"] = false },
            };
            var e = Assert.Throws<ArgumentException>(() => Optimizer.Deserialize(tfKeras));
            Assert.Contains("dynamic=False", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new LossScaleOptimizer(new SGD(), initialScale: 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new LossScaleOptimizer(new SGD(), dynamicGrowthSteps: 0));
            Assert.Throws<ArgumentException>(() => new LossScaleOptimizer(new LossScaleOptimizer(new SGD())));
        }
    }
}
