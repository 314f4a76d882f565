using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>One metric of a run, downsampled by the store: its points in step order.</summary>
/// <param name="RecordedPoints">How many points the store holds for the curve (in the range asked for).</param>
public sealed record StoredCurve(string Name, IReadOnlyList<(long Step, double Value)> Points, long RecordedPoints);

/// <summary>
/// Every metric of one run with at most a budget of points each, chosen by the database (<see cref="MinMaxCurve"/>:
/// per step range the lowest and highest point, plus the first and last point), so a run page reads a few thousand
/// rows whatever the run recorded. SQLite: one statement for all curves; PostgreSQL: <see cref="PostgresRunCurves"/>.
/// </summary>
public sealed class RunCurvesQuery(IDbContextFactory<MotDbContext> contexts)
{
    /// <param name="budget">Most points per curve (at least <see cref="MinMaxCurve.MinBudget"/>).</param>
    /// <param name="afterStep">Only points after this step (a live page fetching what is new); -1 for the whole curve.</param>
    public async Task<IReadOnlyList<StoredCurve>> GetAsync(Guid runId, int budget, long afterStep = -1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, MinMaxCurve.MinBudget);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsNpgsql())
            return await PostgresRunCurves.ReadAsync(db, runId, budget, afterStep, cancellationToken);
        var rows = await db.Database.SqlQueryRaw<CurveRow>(RunCurvesSql.Portable(RunCurvesSql.Columns.Of(db)), runId, afterStep,
                MinMaxCurve.Buckets(budget), budget)
            .ToListAsync(cancellationToken);
        // A point can come twice (a curve's first point that is also its bucket's min): one per step.
        return [.. rows.GroupBy(r => r.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StoredCurve(g.Key, [.. g.DistinctBy(r => r.Step).OrderBy(r => r.Step).Select(r => (r.Step, r.Value))], g.First().Recorded))];
    }

    /// <summary>What the run page read before this query existed: every point of every curve (the benchmark's baseline).</summary>
    public async Task<IReadOnlyList<StoredCurve>> GetAllAsync(Guid runId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var points = await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Value != null)
            .OrderBy(p => p.Step)
            .Select(p => new { p.Name, p.Step, Value = p.Value!.Value })
            .ToListAsync(cancellationToken);
        return [.. points.GroupBy(p => p.Name).Select(g => new StoredCurve(g.Key, [.. g.Select(p => (p.Step, p.Value))], g.Count()))];
    }

    private sealed class CurveRow
    {
        public required string Name { get; init; }
        public long Step { get; init; }
        public double Value { get; init; }
        public long Recorded { get; init; }
    }
}
