using Microsoft.Extensions.Logging;
using MoT.Contracts.Training;

namespace MoT.Silo.Training.SystemMetrics;

/// <summary>
/// Samples a run's system metrics at most once per interval from its readers (the host process always, the run's GPU
/// when it trains on CUDA). Called on the training thread at train steps; the first call sets the readers' baselines.
/// Not thread-safe: one per training attempt.
/// </summary>
public sealed class SystemMetricsSampler(TimeSpan interval, Func<DateTime> clock, IReadOnlyList<ISystemMetricsReader> readers) : IDisposable
{
    private DateTime? _last;

    /// <summary>The readers a run gets: its process, and its GPU through nvidia-smi when <see cref="TrainingRequest.Device"/> is CUDA.</summary>
    public static SystemMetricsSampler For(TrainingRequest request, TimeSpan interval, ILogger logger, NvidiaSmi? nvidiaSmi = null)
    {
        List<ISystemMetricsReader> readers = [ProcessMetricsReader.ForCurrentProcess()];
        // nvidia-smi is looked for on PATH only for a CUDA device (a CPU run reads no GPU).
        if (GpuMetricsReader.CudaOrdinal(request.Device) is not null
            && GpuMetricsReader.For(request.Device, nvidiaSmi ?? NvidiaSmi.OnPath(), logger) is { } gpu) readers.Add(gpu);
        return new SystemMetricsSampler(interval, () => DateTime.UtcNow, readers);
    }

    /// <summary>Every reader's values when the interval has passed since the last sample; null before that and on the first call.</summary>
    public IReadOnlyList<SystemMetric>? TrySample()
    {
        var now = clock();
        if (_last is { } last && (now - last < interval || now <= last)) return null;
        var first = _last is null;
        _last = now;
        var values = readers.SelectMany(r => r.Read()).ToList();
        return first ? null : values;
    }

    public void Dispose()
    {
        foreach (var reader in readers) reader.Dispose();
    }
}
