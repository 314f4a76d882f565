using Microsoft.EntityFrameworkCore;
using MoT.Data.Benchmarks;
using MoT.Data.Ingest;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

public abstract class IngestTests(DatabaseTarget target) : DataTestBase(target)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private MetricIngestor NewIngestor(int batchSize = 1000, int maxBuffered = 100_000) => MetricIngestor.Create(
        Database,
        MetricIngestorOptions.Default with
        {
            BatchSize = batchSize,
            MaxBufferedPoints = maxBuffered,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            InitialRetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(400),
        });

    private static MetricPointRecord[] Points(Guid run, int count, double offset = 0, string prefix = "loss") =>
        [.. Enumerable.Range(0, count).Select(i => new MetricPointRecord(run, $"{prefix}/{i % 3}", i / 3, i + offset,
            Epoch.AddSeconds(i)))];

    private async Task<(int Count, double Sum)> StoredAsync(Guid run)
    {
        await using var db = await Contexts.CreateDbContextAsync(Token);
        var values = await db.MetricPoints.Where(m => m.RunId == run).Select(m => m.Value).ToListAsync(Token);
        return (values.Count, values.Sum() ?? 0);
    }

    [Fact]
    public async Task Reingesting_the_same_batch_keeps_one_row_per_key_and_takes_the_new_value()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor(batchSize: 700);
        var batch = Points(run.Id, 2500);
        await ingestor.WriteAsync(batch, Token);
        await ingestor.FlushAsync(Token);
        var first = await StoredAsync(run.Id);

        await ingestor.WriteAsync(Points(run.Id, 2500, offset: 1000), Token);
        await ingestor.FlushAsync(Token);
        var second = await StoredAsync(run.Id);

        Assert.Equal(2500, first.Count);
        Assert.Equal(2500, second.Count);
        Assert.Equal(first.Sum + 2500 * 1000, second.Sum, precision: 6);
        Assert.Equal(0, ingestor.BufferedPoints);
    }

    [Fact]
    public async Task Duplicate_keys_inside_one_batch_keep_the_last_value()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor();
        await ingestor.WriteAsync(
        [
            new(run.Id, "eval/loss", 10, 5.0, Epoch),
            new(run.Id, "eval/loss", 10, 4.0, Epoch),
            new(run.Id, "eval/loss", 11, 3.0, Epoch),
        ], Token);
        await ingestor.FlushAsync(Token);

        await using var db = await Contexts.CreateDbContextAsync(Token);
        var rows = await db.MetricPoints.AsNoTracking().OrderBy(m => m.Step).ToListAsync(Token);
        Assert.Equal([4.0, 3.0], rows.Select(r => r.Value!.Value));
        Assert.Equal(DateTimeKind.Utc, rows[0].WallTime.Kind);
        Assert.Equal(Epoch, rows[0].WallTime);
    }

    [Fact]
    public async Task Concurrent_writers_all_land_without_loss_or_duplication()
    {
        var runs = await AddRunsAsync(NewRun(), NewRun(), NewRun());
        const int perWriter = 6000;
        // Six writers on three runs: pairs share a run with disjoint metric names, so rows interleave on one key range.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            await using var ingestor = NewIngestor(batchSize: 1000);
            var points = Points(runs[w % 3].Id, perWriter, prefix: $"writer{w}");
            for (var offset = 0; offset < points.Length; offset += 750)
                await ingestor.WriteAsync(points.AsSpan(offset, Math.Min(750, points.Length - offset)).ToArray(), Token);
            await ingestor.FlushAsync(Token);
        }, Token)));

        await using var db = await Contexts.CreateDbContextAsync(Token);
        Assert.Equal(6 * perWriter, await db.MetricPoints.CountAsync(Token));
        foreach (var run in runs)
            Assert.Equal(2 * perWriter, await db.MetricPoints.CountAsync(m => m.RunId == run.Id, Token));
    }

    [Fact]
    public async Task Points_of_an_unknown_run_are_set_aside_without_blocking_the_other_runs()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var ghost = Guid.NewGuid();
        await using var ingestor = NewIngestor(batchSize: 400);
        // Interleaved in the same batches as good points.
        var points = Points(run.Id, 1000).Zip(Points(ghost, 1000), (good, bad) => new[] { good, bad }).SelectMany(p => p).ToArray();
        await ingestor.WriteAsync(points, Token);

        var error = await Assert.ThrowsAsync<MetricBatchRejectedException>(() => ingestor.FlushAsync(Token));
        Assert.Contains(ghost, error.UnknownRuns);
        Assert.Contains("unknown run", error.Message);
        Assert.Equal(1000, (await StoredAsync(run.Id)).Count);
        Assert.Equal(0, ingestor.BufferedPoints);
        var rejected = ingestor.TakeRejected();
        Assert.Equal(1000, rejected.Count);
        Assert.All(rejected, p => Assert.Equal(ghost, p.RunId));
        await using var db = await Contexts.CreateDbContextAsync(Token);
        Assert.Equal(0, await db.MetricPoints.CountAsync(m => m.RunId == ghost, Token));
    }

    [Fact]
    public async Task NaN_and_infinite_values_of_a_diverging_run_are_stored()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor();
        await ingestor.WriteAsync(
        [
            new(run.Id, "train/loss", 1, double.NaN, Epoch),
            new(run.Id, "train/loss", 2, double.PositiveInfinity, Epoch),
            new(run.Id, "train/loss", 3, 2.5, Epoch),
        ], Token);
        await ingestor.FlushAsync(Token);

        await using var db = await Contexts.CreateDbContextAsync(Token);
        var values = (await db.MetricPoints.OrderBy(m => m.Step).Select(m => m.Value).ToListAsync(Token))
            .Select(v => v ?? double.NaN).ToList(); // null is how SQLite keeps NaN
        Assert.Equal(3, values.Count);
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal(double.PositiveInfinity, values[1]);
        Assert.Equal(2.5, values[2]);
    }

    [Fact]
    public async Task A_metric_name_the_schema_cannot_hold_is_refused_up_front()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor();
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await ingestor.WriteAsync(
            [new(run.Id, "ok", 1, 1, Epoch), new(run.Id, new string('x', 129), 1, 1, Epoch)], Token));
        Assert.Contains("metric point 1", error.Message);
        Assert.Equal(0, ingestor.BufferedPoints);
    }

    [Fact]
    public async Task Partial_batches_are_written_by_the_background_flush()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await using var ingestor = NewIngestor(batchSize: 10_000);
        await ingestor.WriteAsync(Points(run.Id, 42), Token);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ingestor.BufferedPoints > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20, Token);
        Assert.Equal(42, (await StoredAsync(run.Id)).Count);
    }

    /// <summary>Every stored row of the runs, ordered by key: what a re-send must leave exactly as it was.</summary>
    private async Task<List<(Guid Run, string Name, long Step, double? Value, DateTime Time)>> RowsAsync(params Guid[] runs)
    {
        await using var db = await Contexts.CreateDbContextAsync(Token);
        var rows = await db.MetricPoints.AsNoTracking().Where(m => runs.Contains(m.RunId)).ToListAsync(Token);
        return [.. rows.Select(m => (m.RunId, m.Name, m.Step, m.Value, m.WallTime))
            .OrderBy(r => r.RunId).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Step)];
    }

    /// <summary>What the input says the table should hold: the last point sent per key, independent of the writers.</summary>
    private static List<(Guid Run, string Name, long Step, double? Value, DateTime Time)> Expected(IEnumerable<MetricPointRecord> sent) =>
        [.. sent.GroupBy(p => (p.RunId, p.Name, p.Step)).Select(g => g.Last())
            .Select(p => (p.RunId, p.Name, p.Step, (double?)p.Value, p.WallTime))
            .OrderBy(r => r.RunId).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Step)];

    [Fact]
    public async Task Sending_the_same_batch_twice_leaves_every_row_as_the_first_send_wrote_it()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var batch = Points(run.Id, 3000);
        await using var ingestor = NewIngestor(batchSize: 1000);
        await ingestor.WriteAsync(batch, Token);
        await ingestor.FlushAsync(Token);
        var first = await RowsAsync(run.Id);

        await ingestor.WriteAsync(batch, Token);
        await ingestor.FlushAsync(Token);

        Assert.Equal(Expected(batch), first);
        Assert.Equal(first, await RowsAsync(run.Id));
    }

    [Fact]
    public async Task Points_of_runs_interleaved_in_the_same_batches_each_land_once_under_their_own_run()
    {
        var runs = await AddRunsAsync(NewRun(), NewRun(), NewRun());
        // Point by point round robin over the runs, in batches that cut every run's series at different places.
        var perRun = runs.Select((r, i) => Points(r.Id, 1200 + 100 * i, offset: 10_000 * i)).ToArray();
        var interleaved = Enumerable.Range(0, perRun.Max(p => p.Length))
            .SelectMany(i => perRun.Where(p => i < p.Length).Select(p => p[i])).ToArray();
        await using var ingestor = NewIngestor(batchSize: 777);
        for (var offset = 0; offset < interleaved.Length; offset += 500)
            await ingestor.WriteAsync(interleaved[offset..Math.Min(offset + 500, interleaved.Length)], Token);
        await ingestor.FlushAsync(Token);

        foreach (var (run, points) in runs.Zip(perRun))
            Assert.Equal(Expected(points), await RowsAsync(run.Id));
    }

    [Fact]
    public async Task A_resend_overlapping_what_is_stored_adds_only_the_new_points_and_duplicates_none()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var all = Points(run.Id, 3000);
        await using var ingestor = NewIngestor(batchSize: 1000);
        await ingestor.WriteAsync(all[..1800], Token);
        await ingestor.FlushAsync(Token);

        // A trainer that lost its acknowledgement re-sends from an earlier point: 1200..1799 again, then 1800..2999 new.
        await ingestor.WriteAsync(all[1200..], Token);
        await ingestor.FlushAsync(Token);

        var rows = await RowsAsync(run.Id);
        Assert.Equal(3000, rows.Count);
        Assert.Equal(Expected(all), rows);
    }

    [Fact]
    public async Task Ingest_benchmark_counts_only_rows_that_reached_the_table()
    {
        var result = await new IngestBenchmark().RunAsync(Database, points: 60_000, batchSize: 20_000, writers: 2,
            cancellationToken: Token);

        Assert.Equal(Target.Provider, result.Provider);
        Assert.Equal(60_000, result.RowsWritten);
        Assert.True(result.PointsPerSecond > 0);
        await using var db = await Contexts.CreateDbContextAsync(Token);
        Assert.Equal(0, await db.MetricPoints.CountAsync(Token)); // the benchmark cleans up after itself
        Assert.Equal(0, await db.Runs.CountAsync(Token));
    }

    [Fact]
    public async Task Ingest_benchmark_with_resends_stores_each_point_once()
    {
        // A quarter of every batch is sent again with the next one: 40,000 distinct points, 7,500 of them twice.
        var result = await new IngestBenchmark().RunAsync(Database, points: 40_000, batchSize: 10_000, resendFraction: 0.25,
            cancellationToken: Token);

        Assert.Equal(40_000, result.RowsWritten);
        Assert.Equal(0.25, result.ResendFraction);
    }
}

public sealed class SqliteIngestTests() : IngestTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresIngestTests(PostgresServer server) : IngestTests(new PostgresTarget(server))
{
    [Fact]
    public async Task The_copy_ceiling_writes_every_point_into_a_scratch_table_and_drops_it()
    {
        var result = await new IngestBenchmark().RunCopyCeilingAsync(Database, points: 30_000, batchSize: 7_000,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(30_000, result.RowsWritten);
        await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        var tables = await db.Database.SqlQueryRaw<string>(
            "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_name LIKE 'metric_points_ceiling%'")
            .ToListAsync(TestContext.Current.CancellationToken);
        Assert.Empty(tables);
    }
}
