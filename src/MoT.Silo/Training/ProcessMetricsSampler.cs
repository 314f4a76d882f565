using System.Diagnostics;

namespace MoT.Silo.Training;

/// <summary>One reading of the training process: CPU time used so far, resident memory, and when it was read.</summary>
public readonly record struct ProcessReading(TimeSpan CpuTime, long ResidentBytes, DateTime At);

/// <summary>CPU use since the previous sample (percent of one core, as <c>top</c> shows it) and resident memory.</summary>
public readonly record struct ProcessSample(double CpuPercent, double ResidentMegabytes);

/// <summary>
/// Samples the process that trains a run at most once per interval, so a run's metrics show what its host process
/// costs. The process is the silo's: runs on other slots of the same silo share it, and the numbers say so by name
/// (<see cref="MetricNames.ProcessCpuPercent"/>). Not thread-safe: one per training attempt, called from its thread.
/// </summary>
public sealed class ProcessMetricsSampler(TimeSpan interval, Func<ProcessReading> read)
{
    private ProcessReading? _previous;

    /// <summary>The current process, read through <see cref="Process"/>.</summary>
    public static ProcessMetricsSampler ForCurrentProcess(TimeSpan interval) => new(interval, () =>
    {
        using var process = Process.GetCurrentProcess();
        return new ProcessReading(process.TotalProcessorTime, process.WorkingSet64, DateTime.UtcNow);
    });

    /// <summary>A sample when the interval has passed since the last one; null before that (and on the first call, which sets the baseline).</summary>
    public ProcessSample? TrySample()
    {
        var now = read();
        if (_previous is not { } before)
        {
            _previous = now;
            return null;
        }

        var wall = now.At - before.At;
        if (wall < interval || wall <= TimeSpan.Zero) return null;
        _previous = now;
        var cpu = Math.Max(0, (now.CpuTime - before.CpuTime).TotalSeconds) / wall.TotalSeconds * 100;
        return new ProcessSample(cpu, now.ResidentBytes / (1024.0 * 1024.0));
    }
}
