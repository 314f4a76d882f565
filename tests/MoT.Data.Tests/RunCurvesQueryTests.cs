using Microsoft.EntityFrameworkCore;
using MoT.Data.Ingest;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

/// <summary>
/// The run page's curves as the store downsamples them, checked against the raw points read back separately: each curve
/// keeps its first and last point and its global min and max, stays within the budget, holds only stored points, and
/// matches the in-memory <see cref="MinMaxCurve"/> (the live page's path) point for point.
/// </summary>
public abstract class RunCurvesQueryTests(DatabaseTarget target) : DataTestBase(target)
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1000)]
    [InlineData(37)]
    [InlineData(4)]
    public async Task Every_curve_keeps_its_ends_and_extremes_within_the_budget(int budget)
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        var other = (await AddRunsAsync(NewRun()))[0];
        var random = new Random(budget);
        var points = new List<MetricPointRecord>();
        // A noisy decaying loss with a spike and a dip in the middle, irregular steps.
        var step = 0L;
        for (var i = 0; i < 20_000; i++)
        {
            step += 1 + random.Next(3);
            var value = 4 / Math.Sqrt(i + 1) + 0.05 * random.NextDouble() + (i == 12_345 ? 50 : 0) - (i == 7_777 ? 9 : 0);
            points.Add(new MetricPointRecord(run.Id, "train_loss", step, value, Epoch));
        }
        // A flat curve (every point ties the min and the max), a short one, and another run's points that must not mix in.
        points.AddRange(Enumerable.Range(0, 5_000).Select(i => new MetricPointRecord(run.Id, "system.process_rss_mb", i * 10L, 512, Epoch)));
        points.AddRange(Enumerable.Range(0, 3).Select(i => new MetricPointRecord(run.Id, "eval_loss", 100L * i, 3.0 - i, Epoch)));
        points.AddRange(Enumerable.Range(0, 500).Select(i => new MetricPointRecord(other.Id, "train_loss", i, -100, Epoch)));
        await WriteAsync(points);

        var curves = await new RunCurvesQuery(Contexts).GetAsync(run.Id, budget, cancellationToken: Token);
        var raw = await RawAsync(run.Id);

        Assert.Equal(raw.Keys.Order(StringComparer.Ordinal), curves.Select(c => c.Name));
        foreach (var curve in curves)
        {
            var stored = raw[curve.Name];
            Assert.Equal(stored.Count, curve.RecordedPoints);
            Assert.InRange(curve.Points.Count, 1, budget);
            Assert.Equal(stored[0], curve.Points[0]);
            Assert.Equal(stored[^1], curve.Points[^1]);
            Assert.Equal(stored.Min(p => p.Value), curve.Points.Min(p => p.Value));
            Assert.Equal(stored.Max(p => p.Value), curve.Points.Max(p => p.Value));
            Assert.Contains(stored.MinBy(p => p.Value), curve.Points);
            Assert.Contains(stored.MaxBy(p => p.Value), curve.Points);
            var lookup = stored.ToDictionary(p => p.Step, p => p.Value);
            Assert.All(curve.Points, p => Assert.Equal(lookup[p.Step], p.Value)); // real points, not bucket summaries
            Assert.Equal(curve.Points.Select(p => p.Step).Order(), curve.Points.Select(p => p.Step));
            Assert.Equal(MinMaxCurve.Downsample(stored, budget), curve.Points);
            if (stored.Count <= budget) Assert.Equal(stored, curve.Points);
        }
    }

    [Fact]
    public async Task A_live_page_reads_only_the_points_after_the_step_it_has()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await WriteAsync([.. Enumerable.Range(0, 3_000).Select(i => new MetricPointRecord(run.Id, "system.process_cpu_percent", i, i % 97, Epoch))]);

        var query = new RunCurvesQuery(Contexts);
        var newer = Assert.Single(await query.GetAsync(run.Id, 100, afterStep: 2_989, cancellationToken: Token));
        Assert.Equal(Enumerable.Range(2_990, 10).Select(i => ((long)i, (double)(i % 97))), newer.Points);
        Assert.Empty(await query.GetAsync(run.Id, 100, afterStep: 2_999, cancellationToken: Token));
        var bounded = Assert.Single(await query.GetAsync(run.Id, 100, afterStep: 999, cancellationToken: Token));
        Assert.Equal((1000L, 1000L % 97), (bounded.Points[0].Step, (long)bounded.Points[0].Value));
        Assert.Equal(2_000, bounded.RecordedPoints);
        Assert.InRange(bounded.Points.Count, 1, 100);
    }

    /// <summary>
    /// Random runs (curves of 1 to 2,500 points with irregular steps, values drawn from a few levels so ties are common,
    /// some points re-sent with a new value, random budgets and live-update cut-offs) against the expected points computed
    /// from what was sent alone: the last value sent per step, downsampled in memory by <see cref="MinMaxCurve"/>.
    /// </summary>
    [Fact]
    public async Task Random_runs_match_the_in_memory_downsampling_of_what_was_sent()
    {
        var random = new Random(1812);
        for (var trial = 0; trial < 8; trial++)
        {
            var run = (await AddRunsAsync(NewRun()))[0];
            var sent = new Dictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
            var points = new List<MetricPointRecord>();
            foreach (var name in new[] { "train_loss", "eval_loss", "system.gpu_memory_mb", "lr" }.Take(1 + random.Next(4)))
            {
                var curve = sent[name] = [];
                var levels = 1 + random.Next(6); // few levels: many ties of the min and the max
                var step = (long)random.Next(0, 1000);
                for (int i = 0, count = 1 + random.Next(2_500); i < count; i++, step += 1 + random.Next(4))
                {
                    var value = random.Next(levels) - 2.5 + (random.Next(3) == 0 ? random.NextDouble() : 0);
                    curve[step] = value;
                    points.Add(new MetricPointRecord(run.Id, name, step, value, Epoch));
                }
                foreach (var resent in curve.Keys.Where(_ => random.Next(20) == 0).ToList())
                {
                    curve[resent] = random.Next(levels) - 2.5;
                    points.Add(new MetricPointRecord(run.Id, name, resent, curve[resent], Epoch));
                }
            }
            await WriteAsync(points);

            var budget = MinMaxCurve.MinBudget + random.Next(300);
            var afterStep = random.Next(3) == 0 ? random.Next(0, 6_000) : -1L;
            var expected = sent
                .Select(c => (Name: c.Key, Points: c.Value.Where(p => p.Key > afterStep).Select(p => (p.Key, p.Value)).ToList()))
                .Where(c => c.Points.Count > 0).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

            var curves = await new RunCurvesQuery(Contexts).GetAsync(run.Id, budget, afterStep, Token);

            var context = $"trial {trial}, budget {budget}, after step {afterStep}";
            Assert.True(expected.Select(c => c.Name).SequenceEqual(curves.Select(c => c.Name)), context);
            foreach (var (want, got) in expected.Zip(curves))
            {
                Assert.True(want.Points.Count == got.RecordedPoints, $"{context}, {want.Name}: recorded {got.RecordedPoints}, sent {want.Points.Count}");
                var downsampled = MinMaxCurve.Downsample(want.Points, budget);
                var differ = Enumerable.Range(0, Math.Max(downsampled.Count, got.Points.Count))
                    .FirstOrDefault(i => i >= downsampled.Count || i >= got.Points.Count || downsampled[i] != got.Points[i], -1);
                Assert.True(differ < 0, $"{context}, {want.Name}: {got.Points.Count} points, expected {downsampled.Count}; " +
                    $"from index {differ} the store chose [{string.Join(", ", got.Points.Skip(differ).Take(4))}], " +
                    $"expected [{string.Join(", ", downsampled.Skip(differ).Take(4))}]");
            }
        }
    }

    [Fact]
    public async Task The_baseline_read_returns_every_point()
    {
        var run = (await AddRunsAsync(NewRun()))[0];
        await WriteAsync([.. Enumerable.Range(0, 2_000).Select(i => new MetricPointRecord(run.Id, "train_loss", i, 1.0 / (i + 1), Epoch))]);
        var all = Assert.Single(await new RunCurvesQuery(Contexts).GetAllAsync(run.Id, Token));
        Assert.Equal((await RawAsync(run.Id))["train_loss"], all.Points);
    }

    private async Task WriteAsync(IReadOnlyList<MetricPointRecord> points)
    {
        await using var ingestor = MetricIngestor.Create(Database, MetricIngestorOptions.Default);
        await ingestor.WriteAsync(points, Token);
        await ingestor.FlushAsync(Token);
    }

    /// <summary>The run's points straight from the table, without the query under test.</summary>
    private async Task<Dictionary<string, List<(long Step, double Value)>>> RawAsync(Guid runId)
    {
        await using var db = await Contexts.CreateDbContextAsync(Token);
        var rows = await db.MetricPoints.AsNoTracking().Where(p => p.RunId == runId).ToListAsync(Token);
        return rows.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.OrderBy(p => p.Step).Select(p => (p.Step, p.Value!.Value)).ToList(), StringComparer.Ordinal);
    }
}

public sealed class SqliteRunCurvesQueryTests() : RunCurvesQueryTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunCurvesQueryTests(PostgresServer server) : RunCurvesQueryTests(new PostgresTarget(server));
