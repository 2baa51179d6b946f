using System;
using System.IO;
using System.Linq;
using RnnSharp.Data;
using Xunit;
using static RnnSharp.Tests.Data.NumpyFiles;

namespace RnnSharp.Tests.Data
{
    /// <summary>
    /// The float32 .npy writer of RnnSharp's native format, checked against the independent numpy-layout writer of
    /// <see cref="NumpyFiles"/>, and the strict float32 reading of <see cref="NpyReader.ParseFloat32"/>.
    /// </summary>
    public class NpyWriterTests
    {
        [Theory]
        [InlineData(new long[] { 2, 3 }, "(2, 3)")]
        [InlineData(new long[] { 3 }, "(3,)")]
        [InlineData(new long[0], "()")]
        [InlineData(new long[] { 0, 4 }, "(0, 4)")]
        public void WritesWhatNumpySaveWrites(long[] shape, string shapeRepr)
        {
            float[] values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(i => (i * 0.5f) - 1).ToArray();
            byte[] expected = Npy("<f4", false, shapeRepr, values.SelectMany(BitConverter.GetBytes).ToArray());
            Assert.Equal(expected, NpyWriter.EncodeFloat32(shape, values));
        }

        [Fact]
        public void RoundTripsThroughBothReaders()
        {
            float[] values = { 1.5f, -0.25f, float.MaxValue, float.Epsilon, 0f, -3f };
            byte[] file = NpyWriter.EncodeFloat32(new long[] { 3, 2 }, values);

            (long[] shape, float[] read) = NpyReader.ParseFloat32(file, "w.npy");
            Assert.Equal(new long[] { 3, 2 }, shape);
            Assert.Equal(values, read);

            NpyArray array = NpyReader.Read(new MemoryStream(file), "w.npy");
            Assert.Equal(new[] { 3, 2 }, array.Shape);
            Assert.Equal("<f4", array.DType);
            Assert.Equal(values, array.Data);
        }

        [Fact]
        public void Float32ReadingRefusesOtherLayouts()
        {
            float[] two = { 1f, 2f };
            byte[] data = two.SelectMany(BitConverter.GetBytes).ToArray();
            Assert.Equal(
                "w.npy holds dtype '<f8', expected float32 ('<f4').",
                Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(Npy("<f8", false, "(1,)", data), "w.npy")).Message);
            Assert.Equal(
                "w.npy is in Fortran order; expected C order.",
                Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(Npy("<f4", true, "(2, 1)", data), "w.npy")).Message);
            Assert.Equal(
                "w.npy has 8 bytes of data, expected 4 for shape (1,).",
                Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(Npy("<f4", false, "(1,)", data), "w.npy")).Message);
            Assert.Equal(
                "w.npy has 8 bytes of data, expected 12 for shape (3,).",
                Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(Npy("<f4", false, "(3,)", data), "w.npy")).Message);

            // Header-level problems are the general reader's, naming the source and the offset.
            var e = Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(Bytes("PK", Hex("03 04 00 00")), "w.npy"));
            Assert.Contains("w.npy", e.Message);
            Assert.Contains("magic", e.Message);
            byte[] file = NpyWriter.EncodeFloat32(new long[] { 2 }, two);
            Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(file[..40], "w.npy")).Message);

            // An object array is refused by its dtype, before any pickle is read.
            Assert.Contains("'|O'", Assert.Throws<InvalidDataException>(() => NpyReader.ParseFloat32(ObjectNpy("(1,)", Bytes("junk")), "w.npy")).Message);
        }
    }
}
