using System.Diagnostics;

namespace MoT.Silo.Training.SystemMetrics;

/// <summary>One reading of the training process: CPU time used so far, resident memory, and when it was read.</summary>
public readonly record struct ProcessReading(TimeSpan CpuTime, long ResidentBytes, DateTime At);

/// <summary>
/// The process that trains a run: CPU use since the previous read (percent of one core, as <c>top</c> shows it) and
/// resident memory in MiB. The process is the silo's: runs on other slots of the same silo share it, and the names say
/// so (<see cref="MetricNames.ProcessCpuPercent"/>). Not thread-safe: one per training attempt, read from its thread.
/// </summary>
public sealed class ProcessMetricsReader(Func<ProcessReading> read) : ISystemMetricsReader
{
    private ProcessReading? _previous;

    /// <summary>The current process, read through <see cref="Process"/>.</summary>
    public static ProcessMetricsReader ForCurrentProcess() => new(() =>
    {
        using var process = Process.GetCurrentProcess();
        return new ProcessReading(process.TotalProcessorTime, process.WorkingSet64, DateTime.UtcNow);
    });

    /// <summary>Nothing on the first call (it sets the baseline CPU time), then CPU percent and resident MiB.</summary>
    public IReadOnlyList<SystemMetric> Read()
    {
        var now = read();
        var before = _previous;
        _previous = now;
        if (before is not { } previous) return [];
        var wall = now.At - previous.At;
        if (wall <= TimeSpan.Zero) return [];
        var cpu = Math.Max(0, (now.CpuTime - previous.CpuTime).TotalSeconds) / wall.TotalSeconds * 100;
        return [new(MetricNames.ProcessCpuPercent, cpu), new(MetricNames.ProcessResidentMegabytes, now.ResidentBytes / (1024.0 * 1024.0))];
    }

    public void Dispose() { }
}
