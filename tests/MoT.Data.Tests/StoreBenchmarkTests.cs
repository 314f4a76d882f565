using Microsoft.EntityFrameworkCore;
using MoT.Data.Benchmarks;
using MoT.Data.Ingest;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

/// <summary>The store benchmark at a toy size (its counts add up; timings are not asserted) and the downsampled curve it reads.</summary>
public abstract class StoreBenchmarkTests(DatabaseTarget target) : DataTestBase(target)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_small_store_benchmark_stores_what_it_was_asked_to_and_times_every_query()
    {
        var settings = new StoreBenchmarkSettings(Runs: 20, Points: 2_000, CurvePoints: 500, Repetitions: 2);

        var result = await new StoreBenchmark(settings).RunAsync(Database, cancellationToken: Token);

        Assert.Equal(20, result.RunsStored);
        Assert.Equal(2_000, result.PointsStored);
        Assert.Equal(StoreBenchmark.RunPages.Count, result.Queries.Count(q => q.Query.StartsWith("runs:", StringComparison.Ordinal) && !q.Query.EndsWith("(page 2)")));
        var curve = Assert.Single(result.Queries, q => q.Query.StartsWith("curve:", StringComparison.Ordinal));
        Assert.Contains("500 points", curve.Query);
        Assert.Equal(500, curve.Rows); // fewer points than buckets: one bucket per step
        // The run page's store call, old (every point) and new (at most the chart budget per curve): here the whole curve fits.
        var pageRows = result.Queries.Where(q => q.Query.StartsWith("run page curves, 500 points", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, pageRows.Count);
        Assert.All(pageRows, q => Assert.Equal(500, q.Rows));
        Assert.Contains(result.Queries, q => q.Query.StartsWith("leaderboard:", StringComparison.Ordinal) && q.Rows > 0);
        Assert.All(result.Queries, q => Assert.True(q.P50 <= q.P95, q.Query));

        // Re-timing the filled store finds the same curve and adds nothing.
        var again = await new StoreBenchmark(settings with { QueriesOnly = true }).RunAsync(Database, cancellationToken: Token);
        Assert.Equal(2_000, again.PointsStored);
        Assert.Equal(curve.Query, Assert.Single(again.Queries, q => q.Query.StartsWith("curve:", StringComparison.Ordinal)).Query);
    }

    [Fact]
    public async Task A_downsampled_curve_keeps_each_step_range_min_and_max_as_computed_from_the_raw_points()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var random = new Random(5);
        var points = Enumerable.Range(0, 2_345).Select(i => new MetricPointRecord(run.Id, "train_loss", 10 + i * 3L,
            Math.Round(random.NextDouble() * 10, 3), Epoch)).ToList();
        points.Add(new MetricPointRecord(run.Id, "eval_loss", 11, 99, Epoch)); // another curve of the run: not mixed in
        await using (var ingestor = MetricIngestor.Create(Database, MetricIngestorOptions.Default))
        {
            await ingestor.WriteAsync(points, Token);
            await ingestor.FlushAsync(Token);
        }

        var buckets = await new MetricCurveQuery(Contexts).GetAsync(run.Id, "train_loss", 100, Token);

        // Independently: cut [first, last] into ceil(span / 100)-wide step ranges and take min/max of each.
        var loss = points.Where(p => p.Name == "train_loss").ToList();
        var width = (long)Math.Ceiling((loss[^1].Step - loss[0].Step + 1) / 100.0);
        var expected = loss.GroupBy(p => (p.Step - loss[0].Step) / width).OrderBy(g => g.Key)
            .Select(g => new CurveBucket(g.Min(p => p.Step), g.Max(p => p.Step), g.Min(p => p.Value), g.Max(p => p.Value), g.Count()))
            .ToList();
        Assert.True(buckets.Count <= 100);
        Assert.Equal(expected, buckets);
        Assert.Equal(loss.Count, buckets.Sum(b => b.Points));
    }
}

public sealed class SqliteStoreBenchmarkTests() : StoreBenchmarkTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreBenchmarkTests(PostgresServer server) : StoreBenchmarkTests(new PostgresTarget(server));
