using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace RnnSharp.Data
{
    /// <summary>
    /// Writes NumPy's <c>.npy</c> format (version 1.0) for little-endian float32 arrays in C order, byte for byte as
    /// <c>numpy.save</c> writes them, so that files written by RnnSharp (the weights of its native format) open with
    /// <c>numpy.load</c>. <see cref="NpyReader"/> reads them back.
    /// </summary>
    internal static class NpyWriter
    {
        private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

        /// <summary>Encodes a float32 array of <paramref name="shape"/> whose elements are in C order.</summary>
        /// <param name="shape">The dimensions; empty for a zero-dimensional array.</param>
        /// <param name="values">The elements, as many as the product of <paramref name="shape"/>.</param>
        /// <returns>The whole .npy file.</returns>
        public static byte[] EncodeFloat32(IReadOnlyList<long> shape, float[] values)
        {
            string dims = shape.Count == 1
                ? shape[0].ToString(CultureInfo.InvariantCulture) + ","
                : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";

            // NumPy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
            int unpadded = Magic.Length + 2 + 2 + header.Length + 1;
            header += new string(' ', (64 - (unpadded % 64)) % 64) + "\n";
            var result = new byte[Magic.Length + 4 + header.Length + (values.Length * 4L)];
            Magic.CopyTo(result, 0);
            result[6] = 1;
            result[7] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), checked((ushort)header.Length));
            Encoding.ASCII.GetBytes(header, result.AsSpan(10));
            Span<byte> data = result.AsSpan(10 + header.Length);
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(data);
            }
            else
            {
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], values[i]);
                }
            }

            return result;
        }
    }
}
