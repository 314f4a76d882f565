using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MoT.Silo.Training.SystemMetrics;

/// <summary>
/// The GPU a run trains on, read through <see cref="NvidiaSmi"/>: utilisation and memory used / total (MiB, the whole
/// device as NVML sees it, so other processes on the same GPU count too). The query runs on the thread pool, never on
/// the training thread: each <see cref="Read"/> returns what the previous query found (one interval old at most) and
/// starts the next, unless one is still running. Problems are logged once per run, a host without nvidia-smi once per process.
/// </summary>
public sealed class GpuMetricsReader(int nvidiaSmiIndex, NvidiaSmi nvidiaSmi, ILogger logger) : ISystemMetricsReader
{
    private static int _missingLogged;
    private readonly CancellationTokenSource _stop = new();
    private Task<NvidiaSmiResult>? _pending;
    private bool _problemLogged;

    /// <summary>nvidia-smi's index of the GPU read.</summary>
    public int Index => nvidiaSmiIndex;

    /// <summary>A reader for a run on <paramref name="device"/> ("cuda", "cuda:N"); null on CPU, without nvidia-smi, or
    /// when CUDA_VISIBLE_DEVICES names devices in a way that does not say which nvidia-smi index the run's GPU has.</summary>
    public static GpuMetricsReader? For(string device, NvidiaSmi nvidiaSmi, ILogger logger)
    {
        if (CudaOrdinal(device) is not { } ordinal) return null;
        if (nvidiaSmi.Executable is null)
        {
            if (Interlocked.Exchange(ref _missingLogged, 1) == 0)
                logger.LogInformation("GPU metrics are not recorded on this host: nvidia-smi is not on the PATH");
            return null;
        }

        var visible = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");
        if (NvidiaSmiIndex(ordinal, visible) is not { } index)
        {
            logger.LogWarning("GPU metrics are not recorded for {Device}: CUDA_VISIBLE_DEVICES={Visible} does not name it by index", device, visible);
            return null;
        }

        return new GpuMetricsReader(index, nvidiaSmi, logger);
    }

    /// <summary>The CUDA ordinal of a trainer device: "cuda" is 0, "cuda:N" is N; null for anything else (CPU).</summary>
    public static int? CudaOrdinal(string device)
    {
        var text = device.Trim();
        if (text.Equals("cuda", StringComparison.OrdinalIgnoreCase)) return 0;
        return text.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(text.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) ? ordinal : null;
    }

    /// <summary>
    /// nvidia-smi's index of CUDA ordinal <paramref name="ordinal"/>: the same without CUDA_VISIBLE_DEVICES, else the
    /// ordinal-th entry of that list; null when the entry is not an index (a UUID or MIG name) or is missing.
    /// (CUDA orders devices fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID; on hosts of one GPU model both orders agree.)
    /// </summary>
    public static int? NvidiaSmiIndex(int ordinal, string? visibleDevices)
    {
        if (string.IsNullOrWhiteSpace(visibleDevices)) return ordinal;
        var entries = visibleDevices.Split(',', StringSplitOptions.TrimEntries);
        return ordinal < entries.Length && int.TryParse(entries[ordinal], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    public IReadOnlyList<SystemMetric> Read()
    {
        IReadOnlyList<SystemMetric> values = [];
        if (_pending is { IsCompleted: true } done)
        {
            _pending = null;
            values = done.IsCompletedSuccessfully ? ToMetrics(done.Result) : Problem(done.Exception?.GetBaseException().Message ?? "stopped");
        }

        if (_pending is null && !_stop.IsCancellationRequested) _pending = Task.Run(() => nvidiaSmi.QueryAsync(_stop.Token));
        return values;
    }

    private IReadOnlyList<SystemMetric> ToMetrics(NvidiaSmiResult result)
    {
        if (result.Answer is not { } answer) return Problem(result.Problem ?? "no answer");
        if (answer.UnreadableLines > 0) Problem($"{answer.UnreadableLines} line(s) of nvidia-smi's answer could not be read");
        if (answer.Gpus.FirstOrDefault(g => g.Index == nvidiaSmiIndex) is not { } gpu)
            return Problem($"nvidia-smi lists no GPU {nvidiaSmiIndex} (it lists {string.Join(", ", answer.Gpus.Select(g => g.Index))})");
        var values = new List<SystemMetric>(3);
        if (gpu.UtilizationPercent is { } utilization) values.Add(new(MetricNames.GpuUtilizationPercent, utilization));
        if (gpu.MemoryUsedMiB is { } used) values.Add(new(MetricNames.GpuMemoryUsedMegabytes, used));
        if (gpu.MemoryTotalMiB is { } total) values.Add(new(MetricNames.GpuMemoryTotalMegabytes, total));
        return values;
    }

    private IReadOnlyList<SystemMetric> Problem(string problem)
    {
        if (!_problemLogged)
        {
            _problemLogged = true;
            logger.LogWarning("GPU {Index} metrics: {Problem} (logged once per run)", nvidiaSmiIndex, problem);
        }

        return [];
    }

    public void Dispose()
    {
        _stop.Cancel();
        // The pending query (if any) ends on the cancellation and kills its child; nothing waits for it here.
        _pending?.ContinueWith(_ => _stop.Dispose(), TaskScheduler.Default);
        if (_pending is null) _stop.Dispose();
    }
}
