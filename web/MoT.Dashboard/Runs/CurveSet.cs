namespace MoT.Dashboard.Runs;

/// <summary>A run's curves (train loss, eval loss, learning rate), appended to as progress arrives. Thread-safe.</summary>
public sealed class CurveSet
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedList<long, double>> _series = new(StringComparer.Ordinal);

    public void Add(string name, long step, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return;
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points)) _series[name] = points = [];
            points[step] = value;
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

    public int Count(string name)
    {
        lock (_gate) return _series.TryGetValue(name, out var points) ? points.Count : 0;
    }

    /// <summary>The points of one curve, at most <paramref name="maxPoints"/> (LTTB: first, last and spikes kept).</summary>
    public IReadOnlyList<(double X, double Y)> Get(string name, int maxPoints = MaxChartPoints)
    {
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points) || points.Count == 0) return [];
            return Downsample([.. points.Select(p => ((double)p.Key, p.Value))], maxPoints);
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
