using MoT.Contracts.Sweeps;
using MoT.Dashboard.Runs;

namespace MoT.Dashboard.Sweeps;

/// <summary>A finished trial on the optimization history: its final eval loss and the best of the sweep up to it.</summary>
public sealed record HistoryPoint(int TrialIndex, Guid RunId, double Objective, double BestSoFar);

/// <summary>Share of the objective's variance one parameter explains on its own (0..1, the shares sum to 1).</summary>
public sealed record ParameterImportance(string Parameter, double Importance);

/// <summary>One trial on a slice plot: the parameter's value (category position for choices) against its final eval loss.</summary>
public sealed record SlicePoint(int TrialIndex, double X, double Objective, string Label);

/// <summary>Final eval loss against one parameter. <paramref name="Categories"/> name positions 0, 1, ... of a choice parameter.</summary>
public sealed record SlicePlot(string Parameter, bool Log, IReadOnlyList<string>? Categories, IReadOnlyList<SlicePoint> Points);

/// <summary>A trial drawn on a contour: where it sampled and what it scored.</summary>
public sealed record ContourPoint(double X, double Y, string Label);

/// <summary>Predicted eval loss over a grid of two parameters (Z[row for Y][column for X]); log parameters in real units on log axes.</summary>
public sealed record ContourGrid(string XTitle, string YTitle, bool XLog, bool YLog, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    IReadOnlyList<IReadOnlyList<double>> Z, IReadOnlyList<ContourPoint> Trials);

/// <summary>A trial's eval-loss curve; <paramref name="StoppedAtStep"/> is where early stopping cut it (null when it was not).</summary>
public sealed record IntermediateCurve(int TrialIndex, Guid RunId, TrialStatus Status, IReadOnlyList<(double X, double Y)> Points, long? StoppedAtStep);

/// <summary>
/// What the Optuna dashboard shows about a study, for one sweep: optimization history (final eval loss per completed
/// trial and the best so far), parameter importance from a random forest fitted on the server, slice plots, a contour
/// of any two numeric parameters, and each trial's eval curve with the step where early stopping cut it.
/// The objective is a trial's final best eval loss; only completed trials enter it (a pruned trial's loss is from an
/// earlier step and would flatter or punish its parameters).
/// </summary>
public sealed class SweepAnalysis
{
    /// <summary>Fewer completed trials than this and the forest says nothing worth reading.</summary>
    public const int MinTrialsForImportance = 4;

    public const string ImportanceMethod =
        "Random-forest importance, fANOVA-style: a 64-tree regression forest is fitted to the completed trials; each parameter's share is the variance of the forest's prediction explained by that parameter alone (its main effect), normalised to sum to 1.";

    private readonly IReadOnlyList<SearchParameter> _space;
    private readonly List<TrialSnapshot> _completed;
    private readonly List<double[]> _rows;
    private readonly List<string>?[] _categories;
    private readonly bool[] _log;
    private readonly RandomForest? _forest;

