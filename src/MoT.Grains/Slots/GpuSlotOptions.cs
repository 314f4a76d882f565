using MoT.Contracts.Scheduling;

namespace MoT.Grains.Slots;

/// <summary>Settings of a gpu silo's training slots (configuration section "GpuSlots").</summary>
public sealed class GpuSlotOptions
{
    public const string Section = "GpuSlots";

    /// <summary>How many CPU slots a silo without CUDA devices offers.</summary>
    public int CpuSlots { get; set; } = 1;

    /// <summary>CUDA devices to offer (cuda:0..n-1): unset means every device the trainer detects; 0 means none.</summary>
    public int? CudaDevices { get; set; }

    /// <summary>Where attempts write checkpoints: {OutputRoot}/{runId}/attempt-{n}.</summary>
    public string OutputRoot { get; set; } = Path.Combine(Path.GetTempPath(), "mot-runs");

    /// <summary>Progress without an eval loss is forwarded to the run at most this often (eval points always are).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A run's console gets a progress line (step, loss, tokens/s) at most this often; evals and checkpoints always get one.</summary>
    public TimeSpan ConsoleProgressInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the silo tells the scheduler its slots are alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait before a report (progress, checkpoint, outcome, slot release) the control side did not take is sent again.</summary>
    public TimeSpan ReportRetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between retries of a report while the control side is unreachable (the wait doubles up to it).</summary>
    public TimeSpan ReportRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reports an attempt keeps while the control side is unreachable. Plain progress is coalesced (only the latest
    /// matters), so only eval points and checkpoints accumulate; beyond the bound the oldest eval points are dropped
    /// (their metrics are in the store), never checkpoints. Training goes on regardless.
    /// </summary>
    public int MaxBufferedReports { get; set; } = 10_000;

    /// <summary>A graceful stop preempts every attempt and waits this long for their checkpoints and outcomes to be delivered.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>A training device of this machine.</summary>
public sealed record TrainingDevice(int Index, DeviceKind Kind)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}:{Index}";

    /// <summary>The trainer's device word: "cuda:N" for a GPU; "cpu" for every CPU slot (they share the machine's cores).</summary>
    public string TrainerDevice => Kind == DeviceKind.Cuda ? $"cuda:{Index}" : "cpu";
}

/// <summary>The training devices this silo offers, one slot each.</summary>
public interface IDeviceInventory
{
    IReadOnlyList<TrainingDevice> GetDevices();
}

/// <summary>A machine without CUDA devices: <see cref="GpuSlotOptions.CpuSlots"/> CPU slots.</summary>
public sealed class CpuDeviceInventory(int cpuSlots) : IDeviceInventory
{
    public IReadOnlyList<TrainingDevice> GetDevices() =>
        Enumerable.Range(0, Math.Max(1, cpuSlots)).Select(i => new TrainingDevice(i, DeviceKind.Cpu)).ToArray();
}

/// <summary>
/// One slot per CUDA device (<see cref="GpuSlotOptions.CudaDevices"/>, or as many as <paramref name="detectCudaDevices"/>
/// finds when that is unset), else <see cref="GpuSlotOptions.CpuSlots"/> CPU slots. Detected once: devices do not come and go.
/// </summary>
public sealed class ConfiguredDeviceInventory(GpuSlotOptions options, Func<int>? detectCudaDevices = null) : IDeviceInventory
{
    private readonly Lazy<IReadOnlyList<TrainingDevice>> _devices = new(() =>
    {
        var cuda = options.CudaDevices ?? detectCudaDevices?.Invoke() ?? 0;
        return cuda > 0
            ? Enumerable.Range(0, cuda).Select(i => new TrainingDevice(i, DeviceKind.Cuda)).ToArray()
            : new CpuDeviceInventory(options.CpuSlots).GetDevices();
    });

    public IReadOnlyList<TrainingDevice> GetDevices() => _devices.Value;
}
