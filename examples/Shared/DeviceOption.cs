using System;
using System.Linq;
using RnnSharp;

/// <summary>The examples' <c>--device cpu|cuda</c> option.</summary>
internal static class DeviceOption
{
    /// <summary>
    /// Removes <c>--device NAME</c> from <paramref name="args"/> and returns NAME (<c>"cpu"</c> when absent). Asking for
    /// CUDA where it is not available ends the program with exit code 2 and RnnSharp's message, before any training.
    /// </summary>
    public static string Take(ref string[] args)
    {
        int at = Array.IndexOf(args, "--device");
        if (at < 0) return "cpu";
        if (at + 1 >= args.Length) Fail("--device needs a value: cpu or cuda (cuda:N).");
        string device = args[at + 1].Trim().ToLowerInvariant();
        args = args.Take(at).Concat(args.Skip(at + 2)).ToArray();
        if (device != "cpu" && !device.StartsWith("cuda", StringComparison.Ordinal)) Fail($"--device {device}: use cpu or cuda (cuda:N).");
        try
        {
            Backend.Device(device);
        }
        catch (InvalidOperationException e)
        {
            Fail($"--device {device}: {e.Message}");
        }
        return device;
    }

    private static void Fail(string message)
    {
        Console.Error.WriteLine(message);
        Environment.Exit(2);
    }
}
