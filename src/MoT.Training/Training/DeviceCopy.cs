using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>Host-to-device copies of input batches without a host sync per step.</summary>
internal static class DeviceCopy
{
    /// <summary>On CUDA: one copy from pinned memory, non-blocking (a pageable copy waits for the GPU
    /// to drain its queue, idling it while the next step is launched). Torch's pinned allocator keeps
    /// the host buffer until the copy has run. On CPU: the tensor itself.</summary>
    public static Tensor ToDevice(Tensor host, Device device)
    {
        if (device.type != DeviceType.CUDA) return host;
        using var pinned = host.pin_memory();
        return pinned.to(device, non_blocking: true);
    }
}