    public SweepAnalysis(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialSnapshot> trials, IReadOnlyDictionary<Guid, IReadOnlyList<(double X, double Y)>> evalCurves)
    {
        _space = space;
        _completed = [.. trials.Where(t => t.Status == TrialStatus.Completed && t.BestEvalLoss is { } l && double.IsFinite(l)).OrderBy(t => t.Index)];
        var values = _completed.Select(t => TrialParameters.Parse(t.ParametersJson)).ToList();

        // Encode each parameter as one number: log10 for log-uniform, the category position for choices, and a value
        // below the observed range for a conditional parameter the trial did not have.
        _categories = new List<string>?[space.Count];
        _log = new bool[space.Count];
        var columns = new double[space.Count][];
        for (var p = 0; p < space.Count; p++)
        {
            var seen = values.Select(v => v.GetValueOrDefault(space[p].Path)).ToList();
            if (TrialParameters.IsCategorical(space[p], seen))
            {
                var categories = TrialParameters.Categories(space[p], seen);
                _categories[p] = categories;
                columns[p] = [.. seen.Select(v => v is null ? -1.0 : categories.IndexOf(v.Text))];
            }
            else
            {
                _log[p] = space[p].Kind == ParameterKind.LogUniform && seen.All(v => v?.Number is not { } n || n > 0);
                var numbers = seen.Select(v => v?.Number is { } n ? (_log[p] ? Math.Log10(n) : n) : (double?)null).ToList();
                var floor = numbers.OfType<double>().DefaultIfEmpty(0).Min() - 1;
                columns[p] = [.. numbers.Select(n => n ?? floor)];
            }
        }

        _rows = [.. Enumerable.Range(0, _completed.Count).Select(r => Enumerable.Range(0, space.Count).Select(p => columns[p][r]).ToArray())];

        var best = double.PositiveInfinity;
        History = [.. _completed.Select(t =>
        {
            best = Math.Min(best, t.BestEvalLoss!.Value);
            return new HistoryPoint(t.Index, t.RunId, t.BestEvalLoss.Value, best);
        })];

        // A conditional parameter a trial did not have puts no point on that parameter's slice.
        Slices = [.. space.Select((parameter, p) => new SlicePlot(parameter.Path, _log[p], _categories[p],
            [.. _completed.Select((t, r) => (t, r)).Where(x => values[x.r].ContainsKey(parameter.Path)).Select(x => new SlicePoint(x.t.Index,
                Display(p, _rows[x.r][p]), x.t.BestEvalLoss!.Value,
                $"#{x.t.Index} · {parameter.Path}={TrialParameters.Text(values[x.r][parameter.Path])} · eval loss {MoT.Dashboard.Components.Formats.Loss(x.t.BestEvalLoss)}"))]))];

        Intermediate = Curves(trials, evalCurves);

        if (_completed.Count >= MinTrialsForImportance && space.Count > 0)
        {
            _forest = RandomForest.Fit(_rows, [.. _completed.Select(t => t.BestEvalLoss!.Value)]);
            Importances = [.. MainEffects().OrderByDescending(i => i.Importance)];
        }
    }

    private SweepAnalysis(SweepAnalysis fitted, IReadOnlyList<IntermediateCurve> intermediate)
    {
        (_space, _completed, _rows, _categories, _log, _forest) = (fitted._space, fitted._completed, fitted._rows, fitted._categories, fitted._log, fitted._forest);
        (History, Importances, Slices) = (fitted.History, fitted.Importances, fitted.Slices);
        Intermediate = intermediate;
    }

