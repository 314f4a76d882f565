using Microsoft.EntityFrameworkCore;

namespace MoT.Data.Queries;

/// <summary>One bucket of a downsampled curve: the steps it spans and the lowest and highest value in it.</summary>
public sealed record CurveBucket(long FirstStep, long LastStep, double Min, double Max, int Points);

/// <summary>
/// A run's metric curve downsampled by the database: the steps are cut into at most <c>buckets</c> equal ranges and each
/// range comes back as its min and max (so spikes survive, unlike averaging), whatever the number of points stored.
/// </summary>
public sealed class MetricCurveQuery(IDbContextFactory<MotDbContext> contexts)
{
    public async Task<IReadOnlyList<CurveBucket>> GetAsync(Guid runId, string name, int buckets = 1000,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var points = db.MetricPoints.AsNoTracking().Where(p => p.RunId == runId && p.Name == name && p.Value != null);
        var range = await points.GroupBy(_ => 1)
            .Select(g => new { First = g.Min(p => p.Step), Last = g.Max(p => p.Step) })
            .FirstOrDefaultAsync(cancellationToken);
        if (range is null) return [];

        var width = Math.Max(1, (range.Last - range.First + buckets) / buckets); // ceil((span + 1) / buckets)
        var first = range.First;
        var rows = await points
            .GroupBy(p => (p.Step - first) / width)
            .Select(g => new { Bucket = g.Key, FirstStep = g.Min(p => p.Step), LastStep = g.Max(p => p.Step),
                Min = g.Min(p => p.Value!.Value), Max = g.Max(p => p.Value!.Value), Points = g.Count() })
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.Bucket).Select(r => new CurveBucket(r.FirstStep, r.LastStep, r.Min, r.Max, r.Points))];
    }
}
