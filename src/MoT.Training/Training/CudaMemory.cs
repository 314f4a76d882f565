using System.Runtime.InteropServices;

namespace MoT.Training.Training;

/// <summary>
/// GPU memory in use, read from the CUDA driver (cuMemGetInfo) because TorchSharp 0.107 exposes no
/// allocator statistics (no torch.cuda.memory_allocated / max_memory_allocated). "In use" is the whole
/// device's total minus free: the caching allocator's reserve plus the CUDA context (and any other
/// process on the same GPU). The allocator keeps what it reserved, so the largest sample over a run is
/// close to its peak reserve. Must be called on a thread where torch has used the device (its context
/// is current there); returns null where that or the driver is missing, never throws.
/// </summary>
internal static class CudaMemory
{
    private static bool _unavailable;

    public static long? DeviceBytesInUse()
    {
        if (_unavailable || !OperatingSystem.IsLinux()) return null;
        try
        {
            return cuMemGetInfo_v2(out var free, out var total) == 0 ? (long)(total - free) : null;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return null;
        }
    }

    [DllImport("libcuda.so.1")]
    private static extern int cuMemGetInfo_v2(out nuint free, out nuint total);
}
