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
        // First and last step as two probes of the (run, name, step) key: an aggregate over the curve would read all of it.
        var firstPoint = await points.OrderBy(p => p.Step).Select(p => (long?)p.Step).FirstOrDefaultAsync(cancellationToken);
        if (firstPoint is not { } first) return [];
        var last = await points.OrderByDescending(p => p.Step).Select(p => p.Step).FirstAsync(cancellationToken);

        var width = Math.Max(1, (last - first + buckets) / buckets); // ceil((span + 1) / buckets)
        var rows = await points
            .GroupBy(p => (p.Step - first) / width)
            .Select(g => new { Bucket = g.Key, FirstStep = g.Min(p => p.Step), LastStep = g.Max(p => p.Step),
                Min = g.Min(p => p.Value!.Value), Max = g.Max(p => p.Value!.Value), Points = g.Count() })
            .ToListAsync(cancellationToken);
        return [.. rows.OrderBy(r => r.Bucket).Select(r => new CurveBucket(r.FirstStep, r.LastStep, r.Min, r.Max, r.Points))];
    }
}
