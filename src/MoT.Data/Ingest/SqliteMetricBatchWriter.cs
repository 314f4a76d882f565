using Microsoft.Data.Sqlite;

namespace MoT.Data.Ingest;

/// <summary>SQLite bulk path: one IMMEDIATE transaction per batch, one prepared upsert statement re-bound per point.</summary>
public sealed class SqliteMetricBatchWriter(string connectionString) : IMetricBatchWriter, IFaultInjectable
{
    private const string Upsert =
        "INSERT INTO metric_points (run_id, name, step, value, wall_time) VALUES ($run, $name, $step, $value, $time) " +
        "ON CONFLICT (run_id, name, step) DO UPDATE SET value = excluded.value, wall_time = excluded.wall_time";

    private readonly string _connectionString = new SqliteConnectionStringBuilder(connectionString)
    {
        Mode = SqliteOpenMode.ReadWrite, // a missing database is an outage, not a new empty file
        DefaultTimeout = 30,             // busy timeout while another writer holds the lock
    }.ToString();

    Func<IngestStage, Task>? IFaultInjectable.FaultInjection { get; set; }

    public async Task WriteAsync(IReadOnlyList<MetricPointRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }

        // deferred: false -> BEGIN IMMEDIATE, so concurrent writers queue on the busy timeout instead of deadlocking.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(
            System.Data.IsolationLevel.Serializable, cancellationToken);
        // The write lock taken by BEGIN IMMEDIATE keeps the runs from being deleted until commit.
        var runIds = MetricBatchWriter.RunIds(batch);
        var found = new HashSet<Guid>();
        await using (var lookup = connection.CreateCommand())
        {
            lookup.Transaction = transaction;
            lookup.CommandText = "SELECT id FROM runs WHERE id IN (" +
                string.Join(", ", runIds.Select((_, i) => "$id" + i)) + ")";
            for (var i = 0; i < runIds.Length; i++)
                lookup.Parameters.AddWithValue("$id" + i, runIds[i].ToString().ToUpperInvariant());
            await using var reader = await lookup.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found.Add(Guid.Parse(reader.GetString(0)));
        }
        MetricBatchWriter.EnsureRunsExist(batch, runIds, found);

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Upsert;
        var run = command.Parameters.Add("$run", SqliteType.Text);
        var name = command.Parameters.Add("$name", SqliteType.Text);
        var step = command.Parameters.Add("$step", SqliteType.Integer);
        var value = command.Parameters.Add("$value", SqliteType.Real);
        var time = command.Parameters.Add("$time", SqliteType.Text);
        command.Prepare();

        string? lastRunId = null;
        var lastRun = Guid.Empty;
        foreach (var point in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (lastRunId is null || point.RunId != lastRun)
            {
                lastRun = point.RunId;
                lastRunId = point.RunId.ToString().ToUpperInvariant(); // EF's SQLite Guid representation
            }
            run.Value = lastRunId;
            name.Value = point.Name;
            step.Value = point.Step;
            value.Value = double.IsNaN(point.Value) ? DBNull.Value : point.Value; // SQLite would store NaN as NULL anyway
            time.Value = point.WallTime.Kind == DateTimeKind.Local ? point.WallTime.ToUniversalTime() : point.WallTime;
            command.ExecuteNonQuery(); // SQLite is in-process: the async variant would only add overhead
        }
        await this.FaultAsync(IngestStage.Copied);
        await transaction.CommitAsync(cancellationToken);
        await this.FaultAsync(IngestStage.Committed);
    }

}
