namespace MoT.Silo.Training.SystemMetrics;

/// <summary>One value of a system metric (a <see cref="MetricNames"/> name) read at a sample.</summary>
public readonly record struct SystemMetric(string Name, double Value);

/// <summary>
/// One source of a run's system metrics (its host process, its GPU). <see cref="SystemMetricsSampler"/> calls
/// <see cref="Read"/> from the training thread once per interval, the first call setting a baseline; a reader must return
/// at once (anything slow runs elsewhere) and never throw for what the host lacks.
/// </summary>
public interface ISystemMetricsReader : IDisposable
{
    /// <summary>The values to record now; empty when there are none (the baseline call, no device, a failed read).</summary>
    IReadOnlyList<SystemMetric> Read();
}
