namespace MoT.Data.Ingest;

/// <summary>Batching and retry settings of <see cref="MetricIngestor"/>.</summary>
public sealed record MetricIngestorOptions
{
    public static readonly MetricIngestorOptions Default = new();

    /// <summary>Points per database transaction.</summary>
    public int BatchSize { get; init; } = 20_000;
    /// <summary>Points held in memory while the store is down; beyond it writes are refused loudly.</summary>
    public int MaxBufferedPoints { get; init; } = 2_000_000;
    /// <summary>A partial batch is written after this long even if it never fills.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);
}
