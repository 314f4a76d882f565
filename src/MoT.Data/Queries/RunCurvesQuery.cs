using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using MoT.Data.Entities;

namespace MoT.Data.Queries;

/// <summary>One metric of a run, downsampled by the store: its points in step order.</summary>
/// <param name="RecordedPoints">How many points the store holds for the curve (in the range asked for).</param>
public sealed record StoredCurve(string Name, IReadOnlyList<(long Step, double Value)> Points, long RecordedPoints);

/// <summary>
/// Every metric of one run with at most a budget of points each, chosen by the database (<see cref="MinMaxCurve"/>:
/// per step range the lowest and highest point, plus the first and last point), so a run page reads a few thousand
/// rows whatever the run recorded. One statement for all curves, in SQL that SQLite and PostgreSQL share.
/// </summary>
public sealed class RunCurvesQuery(IDbContextFactory<MotDbContext> contexts)
{
    /// <param name="budget">Most points per curve (at least <see cref="MinMaxCurve.MinBudget"/>).</param>
    /// <param name="afterStep">Only points after this step (a live page fetching what is new); -1 for the whole curve.</param>
    public async Task<IReadOnlyList<StoredCurve>> GetAsync(Guid runId, int budget, long afterStep = -1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, MinMaxCurve.MinBudget);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Database.SqlQueryRaw<CurveRow>(Sql(db), runId, afterStep, MinMaxCurve.Buckets(budget), budget)
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

    /// <summary>
    /// Parameters: {0} run, {1} after step, {2} buckets, {3} budget. Per curve: its first/last step and size (span); each
    /// point's bucket by <see cref="MinMaxCurve.BucketOf"/>'s integer formula; per bucket the lowest and highest value
    /// (aggregates, then the earliest step holding each: measured 2.3 times faster on PostgreSQL than ranking every bucket
    /// with window functions, which sort all points twice). A curve no longer than the budget comes back whole, and the
    /// ends always. Names come from the EF model, quoted by the provider, so the statement follows the mapping.
    /// </summary>
    private static string Sql(MotDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(MetricPoint))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);
        var from = sql.DelimitIdentifier(table.Name, table.Schema);
        string run = Column(nameof(MetricPoint.RunId)), name = Column(nameof(MetricPoint.Name)),
            step = Column(nameof(MetricPoint.Step)), value = Column(nameof(MetricPoint.Value));
        return $$"""
            WITH span AS (
                SELECT {{name}} AS curve, MIN({{step}}) AS lo, MAX({{step}}) AS hi, COUNT(*) AS points
                FROM {{from}}
                WHERE {{run}} = {0} AND {{value}} IS NOT NULL AND {{step}} > {1}
                GROUP BY {{name}}),
            bucketed AS (
                SELECT p.{{name}} AS curve, p.{{step}} AS step, p.{{value}} AS value, s.lo, s.hi, s.points,
                       ((p.{{step}} - s.lo) * {2}) / (s.hi - s.lo + 1) AS bucket
                FROM {{from}} p JOIN span s ON s.curve = p.{{name}}
                WHERE p.{{run}} = {0} AND p.{{value}} IS NOT NULL AND p.{{step}} > {1}),
            extremes AS (
                SELECT curve, bucket, MIN(value) AS low, MAX(value) AS high
                FROM bucketed
                GROUP BY curve, bucket)
            SELECT b.curve AS "Name", MIN(b.step) AS "Step", b.value AS "Value", MIN(b.points) AS "Recorded"
            FROM bucketed b JOIN extremes e ON e.curve = b.curve AND e.bucket = b.bucket AND (b.value = e.low OR b.value = e.high)
            GROUP BY b.curve, b.bucket, b.value
            UNION ALL
            SELECT curve, step, value, points
            FROM bucketed
            WHERE points <= {3} OR step = lo OR step = hi
            """;
    }

    private sealed class CurveRow
    {
        public required string Name { get; init; }
        public long Step { get; init; }
        public double Value { get; init; }
        public long Recorded { get; init; }
    }
}
