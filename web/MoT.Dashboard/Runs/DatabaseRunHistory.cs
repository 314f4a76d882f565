using MoT.Silo.Training;
using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Runs;
using MoT.Data;
using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>Run history from the run store (RunQueryService keyset paging; curves downsampled by the store through <see cref="RunCurvesQuery"/>).</summary>
public sealed class DatabaseRunHistory(RunQueryService runs, RunCurvesQuery curves, IDbContextFactory<MotDbContext> contexts) : IRunHistory
{
    public async Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default)
    {
        var page = await runs.QueryAsync(filter, sort, pageSize, cursor, cancellationToken);
        var ids = page.Items.Select(r => r.Id).ToList();
        var summaries = await LatestMetricsAsync(ids, cancellationToken);
        var configs = await ConfigsAsync(ids, cancellationToken);
        return new RunHistoryPage([.. page.Items.Select(r => ToRow(r, summaries.GetValueOrDefault(r.Id), configs.GetValueOrDefault(r.Id)))], page.NextCursor);
    }

    public Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default) => runs.CountAsync(filter, cancellationToken);

    public async Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, int maxPointsPerCurve, long afterStep = -1,
        CancellationToken cancellationToken = default) =>
        [.. (await curves.GetAsync(runId, maxPointsPerCurve, afterStep, cancellationToken)).Select(c => new MetricSeries(c.Name, c.Points, c.RecordedPoints))];

    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<(long Step, double Value)>>> GetMetricOfRunsAsync(
        IReadOnlyCollection<Guid> runIds, string name, CancellationToken cancellationToken = default)
    {
        if (runIds.Count == 0) return new Dictionary<Guid, IReadOnlyList<(long Step, double Value)>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var ids = runIds.ToList();
        var points = await db.MetricPoints.AsNoTracking()
            .Where(p => ids.Contains(p.RunId) && p.Name == name && p.Value != null)
            .Select(p => new { p.RunId, p.Step, Value = p.Value!.Value })
            .ToListAsync(cancellationToken);
        return points.GroupBy(p => p.RunId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<(long Step, double Value)>)[.. g.OrderBy(p => p.Step).Select(p => (p.Step, p.Value))]);
    }

    /// <summary>Each run's last recorded tokens/s and train loss: indexed top-1 lookups per run of the page.</summary>
    private async Task<Dictionary<Guid, (double? TokensPerSecond, double? TrainLoss)>> LatestMetricsAsync(IEnumerable<Guid> runIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = new Dictionary<Guid, (double?, double?)>();
        foreach (var runId in runIds)
        {
            latest[runId] = (await LastAsync(db, runId, MetricNames.TokensPerSecond, cancellationToken),
                await LastAsync(db, runId, MetricNames.TrainLoss, cancellationToken));
        }
        return latest;
    }

    private static Task<double?> LastAsync(MotDbContext db, Guid runId, string name, CancellationToken cancellationToken) =>
        db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Name == name)
            .OrderByDescending(p => p.Step)
            .Select(p => p.Value)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>The page's config JSON (for the grid's config columns), one query.</summary>
    private async Task<Dictionary<Guid, string>> ConfigsAsync(List<Guid> runIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Runs.AsNoTracking().Where(r => runIds.Contains(r.Id)).Select(r => new { r.Id, r.ConfigJson })
            .ToDictionaryAsync(r => r.Id, r => r.ConfigJson, cancellationToken);
    }

    private static RunRow ToRow(RunSummary r, (double? TokensPerSecond, double? TrainLoss) latest, string? configJson) => new(
        r.Id, r.Name, r.Owner, r.Status, r.SweepId, r.ModelFamily, r.BestEvalLoss,
        latest.TokensPerSecond,
        r.StartedAt is { } started ? (r.FinishedAt ?? DateTime.UtcNow) - started : null,
        new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), r.ParentRunId,
        r.ParentRelation, r.Attempt,
        configJson, latest.TrainLoss);
}
