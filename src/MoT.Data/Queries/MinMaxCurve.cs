namespace MoT.Data.Queries;

/// <summary>
/// The downsampling every run curve goes through (the store's <see cref="RunCurvesQuery"/> and the dashboard's live
/// curves alike): the steps are cut into <see cref="Buckets"/> equal ranges and each range keeps its lowest and its
/// highest point, and the curve keeps its first and last point. So a spike or a divergence survives whatever the
/// number of points, the global min and max are always there, and a curve of <c>budget</c> points or fewer is kept whole.
/// </summary>
public static class MinMaxCurve
{
    /// <summary>The smallest budget: first, last, and one bucket's min and max.</summary>
    public const int MinBudget = 4;

    /// <summary>Step ranges for a budget of points: two points each, plus the first and the last point.</summary>
    public static int Buckets(int budget) => Math.Max(1, (budget - 2) / 2);

    /// <summary>The bucket of <paramref name="step"/> in a curve spanning [<paramref name="first"/>, <paramref name="last"/>].
    /// Integer arithmetic exactly as the store's SQL does it, so both paths choose the same points.</summary>
    public static long BucketOf(long step, long first, long last, int buckets) => (step - first) * buckets / (last - first + 1);

    /// <summary>At most <paramref name="budget"/> points of <paramref name="points"/> (in ascending step order, distinct
    /// steps), in step order: every point when there are no more than the budget. Ties of the min (max) keep the earliest.</summary>
    public static IReadOnlyList<(long Step, double Value)> Downsample(IReadOnlyList<(long Step, double Value)> points, int budget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, MinBudget);
        if (points.Count <= budget) return points;
        var first = points[0].Step;
        var last = points[^1].Step;
        var buckets = Buckets(budget);
        var keep = new SortedSet<int> { 0, points.Count - 1 };
        var start = 0;
        while (start < points.Count)
        {
            var bucket = BucketOf(points[start].Step, first, last, buckets);
            int low = start, high = start, end = start + 1;
            for (; end < points.Count && BucketOf(points[end].Step, first, last, buckets) == bucket; end++)
            {
                if (points[end].Value < points[low].Value) low = end;
                if (points[end].Value > points[high].Value) high = end;
            }

            keep.Add(low);
            keep.Add(high);
            start = end;
        }

        return [.. keep.Select(i => points[i])];
    }
}
