using System.Data;
using Microsoft.EntityFrameworkCore;

namespace MoT.Data.Queries;

/// <summary>
/// <see cref="RunCurvesQuery"/> on PostgreSQL, in three reads of one snapshot: the curves' ends by key probes, then each
/// bucket's extremes in one pass with the ends as constants, then the points of the curves no longer than the budget.
/// </summary>
internal static class PostgresRunCurves
{
    public static async Task<IReadOnlyList<StoredCurve>> ReadAsync(MotDbContext db, Guid runId, int budget, long afterStep,
        CancellationToken cancellationToken)
    {
        var columns = RunCurvesSql.Columns.Of(db);
        // One snapshot, so a point re-sent between the reads cannot make them disagree.
        await using var snapshot = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var spans = await db.Database.SqlQueryRaw<SpanRow>(RunCurvesSql.PostgresSpans(columns), runId, afterStep)
            .ToListAsync(cancellationToken);
        if (spans.Count == 0) return [];

        object[] parameters = [runId, MinMaxCurve.Buckets(budget), .. spans.SelectMany(s => new object[] { s.Name, s.First, s.Last })];
        var buckets = (await db.Database.SqlQueryRaw<BucketRow>(RunCurvesSql.PostgresBuckets(columns, spans.Count), parameters)
            .ToListAsync(cancellationToken)).ToLookup(b => b.Curve);

        var recorded = spans.Select((_, i) => buckets[i].Sum(b => b.Points)).ToArray();
        var whole = spans.Where((_, i) => recorded[i] <= budget).Select(s => s.Name).ToList();
        var wholePoints = (whole.Count == 0 ? [] : await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && whole.Contains(p.Name) && p.Step > afterStep && p.Value != null)
            .Select(p => new WholePoint(p.Name, p.Step, p.Value!.Value))
            .ToListAsync(cancellationToken)).ToLookup(p => p.Name, p => (p.Step, p.Value), StringComparer.Ordinal);

        return [.. spans.Select((span, i) => new StoredCurve(span.Name, recorded[i] <= budget
                ? [.. wholePoints[span.Name].Where(p => p.Step <= span.Last).OrderBy(p => p.Step)]
                : [.. buckets[i].SelectMany(b => new[] { (b.LowStep, b.LowValue), (b.HighStep, b.HighValue) })
                    .Append((span.First, span.FirstValue)).Append((span.Last, span.LastValue))
                    .DistinctBy(p => p.Item1).OrderBy(p => p.Item1)],
                recorded[i]))
            .OrderBy(c => c.Name, StringComparer.Ordinal)];
    }

    private sealed record WholePoint(string Name, long Step, double Value);

    private sealed class SpanRow
    {
        public required string Name { get; init; }
        public long First { get; init; }
        public double FirstValue { get; init; }
        public long Last { get; init; }
        public double LastValue { get; init; }
    }

    private sealed class BucketRow
    {
        public int Curve { get; init; }
        public long Points { get; init; }
        public long LowStep { get; init; }
        public double LowValue { get; init; }
        public long HighStep { get; init; }
        public double HighValue { get; init; }
    }
}
