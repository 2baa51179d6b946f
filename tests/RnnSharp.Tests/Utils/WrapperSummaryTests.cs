using System.Collections.Generic;
using RnnSharp.Layers;
using Xunit;

namespace RnnSharp.Tests.Utils
{
    /// <summary>Summary rows of wrappers and cells as Keras prints them, and the expanded (nested) layout.</summary>
    [Collection("Names")]
    public class WrapperSummaryTests
    {
        private static List<string> Capture(Sequential model, bool expandNested = false)
        {
            var lines = new List<string>();
            if (expandNested) model.Summary(expandNested: true, printFn: lines.Add);
            else model.Summary(printFn: lines.Add);
            return lines;
        }

        [Fact]
        public void ClassicRowsOfWrappersCellsAndMasking()
        {
            Backend.ClearSession();
            var model = new Sequential();
            model.Add(new Masking(inputShape: new int?[] { 10, 64 }));
            model.Add(new Bidirectional(new LSTM(64)));
            var lines = Capture(model);
            Assert.Equal("masking (Masking)            (None, 10, 64)            0         ", lines[4]);
            Assert.Equal("bidirectional (Bidirectional (None, 128)               66048     ", lines[6]);
            Assert.Equal("Total params: 66,048", lines[8]);

            var tagger = new Sequential();
            tagger.Add(new RNN(new SimpleRNNCell(3), returnSequences: true, inputShape: new int?[] { 4, 5 }));
            tagger.Add(new TimeDistributed(new Dense(8)));
            lines = Capture(tagger);
            Assert.Equal("rnn (RNN)                    (None, 4, 3)              27        ", lines[4]);
            Assert.Equal("time_distributed (TimeDistri (None, 4, 8)              32        ", lines[6]);
        }

        [Fact]
        public void ExpandNestedKeepsWrappersOnOneRowAsKeras()
        {
            // Keras 2.9-2.11 (and tf-keras up to 2.16) expand only what has `layers`, i.e. nested models: a
            // Bidirectional or TimeDistributed is one row, its inner layers are not listed.
            Backend.ClearSession();
            var model = new Sequential();
            model.Add(new Bidirectional(new LSTM(64, returnSequences: true), inputShape: new int?[] { 10, 64 }));
            model.Add(new TimeDistributed(new Dense(3)));
            Assert.Equal(new[]
            {
                "Model: \"sequential\"",
                "_________________________________________________________________",
                " Layer (type)                Output Shape              Param #   ",
                "=================================================================",
                " bidirectional (Bidirectiona  (None, 10, 128)          66048     ",
                " l)                                                              ",
                "                                                                 ",
                " time_distributed (TimeDistr  (None, 10, 3)            387       ",
                " ibuted)                                                         ",
                "                                                                 ",
                "=================================================================",
                "Total params: 66,435",
                "Trainable params: 66,435",
                "Non-trainable params: 0",
                "_________________________________________________________________",
            }, Capture(model, expandNested: true));
        }
    }
}
