using MoT.Data.Queries;

namespace MoT.Dashboard.Runs;

/// <summary>
/// A run's curves (train loss, eval loss, learning rate, system metrics), appended to as progress arrives. Thread-safe.
/// Bounded: a curve that outgrows <see cref="CompactAbove"/> points (a run watched live for hours) is folded to
/// <see cref="CompactTo"/> by <see cref="MinMaxCurve"/>, which keeps its first and last point and its extremes.
/// What <see cref="Get"/> hands a chart is a view that only grows while points are appended (new points join its end, and
/// it is downsampled afresh only when it outgrows the budget or an earlier step changes), so a live chart can be sent the
/// new points alone and a page that renders without new points gets the very same list back.
/// </summary>
public sealed class CurveSet
{
    /// <summary>Points one curve may hold before it is folded.</summary>
    public const int CompactAbove = 8 * MaxChartPoints;

    /// <summary>Points a folded curve keeps.</summary>
    public const int CompactTo = 2 * MaxChartPoints;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedList<long, double>> _series = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChartView> _views = new(StringComparer.Ordinal);

    /// <summary>What a chart was last given for one curve (budget, points, last step covered) and the points appended since.</summary>
    private sealed class ChartView(int budget, List<(double X, double Y)> shown, long lastStep)
    {
        public int Budget { get; } = budget;
        public IReadOnlyList<(double X, double Y)> Shown { get; set; } = shown;
        public long LastStep { get; set; } = lastStep;
        public bool Grown { get; set; }
    }

    public void Add(string name, long step, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return;
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points)) _series[name] = points = [];
            // The same point again (a store read that overlaps what the curve holds) changes nothing, not even the view.
            if (points.TryGetValue(step, out var held) && held.Equals(value)) return;
            if (_views.TryGetValue(name, out var view))
            {
                // A step after the shown ones extends the view; an earlier step (a resumed attempt trains it again) changes
                // what is already drawn, so the view starts over.
                if (step > view.LastStep) view.Grown = true;
                else _views.Remove(name);
            }

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
    /// every step range's min and max kept, as the store chooses them). Between two calls without new points the same list
    /// comes back; with points appended, the last list followed by them (until the budget is reached: then the whole curve
    /// is downsampled again, to <see cref="RefoldedShare"/> of the budget so that appends fit again for a while).</summary>
    public IReadOnlyList<(double X, double Y)> Get(string name, int maxPoints = MaxChartPoints)
    {
        lock (_gate)
        {
            if (!_series.TryGetValue(name, out var points) || points.Count == 0) return [];
            if (_views.TryGetValue(name, out var view) && view.Budget == maxPoints)
            {
                if (!view.Grown) return view.Shown;
                var start = points.Keys.Count - 1;
                while (start > 0 && points.Keys[start - 1] > view.LastStep) start--;
                var appended = points.Count - start;
                if (view.Shown.Count + appended <= maxPoints)
                {
                    var grown = new List<(double X, double Y)>(view.Shown.Count + appended);
                    grown.AddRange(view.Shown);
                    for (var i = start; i < points.Count; i++) grown.Add((points.Keys[i], points.Values[i]));
                    (view.Shown, view.LastStep, view.Grown) = (grown, points.Keys[^1], false);
                    return grown;
                }
            }

            // First call or another budget: the whole budget. A full view: below it, leaving room for the next appends.
            var all = points.Select(p => (p.Key, p.Value)).ToList();
            var target = view is null || view.Budget != maxPoints ? maxPoints : Math.Max(MinMaxCurve.MinBudget, (int)(maxPoints * RefoldedShare));
            List<(double X, double Y)> shown = [.. MinMaxCurve.Downsample(all, target).Select(p => ((double)p.Step, p.Value))];
            _views[name] = new ChartView(maxPoints, shown, points.Keys[^1]);
            return shown;
        }
    }

    /// <summary>The share of the budget a full view is downsampled to: the rest is room for appended points, so a curve
    /// watched live is redrawn whole once every quarter budget of new points rather than on every one.</summary>
    public const double RefoldedShare = 0.75;

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
