namespace MoT.Data.Ingest;

/// <summary>Picks the bulk path for the configured provider.</summary>
public static class MetricBatchWriter
{
    public static IMetricBatchWriter Create(MotDataOptions options) => options.Provider switch
    {
        DatabaseProvider.PostgreSQL => new PostgresMetricBatchWriter(options.ConnectionString),
        DatabaseProvider.Sqlite => new SqliteMetricBatchWriter(options.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown database provider"),
    };

    /// <summary>Keeps the last point per (run, name, step): one upsert statement may touch a row only once.</summary>
    internal static IReadOnlyList<MetricPointRecord> LastPerKey(IReadOnlyList<MetricPointRecord> batch)
    {
        var seen = new HashSet<(Guid, string, long)>(batch.Count);
        var duplicates = false;
        for (var i = batch.Count - 1; i >= 0; i--)
        {
            var p = batch[i];
            if (!seen.Add((p.RunId, p.Name, p.Step))) { duplicates = true; break; }
        }
        if (!duplicates) return batch;

        seen.Clear();
        var kept = new List<MetricPointRecord>(batch.Count);
        for (var i = batch.Count - 1; i >= 0; i--)
        {
            var p = batch[i];
            if (seen.Add((p.RunId, p.Name, p.Step))) kept.Add(p);
        }
        kept.Reverse();
        return kept;
    }
}
