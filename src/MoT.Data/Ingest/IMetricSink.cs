namespace MoT.Data.Ingest;

/// <summary>Where trainers and grains send metric points; batched and idempotent on (run, name, step).</summary>
public interface IMetricSink
{
    /// <summary>Buffers points for the next batch. Throws <see cref="MetricBufferFullException"/> (and keeps
    /// nothing of this call) when the store has been unreachable long enough for the buffer to fill.</summary>
    ValueTask WriteAsync(IReadOnlyList<MetricPointRecord> points, CancellationToken cancellationToken = default);

    /// <summary>Writes everything buffered so far. Throws <see cref="MetricStoreUnavailableException"/> when the
    /// store cannot be reached (the points stay buffered and are retried), or <see cref="MetricBatchRejectedException"/>
    /// after writing the rest when points name runs that do not exist (set aside until taken, never dropped).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>Writes one batch of points to the store in one transaction (provider-specific bulk path).</summary>
public interface IMetricBatchWriter
{
    Task WriteAsync(IReadOnlyList<MetricPointRecord> batch, CancellationToken cancellationToken);
}

/// <summary>The metric store could not take a batch; nothing was lost, the points remain buffered.</summary>
public sealed class MetricStoreUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A batch named runs that do not exist; its points can never be stored and were set aside, not written.</summary>
public sealed class MetricBatchRejectedException(IReadOnlyCollection<Guid> unknownRuns, int points)
    : Exception($"{points} metric points name {unknownRuns.Count} unknown run(s) " +
                $"({string.Join(", ", unknownRuns.Take(5))}{(unknownRuns.Count > 5 ? ", ..." : "")}) and were not stored.")
{
    public IReadOnlyCollection<Guid> UnknownRuns { get; } = unknownRuns;
    public int Points { get; } = points;
}

/// <summary>The ingestor was disposed while the store was unreachable; <see cref="Points"/> are the ones never written.</summary>
public sealed class MetricsNotWrittenException(string message, Exception inner, IReadOnlyList<MetricPointRecord> points)
    : Exception(message, inner)
{
    public IReadOnlyList<MetricPointRecord> Points { get; } = points;
}

/// <summary>The ingest buffer reached its bound while the store was failing; the rejected points were not taken.</summary>
public sealed class MetricBufferFullException(string message, Exception? lastStoreError)
    : Exception(message, lastStoreError);
