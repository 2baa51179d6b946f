using static TorchSharp.torch;

namespace RnnSharp.Utils
{
    /// <summary>Moving tensors to the model's device.</summary>
    internal static class DeviceUtils
    {
        /// <summary><paramref name="tensor"/> itself when it is on <paramref name="device"/>, else a copy there.</summary>
        public static Tensor OnDevice(Tensor tensor, Device device, bool nonBlocking = false)
            => tensor.device_type == device.type && tensor.device_index == device.index ? tensor : tensor.to(device, non_blocking: nonBlocking);
    }
}
