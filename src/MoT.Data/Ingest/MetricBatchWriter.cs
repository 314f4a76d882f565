namespace MoT.Data.Ingest;

/// <summary>Picks the bulk path for the configured provider.</summary>
public static class MetricBatchWriter
{
    public static IMetricBatchWriter Create(MotDataOptions options) => options.Provider switch
    {
        DatabaseProvider.PostgreSQL => new PostgresMetricBatchWriter(PostgresSessionDefaults.Apply(options.ConnectionString)),
        DatabaseProvider.Sqlite => new SqliteMetricBatchWriter(options.ConnectionString),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "unknown database provider"),
    };

    /// <summary>The distinct runs of a batch (trainers send long runs of one id: compare to the previous first).</summary>
    internal static Guid[] RunIds(IReadOnlyList<MetricPointRecord> batch)
    {
        var ids = new HashSet<Guid>();
        var previous = Guid.Empty;
        for (var i = 0; i < batch.Count; i++)
        {
            var id = batch[i].RunId;
            if (i > 0 && id == previous) continue;
            ids.Add(id);
            previous = id;
        }
        return [.. ids];
    }

    /// <summary>Throws <see cref="MetricBatchRejectedException"/> when some runs of the batch are missing.</summary>
    internal static void EnsureRunsExist(IReadOnlyList<MetricPointRecord> batch, Guid[] runIds, ICollection<Guid> found)
    {
        if (found.Count == runIds.Length) return;
        var unknown = runIds.Where(id => !found.Contains(id)).ToHashSet();
        throw new MetricBatchRejectedException(unknown, batch.Count(p => unknown.Contains(p.RunId)));
    }

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
