using System;
using System.Collections.Generic;
using System.Linq;
using RnnSharp.Layers;
using RnnSharp.Saving;
using Xunit;
using static TorchSharp.torch;

namespace RnnSharp.Tests.Layers.Core
{
    /// <summary>The Activation layer: values against Math, any input rank, the mask passed through (a masked LSTM after
    /// it reads a right-padded batch as the unpadded sequences), Keras's config and errors.</summary>
    public class ActivationLayerTests
    {
        [Fact]
        public void AppliesTheNamedFunction()
        {
            var values = new[] { -2.0, -0.5, 0, 0.25, 3 };
            var x = TestTensors.From(values);
            var cases = new (string Name, Func<double, double> F)[]
            {
                ("relu", v => Math.Max(v, 0)),
                ("tanh", Math.Tanh),
                ("sigmoid", v => 1 / (1 + Math.Exp(-v))),
                ("linear", v => v),
                ("softplus", v => Math.Log(1 + Math.Exp(v))),
                ("elu", v => v > 0 ? v : Math.Exp(v) - 1),
            };
            foreach (var (name, f) in cases)
            {
                var layer = new Activation(name);
                TestTensors.AssertClose(values.Select(f).ToArray(), layer.Call(x.reshape(1, 5)).Output, 1e-6, name);
                Assert.Equal(name, layer.Function.Name);
            }
            // Any rank; the shape is kept.
            var four = randn(2, 3, 4, 5);
            Assert.Equal(four.shape, new Activation("relu").Call(four).Output.shape);
            Assert.Equal(new int?[] { null, 3, 4, 5 }, new Activation("relu").ComputeOutputShape(new int?[] { null, 3, 4, 5 }));
            Assert.StartsWith("activation", new Activation("relu").Name);
            Assert.Throws<ArgumentException>(() => new Activation("nope"));
        }

        [Fact]
        public void PassesTheMaskThrough()
        {
            var layer = new Activation("tanh");
            Assert.True(layer.SupportsMasking);
            var mask = tensor(new[] { true, false, true }, new long[] { 1, 3 });
            Assert.Same(mask, layer.ComputeMask(zeros(1, 3, 2), mask));

            // Embedding(mask_zero) → Activation → LSTM: the LSTM skips the padding only if the mask came through.
            Backend.SetRandomSeed(4);
            var model = new Sequential(new Layer[] { new Embedding(10, 3, maskZero: true), new Activation("tanh"), new LSTM(2) });
            var padded = model.Call(tensor(new long[] { 4, 5, 0, 0 }, new long[] { 1, 4 }));
            var alone = model.Call(tensor(new long[] { 4, 5 }, new long[] { 1, 2 }));
            Assert.True(padded.allclose(alone, rtol: 0, atol: 1e-6));
            var unmasked = new Sequential(new Layer[] { new Embedding(10, 3), new Activation("tanh"), new LSTM(2) });
            unmasked.SetWeights(model.GetWeights());
            Assert.False(unmasked.Call(tensor(new long[] { 4, 5, 0, 0 }, new long[] { 1, 4 })).allclose(alone, rtol: 0, atol: 1e-4));
        }

        [Fact]
        public void ConfigRoundTrips()
        {
            var layer = new Activation("softmax", inputShape: new int?[] { 4 }, name: "act");
            var config = layer.GetConfig();
            Assert.Equal("softmax", config["activation"]);
            string json = ConfigJson.Serialize(config);
            var rebuilt = Assert.IsType<Activation>(LayerRegistry.Deserialize("Activation", (IReadOnlyDictionary<string, object?>)ConfigJson.Parse(json)!));
            Assert.Equal(json, ConfigJson.Serialize(rebuilt.GetConfig()));
            Assert.Equal(("act", "softmax"), (rebuilt.Name, rebuilt.Function.Name));
            Assert.Throws<ArgumentException>(() => LayerRegistry.Deserialize("Activation", new Dictionary<string, object?> { ["name"] = "a" }));
        }
    }
}
