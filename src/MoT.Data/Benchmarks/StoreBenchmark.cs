using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Data.Ingest;
using MoT.Data.Queries;
using MoT.Contracts.Runs;

namespace MoT.Data.Benchmarks;

/// <summary>The size of a <see cref="StoreBenchmark"/> store.</summary>
/// <param name="Runs">Runs in the store.</param>
/// <param name="Points">Metric points in all, <see cref="CurvePoints"/> of them in the one long run's curve.</param>
/// <param name="CurvePoints">Points of the long run's train-loss curve (read back downsampled).</param>
/// <param name="Repetitions">Timed repetitions of each query (after one untimed).</param>
/// <param name="QueriesOnly">Time the queries on a store an earlier run filled (e.g. before and after adding indexes).</param>
public sealed record StoreBenchmarkSettings(int Runs = 100_000, long Points = 5_000_000, int CurvePoints = 100_000, int Repetitions = 20,
    bool QueriesOnly = false);

/// <summary>One timed query of <see cref="StoreBenchmark"/>, in milliseconds, with the rows it returned.</summary>
public sealed record StoreQueryTiming(string Query, double P50, double P95, int Rows);

/// <summary>Figures of one <see cref="StoreBenchmark"/> run.</summary>
public sealed record StoreBenchmarkResult(DatabaseProvider Provider, StoreBenchmarkSettings Settings, long RunsStored, long PointsStored,
    TimeSpan RunLoad, TimeSpan PointLoad, IReadOnlyList<StoreQueryTiming> Queries);

/// <summary>
/// Fills a store with <c>Runs</c> generated runs (a year of creation times, 24 owners, four families, two boards) and
/// <c>Points</c> metric points through <see cref="MetricIngestor"/> (the production ingest path), then times the queries
/// the dashboard makes: Runs pages through <see cref="RunQueryService"/> (filter, sort, keyset page), one run's curve of
/// <c>CurvePoints</c> points through <see cref="MetricCurveQuery"/> (bucketed min/max), the run page's curves through
/// <see cref="RunCurvesQuery"/> (downsampled by the store, against reading every point as the page once did), and the leaderboard through
/// <see cref="LeaderboardQuery"/>. Meant for an empty database: it counts and leaves what it wrote (delete the database after).
/// </summary>
public sealed class StoreBenchmark(StoreBenchmarkSettings settings)
{
    private static readonly string[] Families = ["Transformer", "MoT", "TokenChoice", "ExpertChoice"];
    private static readonly string[] MetricNames = ["train_loss", "learning_rate", "tokens_per_second", "eval_loss"];
    private const string LongRunName = "store benchmark: long curve";
    private static readonly DateTime YearStart = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Points per curve the run page asks the store for (the dashboard's chart budget).</summary>
    public const int RunPageBudget = 1000;

    /// <summary>The Runs-page queries timed: (label, filter, sort).</summary>
    public static readonly IReadOnlyList<(string Label, string? Filter, string? Sort)> RunPages =
    [
        ("runs: newest first", null, null),
        ("runs: owner + status, newest", "owner = user07 and status = Completed", "-created"),
        ("runs: family + loss < x, best loss", "family = MoT and best_eval_loss < 3.2", "best_eval_loss asc"),
        ("runs: config.training.lr > x, newest", "config.training.lr > 0.002", "-created"),
        ("runs: failed in a month, newest", "status = Failed and created >= 2026-06-01 and created < 2026-07-01", "-created"),
    ];

    public async Task<StoreBenchmarkResult> RunAsync(MotDataOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Runs, 2); // the long run and at least one other
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Points, settings.CurvePoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.CurvePoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Repetitions, 1);
        await using var services = new ServiceCollection().AddMotData(options).BuildServiceProvider();
        await MotDatabase.MigrateAsync(services, cancellationToken);
        var contexts = services.GetRequiredService<IDbContextFactory<MotDbContext>>();

