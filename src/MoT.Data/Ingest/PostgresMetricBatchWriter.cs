using Npgsql;
using NpgsqlTypes;

namespace MoT.Data.Ingest;

/// <summary>
/// PostgreSQL bulk path, one transaction per batch. The writer keeps a high-water mark per (run, metric name)
/// (<see cref="StoredStepMarks"/>): points above it are new and are binary-COPYed straight into metric_points under a
/// savepoint; points at or below it (re-sends) are COPYed into a transaction-scoped temp table and merged by one
/// INSERT ... SELECT ... ON CONFLICT (run_id, name, step) DO UPDATE, so a re-sent point is stored once and its latest
/// value wins. If the COPY meets a stored key after all (another writer, or a commit whose acknowledgement was lost),
/// the savepoint is rolled back and the whole batch takes the merge.
/// </summary>
public sealed class PostgresMetricBatchWriter : IMetricBatchWriter, IFaultInjectable, IAsyncDisposable, IDisposable
{
    private const string Table = MotDbContext.PostgresSchema + ".metric_points";
    private const string UniqueViolation = "23505";

    private const string CreateStage =
        "CREATE TEMP TABLE metric_stage (run_id uuid NOT NULL, name text NOT NULL, step bigint NOT NULL, " +
        "value double precision, wall_time timestamptz NOT NULL) ON COMMIT DROP";

    private const string CopyStage =
        "COPY metric_stage (run_id, name, step, value, wall_time) FROM STDIN (FORMAT BINARY)";

    private const string CopyDirect =
        $"COPY {Table} (run_id, name, step, value, wall_time) FROM STDIN (FORMAT BINARY)";

    // FOR KEY SHARE: what the per-row foreign-key check would take, taken once per batch.
    private const string LockRuns =
        $"SELECT id FROM {MotDbContext.PostgresSchema}.runs WHERE id = ANY(@ids) FOR KEY SHARE";

    private const string Merge =
        $"INSERT INTO {Table} (run_id, name, step, value, wall_time) " +
        "SELECT run_id, name, step, value, wall_time FROM metric_stage " +
        "ON CONFLICT (run_id, name, step) DO UPDATE SET value = EXCLUDED.value, wall_time = EXCLUDED.wall_time";

    private readonly NpgsqlDataSource _dataSource;
    private readonly StoredStepMarks _marks = new();

    public PostgresMetricBatchWriter(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    Func<IngestStage, Task>? IFaultInjectable.FaultInjection { get; set; }

    public async Task WriteAsync(IReadOnlyList<MetricPointRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        var runIds = MetricBatchWriter.RunIds(batch);
        try
        {
            await WriteBatchAsync(batch, runIds, cancellationToken);
        }
        catch (Exception ex)
        {
            _marks.Forget(runIds); // committed or not is unknown: read the marks again next time
            // After a server restart every idle pooled connection is dead: drop them so the retry dials afresh.
            if (ex is NpgsqlException or IOException or TimeoutException) _dataSource.Clear();
            throw;
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<MetricPointRecord> batch, Guid[] runIds, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = new HashSet<Guid>();
        await using (var lockRuns = new NpgsqlCommand(LockRuns, connection, transaction))
        {
            lockRuns.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", runIds));
            await using var reader = await lockRuns.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetGuid(0));
        }
        MetricBatchWriter.EnsureRunsExist(batch, runIds, found);
        await _marks.LoadAsync(connection, transaction, Table, _marks.Unloaded(runIds), cancellationToken);

        var (fresh, resent) = _marks.Split(batch);
        if (fresh.Count > 0)
        {
            await transaction.SaveAsync("direct", cancellationToken);
            try
            {
                await CopyAsync(connection, CopyDirect, fresh, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
            {
                await transaction.RollbackAsync("direct", cancellationToken); // stored after all: merge the whole batch
                resent = [.. batch];
            }
        }
        if (resent.Count > 0)
        {
            await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
                await create.ExecuteNonQueryAsync(cancellationToken);
            // One statement may update a row only once: keep the last point per key.
            await CopyAsync(connection, CopyStage, MetricBatchWriter.LastPerKey(resent), cancellationToken);
            await this.FaultAsync(IngestStage.Copied);
            await using var merge = new NpgsqlCommand(Merge, connection, transaction);
            await merge.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            await this.FaultAsync(IngestStage.Copied);
        }
        await transaction.CommitAsync(cancellationToken);
        _marks.Advance(batch);
        await this.FaultAsync(IngestStage.Committed);
    }

    internal static async Task CopyAsync(NpgsqlConnection connection, string copy, IReadOnlyList<MetricPointRecord> batch,
        CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(copy, cancellationToken);
        foreach (var point in batch)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(point.RunId, NpgsqlDbType.Uuid, cancellationToken);
            await importer.WriteAsync(point.Name, NpgsqlDbType.Text, cancellationToken);
            await importer.WriteAsync(point.Step, NpgsqlDbType.Bigint, cancellationToken);
            await importer.WriteAsync(point.Value, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(AsUtc(point.WallTime), NpgsqlDbType.TimestampTz, cancellationToken);
        }
        await importer.CompleteAsync(cancellationToken);
    }

    private static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();
}
