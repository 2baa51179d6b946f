using System;
using System.Runtime.InteropServices;

namespace RnnSharp.Distributed
{
    /// <summary>
    /// The few MPI functions RnnSharp calls, bound to Open MPI's C library (<c>libmpi.so.40</c>, Open MPI 3.x to 5.x).
    /// Open MPI's handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...) are the addresses of the
    /// library's global objects (<c>ompi_mpi_comm_world</c>, ...), read here from its exports. (MPI.NET 1.4.0, the NuGet
    /// package, is compiled against Microsoft MPI, whose handles are integer constants such as <c>0x44000000</c>: passed
    /// to Open MPI they crash it, so it cannot serve here; see docs/distributed.md.)
    /// </summary>
    internal static unsafe class OpenMpi
    {
        public const string LibraryName = "libmpi.so.40";
        public const int ThreadSerialized = 2;
        public const int Success = 0;
        private const int RtldNow = 2;
        private const int RtldGlobal = 0x100;

        private static readonly Lazy<Library> Loaded = new(Load);

        /// <summary>The loaded library's entry points and handles.</summary>
        public static Library Lib => Loaded.Value;

        internal sealed class Library
        {
            public IntPtr CommWorld;
            public IntPtr Float;
            public IntPtr Double;
            public IntPtr Byte;
            public IntPtr Int;
            public IntPtr Sum;
            public IntPtr InPlace = (IntPtr)1; // Open MPI's MPI_IN_PLACE, ((void *) 1)
            public delegate* unmanaged<IntPtr, IntPtr, int, int*, int> InitThread;
            public delegate* unmanaged<int*, int> Initialized;
            public delegate* unmanaged<int*, int> Finalized;
            public delegate* unmanaged<int> FinalizeMpi;
            public delegate* unmanaged<IntPtr, int*, int> CommRank;
            public delegate* unmanaged<IntPtr, int*, int> CommSize;
            public delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce;
            public delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> Bcast;
            public delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> Allgather;
            public delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int*, int*, IntPtr, IntPtr, int> Allgatherv;
            public delegate* unmanaged<IntPtr, int, int> AbortMpi;
        }

        [DllImport("libc.so.6", EntryPoint = "dlopen")]
        private static extern IntPtr DlOpen(string fileName, int flags);

        [DllImport("libc.so.6", EntryPoint = "dlerror")]
        private static extern IntPtr DlError();

        private static Library Load()
        {
            if (!OperatingSystem.IsLinux())
                throw new PlatformNotSupportedException(
                    "RnnSharp.Distributed binds Open MPI's libmpi.so.40 on Linux; on this system run the processes under Linux (or WSL).");
            // RTLD_GLOBAL: Open MPI loads its components (mca_*.so) with dlopen, and they resolve symbols of libmpi and
            // libopen-pal from the global namespace, as mpi4py loads it for the same reason. .NET loads with RTLD_LOCAL.
            IntPtr handle = DlOpen(LibraryName, RtldNow | RtldGlobal);
            if (handle == IntPtr.Zero)
            {
                string detail = Marshal.PtrToStringUTF8(DlError()) ?? "";
                throw new DllNotFoundException(
                    $"Open MPI's {LibraryName} could not be loaded ({detail}). This process was started by an MPI launcher, so RnnSharp.Distributed " +
                    "needs Open MPI's library: on Debian/Ubuntu `apt-get install openmpi-bin libopenmpi-dev`, elsewhere put Open MPI's lib folder on LD_LIBRARY_PATH.");
            }
            IntPtr Export(string name) => NativeLibrary.GetExport(handle, name);
            return new Library
            {
                CommWorld = Export("ompi_mpi_comm_world"),
                Float = Export("ompi_mpi_float"),
                Double = Export("ompi_mpi_double"),
                Byte = Export("ompi_mpi_byte"),
                Int = Export("ompi_mpi_int"),
                Sum = Export("ompi_mpi_op_sum"),
                InitThread = (delegate* unmanaged<IntPtr, IntPtr, int, int*, int>)Export("MPI_Init_thread"),
                Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized"),
                Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized"),
                FinalizeMpi = (delegate* unmanaged<int>)Export("MPI_Finalize"),
                CommRank = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank"),
                CommSize = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size"),
                Allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce"),
                Bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast"),
                Allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Export("MPI_Allgather"),
                Allgatherv = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int*, int*, IntPtr, IntPtr, int>)Export("MPI_Allgatherv"),
                AbortMpi = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort"),
            };
        }

        /// <summary>Raises an error naming the MPI call when it did not return MPI_SUCCESS.</summary>
        public static void Check(int code, string call)
        {
            if (code != Success)
                throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
        }
    }
}