        Guid longRun;
        TimeSpan runLoad = TimeSpan.Zero, pointLoad = TimeSpan.Zero;
        if (settings.QueriesOnly)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            longRun = await db.Runs.Where(r => r.Name == LongRunName).Select(r => r.Id).FirstOrDefaultAsync(cancellationToken);
            if (longRun == Guid.Empty)
                throw new InvalidOperationException("this store was not filled by the store benchmark: run it once without --queries-only");
        }
        else
        {
            progress?.Invoke($"loading {settings.Runs:N0} runs");
            var clock = Stopwatch.StartNew();
            var runIds = await LoadRunsAsync(contexts, cancellationToken);
            runLoad = clock.Elapsed;

            progress?.Invoke($"ingesting {settings.Points:N0} metric points");
            clock.Restart();
            await LoadPointsAsync(options, runIds, progress, cancellationToken);
            pointLoad = clock.Elapsed;
            longRun = runIds[0];
        }

        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            if (options.Provider == DatabaseProvider.PostgreSQL)
                await db.Database.ExecuteSqlRawAsync($"ANALYZE {MotDbContext.PostgresSchema}.runs; ANALYZE {MotDbContext.PostgresSchema}.metric_points", cancellationToken);
            else
                await db.Database.ExecuteSqlRawAsync("ANALYZE", cancellationToken);
        }

        progress?.Invoke("timing queries");
        int curvePoints;
        var timings = new List<StoreQueryTiming>();
        // The curve's size is what is stored, not what was asked for (--queries-only reads an earlier store).
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            curvePoints = await db.MetricPoints.CountAsync(p => p.RunId == longRun && p.Name == MetricNames[0], cancellationToken);
        var runQueries = new RunQueryService(contexts);
        foreach (var (label, filter, sort) in RunPages)
        {
            timings.Add(await TimeAsync(label, async () => (await runQueries.QueryAsync(filter, sort, 50, null, cancellationToken)).Items.Count));
            // The second page goes through the keyset cursor of the first.
            var first = await runQueries.QueryAsync(filter, sort, 50, null, cancellationToken);
            if (first.NextCursor is { } cursor)
                timings.Add(await TimeAsync(label + " (page 2)", async () => (await runQueries.QueryAsync(filter, sort, 50, cursor, cancellationToken)).Items.Count));
        }

        var curves = new MetricCurveQuery(contexts);
        timings.Add(await TimeAsync($"curve: {curvePoints:N0} points -> 1,000 buckets",
            async () => (await curves.GetAsync(longRun, MetricNames[0], 1000, cancellationToken)).Count));
        // The run page's own store call (RunCurvesQuery, every curve of the run at its chart budget) against what the page
        // made before: every point of every curve read into the host.
        var runPage = new RunCurvesQuery(contexts);
        timings.Add(await TimeAsync($"run page curves, {curvePoints:N0} points: load all (old)",
            async () => (await runPage.GetAllAsync(longRun, cancellationToken)).Sum(c => c.Points.Count)));
        timings.Add(await TimeAsync($"run page curves, {curvePoints:N0} points: store-downsampled to {RunPageBudget:N0}",
            async () => (await runPage.GetAsync(longRun, RunPageBudget, cancellationToken: cancellationToken)).Sum(c => c.Points.Count)));
        var leaderboard = new LeaderboardQuery(contexts);
        timings.Add(await TimeAsync("leaderboard: one board",
            async () => (await leaderboard.GetAsync("brown-eval", "cl100k", cancellationToken: cancellationToken)).Sum(b => b.Entries.Count)));
        timings.Add(await TimeAsync("leaderboard: all boards",
            async () => (await leaderboard.GetAsync(cancellationToken: cancellationToken)).Sum(b => b.Entries.Count)));

        await using var count = await contexts.CreateDbContextAsync(cancellationToken);
        return new StoreBenchmarkResult(options.Provider, settings, await count.Runs.LongCountAsync(cancellationToken),
            await count.MetricPoints.LongCountAsync(cancellationToken), runLoad, pointLoad, timings);
    }

    private async Task<StoreQueryTiming> TimeAsync(string label, Func<Task<int>> query)
    {
        var rows = await query(); // untimed: plans and caches warm
        var times = new List<double>(settings.Repetitions);
        for (var i = 0; i < settings.Repetitions; i++)
        {
            var start = Stopwatch.GetTimestamp();
            rows = await query();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        return new StoreQueryTiming(label, Percentile(times, 0.50), Percentile(times, 0.95), rows);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Generated runs, inserted in chunks through EF (one mapping, both providers). Returns their ids, the long run first.</summary>
    private async Task<Guid[]> LoadRunsAsync(IDbContextFactory<MotDbContext> contexts, CancellationToken cancellationToken)
    {
        var random = new Random(42);
        var owners = Enumerable.Range(0, 24).Select(i => $"user{i:D2}").ToArray();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var existing = await db.Users.Select(u => u.Id).ToListAsync(cancellationToken);
            db.Users.AddRange(owners.Except(existing).Select(o => new User { Id = o, CreatedAt = YearStart }));
            await db.SaveChangesAsync(cancellationToken);
        }

        var ids = new Guid[settings.Runs];
        const int chunk = 2000;
        for (var offset = 0; offset < settings.Runs; offset += chunk)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = offset; i < Math.Min(settings.Runs, offset + chunk); i++)
            {
                var run = NewRun(random, owners, i);
                ids[i] = run.Id;
                db.Runs.Add(run);
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        return ids;
    }

    private static Run NewRun(Random random, string[] owners, int index)
    {
        var family = Families[random.Next(Families.Length)];
        var roll = random.NextDouble();
        var status = roll < 0.70 ? RunStatus.Completed : roll < 0.82 ? RunStatus.Failed : roll < 0.90 ? RunStatus.Cancelled
            : roll < 0.95 ? RunStatus.Pruned : roll < 0.98 ? RunStatus.Queued : RunStatus.Running;
        var created = YearStart.AddSeconds(random.NextDouble() * 365 * 24 * 3600);
        var started = status == RunStatus.Queued ? (DateTime?)null : created.AddMinutes(random.Next(0, 120));
        var lr = Math.Round(Math.Pow(10, -4 + 2 * random.NextDouble()), 6);
        var budget = Math.Pow(10, 15 + 4 * random.NextDouble());
        return new Run
        {
            Id = Guid.NewGuid(),
            Name = index == 0 ? LongRunName : $"run {index}",
            OwnerId = owners[random.Next(owners.Length)],
            ConfigJson = string.Create(CultureInfo.InvariantCulture,
                $$$"""{"model":{"family":"{{{family}}}","experts":{{{1 << random.Next(0, 7)}}}},"training":{"lr":{{{lr}}},"steps":{{{random.Next(1, 100) * 1000}}}}}"""),
            Status = status,
            Attempt = 1,
            ModelFamily = family,
            ComputeBudgetFlops = budget,
            BestEvalLoss = status is RunStatus.Completed or RunStatus.Pruned ? 2.5 + 2 * random.NextDouble() : null,
            EvalSetId = random.Next(2) == 0 ? "brown-eval" : "wiki-eval",
            TokenizerId = random.Next(4) == 0 ? "bytes" : "cl100k",
            CreatedAt = created,
            StartedAt = started,
            FinishedAt = started is { } s && status is not (RunStatus.Queued or RunStatus.Running) ? s.AddMinutes(random.Next(1, 600)) : null,
            FailureReason = status == RunStatus.Failed ? "run error: diverged" : null,
        };
    }

    /// <summary>
    /// The long run's curve first (<c>CurvePoints</c> steps of train loss), then the rest spread over the other runs as a
    /// trainer sends them (four names per step, increasing steps), through one ingestor with production batch sizes.
    /// Reports progress about every 30 s: a full-size fill takes tens of minutes.
    /// </summary>
    private async Task LoadPointsAsync(MotDataOptions options, Guid[] runIds, Action<string>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long written = 0;
        await using var ingestor = MetricIngestor.Create(options, MetricIngestorOptions.Default with { FlushInterval = TimeSpan.FromMinutes(10) });
        var buffer = new List<MetricPointRecord>(MetricIngestorOptions.Default.BatchSize);
        async Task Add(MetricPointRecord point)
        {
            buffer.Add(point);
            if (buffer.Count < buffer.Capacity) return;
            await ingestor.WriteAsync(buffer, cancellationToken);
            await ingestor.FlushAsync(cancellationToken);
            written += buffer.Count;
            buffer.Clear();
            if (progress is not null && clock.Elapsed - lastReport >= TimeSpan.FromSeconds(30))
            {
                lastReport = clock.Elapsed;
                var rate = written / clock.Elapsed.TotalSeconds;
                progress(string.Create(CultureInfo.InvariantCulture,
                    $"  {written:N0} of {settings.Points:N0} points ({100.0 * written / settings.Points:F1}%), {rate:N0}/s, about {TimeSpan.FromSeconds((settings.Points - written) / rate):hh\\:mm\\:ss} left"));
            }
        }

        var random = new Random(7);
        for (var step = 0; step < settings.CurvePoints; step++)
            await Add(new MetricPointRecord(runIds[0], MetricNames[0], step, 4.0 / Math.Sqrt(step + 1) + 0.05 * random.NextDouble(), YearStart.AddSeconds(step)));

        // Every other run gets an equal share (the first ones one more), each as one series of increasing steps.
        var rest = settings.Points - settings.CurvePoints;
        var others = runIds.Length - 1;
        for (var r = 1; r <= others; r++)
        {
            var count = rest / others + (r - 1 < rest % others ? 1 : 0);
            for (long i = 0; i < count; i++)
                await Add(new MetricPointRecord(runIds[r], MetricNames[i % MetricNames.Length], i / MetricNames.Length,
                    3 + random.NextDouble(), YearStart.AddSeconds(i / MetricNames.Length)));
        }

        if (buffer.Count > 0)
        {
            await ingestor.WriteAsync(buffer, cancellationToken);
            await ingestor.FlushAsync(cancellationToken);
        }
    }
}
