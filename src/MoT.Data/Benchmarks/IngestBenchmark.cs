using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Data.Ingest;

namespace MoT.Data.Benchmarks;

/// <summary>Outcome of one ingest benchmark; <see cref="PointsPerSecond"/> counts points that reached the table.</summary>
public sealed record IngestBenchmarkResult(
    DatabaseProvider Provider,
    int Points,
    int BatchSize,
    int Writers,
    TimeSpan Elapsed,
    double PointsPerSecond,
    long RowsWritten,
    double ResendFraction = 0);

/// <summary>
/// Measures metric ingest through <see cref="MetricIngestor"/> (the production path): <c>writers</c> concurrent
/// ingestors, each for its own run, send <c>points</c> in total as a trainer would (a few metric names, increasing
/// steps), then flush. With a re-send fraction every batch after a writer's first starts with that share of the batch
/// before it again (same keys and values, as a writer retrying a batch whose acknowledgement it lost), so the rate of
/// stored points includes the cost of keeping re-sends idempotent. Creates its own user and runs and deletes them
/// afterwards. Prints nothing.
/// </summary>
public sealed class IngestBenchmark
{
    private static readonly string[] MetricNames = ["train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s"];

    public async Task<IngestBenchmarkResult> RunAsync(MotDataOptions options, int points, int batchSize = 50_000,
        int writers = 1, double resendFraction = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resendFraction, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(resendFraction, 1);
        var resend = (int)(resendFraction * batchSize);
        await using var services = new ServiceCollection().AddMotData(options).BuildServiceProvider();
        await MotDatabase.MigrateAsync(services, cancellationToken);
        var contexts = services.GetRequiredService<IDbContextFactory<MotDbContext>>();

        var user = $"bench-{Guid.NewGuid():N}"[..30];
        var runIds = Enumerable.Range(0, writers).Select(_ => Guid.NewGuid()).ToArray();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Users.Add(new User { Id = user, CreatedAt = DateTime.UtcNow });
            foreach (var id in runIds)
                db.Runs.Add(new Run
                {
                    Id = id, OwnerId = user, ConfigJson = "{}", ModelFamily = "Benchmark", EvalSetId = "bench",
                    TokenizerId = "bench", CreatedAt = DateTime.UtcNow, Name = "ingest benchmark",
                });
            await db.SaveChangesAsync(cancellationToken);
        }

        try
        {
            // Points are generated before the clock starts: the benchmark measures the store, not the generator.
            var perWriter = Enumerable.Range(0, writers).Select(w => Generate(runIds[w], points / writers + (w < points % writers ? 1 : 0))).ToArray();
            var ingestOptions = MetricIngestorOptions.Default with
            {
                BatchSize = batchSize,
                MaxBufferedPoints = Math.Max(points, batchSize) + resend,
                FlushInterval = TimeSpan.FromMinutes(10),
            };
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(perWriter.Select(batch => Task.Run(async () =>
            {
                await using var ingestor = MetricIngestor.Create(options, ingestOptions);
                for (var offset = 0; offset < batch.Length; offset += batchSize)
                {
                    var from = Math.Max(0, offset - resend);
                    await ingestor.WriteAsync(new ArraySegment<MetricPointRecord>(batch, from,
                        Math.Min(offset + batchSize, batch.Length) - from), cancellationToken);
                    await ingestor.FlushAsync(cancellationToken);
                }
            }, cancellationToken)));
            stopwatch.Stop();

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var rows = await db.MetricPoints.LongCountAsync(m => runIds.Contains(m.RunId), cancellationToken);
            return new IngestBenchmarkResult(options.Provider, points, batchSize, writers, stopwatch.Elapsed,
                rows / stopwatch.Elapsed.TotalSeconds, rows, resendFraction);
        }
        finally
        {
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            await db.MetricPoints.Where(m => runIds.Contains(m.RunId)).ExecuteDeleteAsync(CancellationToken.None);
            await db.Runs.Where(r => runIds.Contains(r.Id)).ExecuteDeleteAsync(CancellationToken.None);
            await db.Users.Where(u => u.Id == user).ExecuteDeleteAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The physical ceiling for <see cref="RunAsync"/> on PostgreSQL: the same points, in the same batches and with the same
    /// binary COPY encoding, into a table with metric_points' columns and no index or key (so nothing is checked or merged),
    /// one transaction per batch. Creates the table and drops it afterwards.
    /// </summary>
    public async Task<IngestBenchmarkResult> RunCopyCeilingAsync(MotDataOptions options, int points, int batchSize = 50_000,
        CancellationToken cancellationToken = default)
    {
        if (options.Provider != DatabaseProvider.PostgreSQL)
            throw new ArgumentException("the COPY ceiling is measured on PostgreSQL only", nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        await using var services = new ServiceCollection().AddMotData(options).BuildServiceProvider();
        await MotDatabase.MigrateAsync(services, cancellationToken);
        var table = $"{MotDbContext.PostgresSchema}.metric_points_ceiling_{Guid.NewGuid():N}";
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(options.ConnectionString);
        await using (var create = dataSource.CreateCommand($"CREATE TABLE {table} (LIKE {MotDbContext.PostgresSchema}.metric_points)"))
            await create.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            var batch = Generate(Guid.NewGuid(), points);
            var copy = $"COPY {table} (run_id, name, step, value, wall_time) FROM STDIN (FORMAT BINARY)";
            var stopwatch = Stopwatch.StartNew();
            for (var offset = 0; offset < batch.Length; offset += batchSize)
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await PostgresMetricBatchWriter.CopyAsync(connection, copy,
                    new ArraySegment<MetricPointRecord>(batch, offset, Math.Min(batchSize, batch.Length - offset)), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            stopwatch.Stop();
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {table}");
            var rows = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
            return new IngestBenchmarkResult(options.Provider, points, batchSize, 1, stopwatch.Elapsed, rows / stopwatch.Elapsed.TotalSeconds, rows);
        }
        finally
        {
            await using var drop = dataSource.CreateCommand($"DROP TABLE IF EXISTS {table}");
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static MetricPointRecord[] Generate(Guid runId, int count)
    {
        var start = DateTime.UtcNow;
        var points = new MetricPointRecord[count];
        for (var i = 0; i < count; i++)
        {
            var step = i / MetricNames.Length;
            points[i] = new MetricPointRecord(runId, MetricNames[i % MetricNames.Length], step,
                4.0 / Math.Sqrt(step + 1), start.AddMilliseconds(step));
        }
        return points;
    }
}
