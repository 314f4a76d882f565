using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>
/// A run's curves (train loss, eval loss, learning rate, system metrics), appended to as progress arrives. Thread-safe.
/// Bounded: a curve that outgrows <see cref="CompactAbove"/> points (a run watched live for hours) is folded to
/// <see cref="CompactTo"/> by <see cref="MinMaxCurve"/>, which keeps its first and last point and its extremes.
/// </summary>
public sealed class CurveSet
{
    /// <summary>Points one curve may hold before it is folded.</summary>
    public const int CompactAbove = 8 * MaxChartPoints;

    /// <summary>Points a folded curve keeps.</summary>
    public const int CompactTo = 2 * MaxChartPoints;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedList<long, double>> _series = new(StringComparer.Ordinal);

    public void Add(string name, long step, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return;
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points)) _series[name] = points = [];
            points[step] = value;
            if (points.Count > CompactAbove)
            {
                var folded = MinMaxCurve.Downsample([.. points.Select(p => (p.Key, p.Value))], CompactTo);
                points.Clear();
                foreach (var (s, v) in folded) points[s] = v;
            }
        }
    }

    public void AddRange(MetricSeries series)
    {
        foreach (var (step, value) in series.Points) Add(series.Name, step, value);
    }

    /// <summary>Names of the curves that have points.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate) return [.. _series.Keys];
        }
    }

    /// <summary>The last point of one curve, or null when it has none.</summary>
    public (long Step, double Value)? Last(string name)
    {
        lock (_gate)
        {
            return _series.TryGetValue(name, out var points) && points.Count > 0 ? (points.Keys[^1], points.Values[^1]) : null;
        }
    }

    /// <summary>The last step of one curve, or null when it has none.</summary>
    public long? LastStep(string name) => Last(name)?.Step;

    public int Count(string name)
    {
        lock (_gate) return _series.TryGetValue(name, out var points) ? points.Count : 0;
    }

    /// <summary>The points of one curve, at most <paramref name="maxPoints"/> (<see cref="MinMaxCurve"/>: first, last and
    /// every step range's min and max kept, as the store chooses them).</summary>
    public IReadOnlyList<(double X, double Y)> Get(string name, int maxPoints = MaxChartPoints)
    {
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points) || points.Count == 0) return [];
            return [.. MinMaxCurve.Downsample([.. points.Select(p => (p.Key, p.Value))], maxPoints).Select(p => ((double)p.Step, p.Value))];
        }
    }

    /// <summary>How many points one curve sends to the browser: enough for a chart a few thousand pixels wide.</summary>
    public const int MaxChartPoints = 1000;

    /// <summary>At most <paramref name="maxPoints"/> points of a curve chosen by <see cref="Lttb"/>.</summary>
    public static IReadOnlyList<(double X, double Y)> Downsample(IReadOnlyList<(double X, double Y)> points, int maxPoints) =>
        Lttb.Downsample(points, maxPoints);

    /// <summary>Exponential moving average (TensorBoard-style smoothing, 0 = none, &lt;1).</summary>
    public static IReadOnlyList<(double X, double Y)> Smooth(IReadOnlyList<(double X, double Y)> points, double weight)
    {
        if (weight <= 0 || points.Count == 0) return points;
        var result = new List<(double, double)>(points.Count);
        var last = points[0].Y;
        foreach (var (x, y) in points)
        {
            last = (last * weight) + ((1 - weight) * y);
            result.Add((x, last));
        }

        return result;
    }
}
