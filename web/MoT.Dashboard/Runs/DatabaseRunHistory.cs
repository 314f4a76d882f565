using MoT.Silo.Training;
using Microsoft.EntityFrameworkCore;
using MoT.Contracts.Runs;
using MoT.Data;
using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>Run history from the run store (RunQueryService keyset paging; metric_points for curves).</summary>
public sealed class DatabaseRunHistory(RunQueryService runs, IDbContextFactory<MotDbContext> contexts) : IRunHistory
{
    public async Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default)
    {
        var page = await runs.QueryAsync(filter, sort, pageSize, cursor, cancellationToken);
        var throughput = await LatestThroughputAsync(page.Items.Select(r => r.Id), cancellationToken);
        return new RunHistoryPage([.. page.Items.Select(r => ToRow(r, throughput.GetValueOrDefault(r.Id)))], page.NextCursor);
    }

    public async Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var points = await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Value != null)
            .OrderBy(p => p.Step)
            .Select(p => new { p.Name, p.Step, Value = p.Value!.Value })
            .ToListAsync(cancellationToken);
        return [.. points.GroupBy(p => p.Name).Select(g => new MetricSeries(g.Key, [.. g.Select(p => (p.Step, p.Value))]))];
    }

    /// <summary>Each run's last recorded tokens/s: one indexed top-1 lookup per run of the page.</summary>
    private async Task<Dictionary<Guid, double?>> LatestThroughputAsync(IEnumerable<Guid> runIds, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = new Dictionary<Guid, double?>();
        foreach (var runId in runIds)
        {
            latest[runId] = await db.MetricPoints.AsNoTracking()
                .Where(p => p.RunId == runId && p.Name == MetricNames.TokensPerSecond)
                .OrderByDescending(p => p.Step)
                .Select(p => p.Value)
                .FirstOrDefaultAsync(cancellationToken);
        }
        return latest;
    }

    private static RunRow ToRow(RunSummary r, double? tokensPerSecond) => new(
        r.Id, r.Name, r.Owner, Enum.Parse<RunStatus>(r.Status.ToString()), r.SweepId, r.ModelFamily, r.BestEvalLoss,
        tokensPerSecond,
        r.StartedAt is { } started ? (r.FinishedAt ?? DateTime.UtcNow) - started : null,
        new DateTimeOffset(r.CreatedAt, TimeSpan.Zero), r.ParentRunId,
        r.ParentRelation is { } relation ? Enum.Parse<RunRelation>(relation.ToString()) : null, r.Attempt);
}
