using TorchSharp;
using MoT.Training.Models;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>Turns the config's device and precision words into a torch device and dtype.</summary>
public static class TrainingDevice
{
    /// <summary>"auto" picks CUDA when present, else CPU; "cuda" without a GPU is a clear error.</summary>
    public static Device Resolve(string device)
    {
        var wanted = device.Trim().ToLowerInvariant();
        if (wanted == "auto") return cuda.is_available() ? CUDA : CPU;
        if (wanted == "cpu") return CPU;
        if (wanted.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ModelConfigException("Device", $"'{device}' was requested but CUDA is not available on this machine (use 'cpu' or 'auto')");
            return new Device(wanted);
        }
        throw new ModelConfigException("Device", $"must be auto, cpu, cuda or cuda:N, got '{device}'");
    }

    /// <summary>How many CUDA devices this process can use (0 without a GPU or a CUDA build of libtorch).</summary>
    public static int CudaDeviceCount() => cuda.is_available() ? cuda.device_count() : 0;

    /// <summary>Auto means bf16 on CUDA (the paper's setup) and fp32 on CPU.</summary>
    public static Precision ResolvePrecision(Precision precision, Device device) =>
        precision == Precision.Auto ? (device.type == DeviceType.CUDA ? Precision.Bf16 : Precision.Fp32) : precision;

    /// <summary>H100 SXM dense bf16 peak, the MFU reference for CUDA devices unless a run sets its own.</summary>
    public const double CudaPeakTflops = 989.0;

    /// <summary>Known peak dense bf16 TFLOP/s for the MFU estimate (none for CPUs).</summary>
    public static double? PeakTflops(TrainingConfig config, Device device) =>
        config.PeakTflops ?? (device.type == DeviceType.CUDA ? CudaPeakTflops : null);
}
