using Npgsql;

namespace MoT.Data.Ingest;

/// <summary>
/// A writer's high-water marks: per (run, metric name), the highest step it knows the store holds. Points above the
/// mark are new and take the plain bulk path; points at or below it are re-sends (a retried batch, a run resumed from a
/// checkpoint) and take the merge. A mark is only a hint: the (run, name, step) key still guards every write, so a
/// stale mark costs speed, never correctness (a new point below a mark is merged in; a stored point above one makes the
/// bulk path fail its key check and the batch is merged instead).
/// </summary>
internal sealed class StoredStepMarks
{
    /// <summary>Marks kept before the table starts afresh (a silo sees runs come and go; marks are cheap to reload).</summary>
    internal const int MaxMarks = 200_000;

    private readonly object _gate = new();
    private readonly Dictionary<(Guid Run, string Name), long> _marks = [];
    private readonly HashSet<Guid> _loadedRuns = [];

    /// <summary>The runs of <paramref name="runIds"/> whose marks were never read from the store.</summary>
    public Guid[] Unloaded(Guid[] runIds)
    {
        lock (_gate) return [.. runIds.Where(id => !_loadedRuns.Contains(id))];
    }

    /// <summary>Reads the stored high-water marks of <paramref name="runIds"/> (one grouped read of the key index).</summary>
    public async Task LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, Guid[] runIds,
        CancellationToken cancellationToken)
    {
        if (runIds.Length == 0) return;
        var read = new List<((Guid, string), long)>();
        await using (var command = new NpgsqlCommand(
            $"SELECT run_id, name, max(step) FROM {table} WHERE run_id = ANY(@ids) GROUP BY run_id, name", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", runIds));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                read.Add(((reader.GetGuid(0), reader.GetString(1)), reader.GetInt64(2)));
        }
        lock (_gate)
        {
            if (_marks.Count + read.Count > MaxMarks) Clear();
            foreach (var (key, step) in read) _marks[key] = step;
            _loadedRuns.UnionWith(runIds);
        }
    }

    /// <summary>Splits a batch into points above their mark (new) and the rest (possibly stored: to be merged).</summary>
    public (List<MetricPointRecord> New, List<MetricPointRecord> Resent) Split(IReadOnlyList<MetricPointRecord> batch)
    {
        var fresh = new List<MetricPointRecord>(batch.Count);
        var resent = new List<MetricPointRecord>();
        lock (_gate)
        {
            foreach (var point in batch)
            {
                if (_marks.TryGetValue((point.RunId, point.Name), out var mark) && point.Step <= mark) resent.Add(point);
                else fresh.Add(point);
            }
        }
        return (fresh, resent);
    }

    /// <summary>After a commit: every point of the batch is stored, so each mark rises to the batch's highest step.</summary>
    public void Advance(IReadOnlyList<MetricPointRecord> batch)
    {
        lock (_gate)
        {
            foreach (var point in batch)
            {
                var key = (point.RunId, point.Name);
                if (!_marks.TryGetValue(key, out var mark) || point.Step > mark) _marks[key] = point.Step;
            }
        }
    }

    /// <summary>After a failure, what was committed is unknown: the runs' marks are read again before their next batch.</summary>
    public void Forget(Guid[] runIds)
    {
        lock (_gate)
        {
            var ids = runIds.ToHashSet();
            foreach (var key in _marks.Keys.Where(k => ids.Contains(k.Run)).ToList()) _marks.Remove(key);
            _loadedRuns.ExceptWith(ids);
        }
    }

    private void Clear()
    {
        _marks.Clear();
        _loadedRuns.Clear();
    }
}
