using System;
using System.IO;

namespace RnnSharp.Distributed.Tests.Support
{
    /// <summary>A temporary directory removed on dispose.</summary>
    internal sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnnsharp-mpi-tests-" + Guid.NewGuid().ToString("N")));

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