    /// <summary>
    /// Identifies what the fitted part depends on (the completed trials and their losses): while it stays the same,
    /// <see cref="WithCurves"/> reuses the forest instead of fitting it again.
    /// </summary>
    public static string FitKey(IEnumerable<TrialSnapshot> trials) => string.Join(";", trials
        .Where(t => t.Status == TrialStatus.Completed && t.BestEvalLoss is { } l && double.IsFinite(l)).OrderBy(t => t.Index)
        .Select(t => $"{t.Index}:{t.BestEvalLoss!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>This analysis with fresh intermediate curves (a running sweep's curves grow between refreshes).</summary>
    public SweepAnalysis WithCurves(IReadOnlyList<TrialSnapshot> trials, IReadOnlyDictionary<Guid, IReadOnlyList<(double X, double Y)>> evalCurves) =>
        new(this, Curves(trials, evalCurves));

    private static List<IntermediateCurve> Curves(IReadOnlyList<TrialSnapshot> trials, IReadOnlyDictionary<Guid, IReadOnlyList<(double X, double Y)>> evalCurves) =>
        [.. trials.OrderBy(t => t.Index).Select(t => new IntermediateCurve(t.Index, t.RunId, t.Status,
            evalCurves.GetValueOrDefault(t.RunId) ?? [], t.Status == TrialStatus.Pruned ? t.StoppedAtStep ?? LastStep(evalCurves.GetValueOrDefault(t.RunId)) : null))];

    public IReadOnlyList<HistoryPoint> History { get; }

    /// <summary>Most important first; null until <see cref="MinTrialsForImportance"/> trials completed.</summary>
    public IReadOnlyList<ParameterImportance>? Importances { get; }

    public IReadOnlyList<SlicePlot> Slices { get; }

    public IReadOnlyList<IntermediateCurve> Intermediate { get; }

    public int CompletedTrials => _completed.Count;

    /// <summary>Parameters a contour can use (numeric ones).</summary>
    public IReadOnlyList<string> NumericParameters => [.. _space.Where((_, p) => _categories[p] is null).Select(s => s.Path)];

    /// <summary>The two most important numeric parameters (search-space order until importance is known).</summary>
    public (string X, string Y)? DefaultContourPair
    {
        get
        {
            var numeric = NumericParameters;
            var ranked = Importances?.Select(i => i.Parameter).Where(numeric.Contains).ToList() ?? [.. numeric];
            return ranked.Count >= 2 ? (ranked[0], ranked[1]) : null;
        }
    }

    /// <summary>
    /// The forest's prediction over a <paramref name="size"/> x <paramref name="size"/> grid of two numeric parameters,
    /// averaged over the other parameters' observed values (a two-way partial dependence); null when the forest is not
    /// fitted yet or a parameter is not numeric.
    /// </summary>
    public ContourGrid? Contour(string xParameter, string yParameter, int size = 25)
    {
        var (px, py) = (Index(xParameter), Index(yParameter));
        if (_forest is null || px < 0 || py < 0 || px == py || _categories[px] is not null || _categories[py] is not null) return null;
        var xs = Grid(px, size);
        var ys = Grid(py, size);
        var background = Background();
        var z = ys.Select(y => (IReadOnlyList<double>)[.. xs.Select(x => background.Average(row =>
        {
            var probe = (double[])row.Clone();
            probe[px] = x;
            probe[py] = y;
            return _forest.Predict(probe);
        }))]).ToList();
        var trials = _completed.Select((t, r) => new ContourPoint(Display(px, _rows[r][px]), Display(py, _rows[r][py]),
            $"#{t.Index} · eval loss {MoT.Dashboard.Components.Formats.Loss(t.BestEvalLoss)}")).ToList();
        return new ContourGrid(xParameter, yParameter, _log[px], _log[py], [.. xs.Select(x => Display(px, x))], [.. ys.Select(y => Display(py, y))], z, trials);
    }

    private IEnumerable<ParameterImportance> MainEffects()
    {
        var background = Background();
        var effects = new double[_space.Count];
        for (var p = 0; p < _space.Count; p++)
        {
            // Partial dependence of the prediction on parameter p, at each completed trial's own value of p.
            var cache = new Dictionary<double, double>();
            var dependence = _rows.Select(row =>
            {
                if (cache.TryGetValue(row[p], out var known)) return known;
                return cache[row[p]] = background.Average(b =>
                {
                    var probe = (double[])b.Clone();
                    probe[p] = row[p];
                    return _forest!.Predict(probe);
                });
            }).ToList();
            var mean = dependence.Average();
            effects[p] = dependence.Average(d => (d - mean) * (d - mean));
        }

        var total = effects.Sum();
        return _space.Select((s, p) => new ParameterImportance(s.Path, total > 0 ? effects[p] / total : 1.0 / _space.Count));
    }

    /// <summary>The trials the partial dependence averages over (at most 64, spread over the sweep).</summary>
    private List<double[]> Background() =>
        _rows.Count <= 64 ? _rows : [.. Enumerable.Range(0, 64).Select(i => _rows[i * _rows.Count / 64])];

    private double[] Grid(int p, int size)
    {
        var (low, high) = (_rows.Min(r => r[p]), _rows.Max(r => r[p]));
        var parameter = _space[p];
        if (parameter.Low is { } l && parameter.High is { } h && (!_log[p] || l > 0))
            (low, high) = (Math.Min(low, _log[p] ? Math.Log10(l) : l), Math.Max(high, _log[p] ? Math.Log10(h) : h));
        if (high <= low) high = low + 1;
        return [.. Enumerable.Range(0, size).Select(i => low + ((high - low) * i / (size - 1)))];
    }

    private double Display(int p, double encoded) => _log[p] ? Math.Pow(10, encoded) : encoded;

    private int Index(string path) => _space.ToList().FindIndex(s => s.Path == path);

    private static long? LastStep(IReadOnlyList<(double X, double Y)>? curve) => curve is { Count: > 0 } ? (long)curve[^1].X : null;
}
