using Npgsql;
using NpgsqlTypes;

namespace MoT.Data.Ingest;

/// <summary>
/// PostgreSQL bulk path, one transaction per batch: binary COPY into a transaction-scoped temp table, then one
/// INSERT ... ON CONFLICT (run_id, name, step) DO UPDATE into metric_points. With <c>copyDirectFirst</c> the batch is
/// first COPYed straight into metric_points under a savepoint (new points, the usual case, then skip the staging
/// pass and the speculative-insert overhead); a unique violation rolls back to the savepoint and takes the upsert path.
/// </summary>
public sealed class PostgresMetricBatchWriter : IMetricBatchWriter, IAsyncDisposable, IDisposable
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
    private readonly bool _copyDirectFirst;

    public PostgresMetricBatchWriter(string connectionString, bool copyDirectFirst = true)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _copyDirectFirst = copyDirectFirst;
    }

    public async Task WriteAsync(IReadOnlyList<MetricPointRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return;
        try
        {
            await WriteBatchAsync(batch, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
        {
            // After a server restart every idle pooled connection is dead: drop them so the retry dials afresh.
            _dataSource.Clear();
            throw;
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<MetricPointRecord> batch, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var runIds = MetricBatchWriter.RunIds(batch);
        var found = new HashSet<Guid>();
        await using (var lockRuns = new NpgsqlCommand(LockRuns, connection, transaction))
        {
            lockRuns.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", runIds));
            await using var reader = await lockRuns.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetGuid(0));
        }
        MetricBatchWriter.EnsureRunsExist(batch, runIds, found);

        if (_copyDirectFirst)
        {
            await transaction.SaveAsync("direct", cancellationToken);
            try
            {
                await CopyAsync(connection, CopyDirect, batch, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return;
            }
            catch (PostgresException ex) when (ex.SqlState == UniqueViolation)
            {
                await transaction.RollbackAsync("direct", cancellationToken); // a re-send: take the upsert path
            }
        }

        await using (var create = new NpgsqlCommand(CreateStage, connection, transaction))
            await create.ExecuteNonQueryAsync(cancellationToken);
        // One statement may update a row only once: keep the last point per key.
        await CopyAsync(connection, CopyStage, MetricBatchWriter.LastPerKey(batch), cancellationToken);
        await using (var merge = new NpgsqlCommand(Merge, connection, transaction))
            await merge.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
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
