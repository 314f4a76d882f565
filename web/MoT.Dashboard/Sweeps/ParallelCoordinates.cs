using System.Globalization;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Components;

namespace MoT.Dashboard.Sweeps;

/// <summary>How an axis of the parallel-coordinates plot maps values to heights.</summary>
public enum AxisScale
{
    Linear,
    /// <summary>Log-uniform parameters: plotted as log10 so equal ratios get equal distances; ticks name the real values.</summary>
    Log,
    /// <summary>Choice parameters (and the trial outcome): one evenly spaced position per value, in the spec's order.</summary>
    Categorical,
}

/// <summary>
/// One vertical axis: a searched parameter, how trials ended (when any was early-stopped), or the final eval loss (last).
/// <paramref name="Values"/> holds one plotted value per line of <see cref="ParallelCoordinates.Lines"/>, in the same
/// order; <paramref name="TickValues"/>/<paramref name="TickLabels"/> say what the positions mean.
/// </summary>
public sealed record ParallelAxis(string Title, AxisScale Scale, IReadOnlyList<double> Values, IReadOnlyList<double> TickValues, IReadOnlyList<string> TickLabels, double Min, double Max);

/// <summary>One finished trial: one polyline across the axes, coloured by its loss.</summary>
public sealed record ParallelLine(int TrialIndex, Guid RunId, double EvalLoss, bool EarlyStopped, string Tooltip);

/// <summary>
/// Parallel coordinates of a sweep: one axis per search-space dimension, an "ended" axis when some trial was
/// early-stopped, then final eval loss; one line per finished trial (coloured best green to worst red by the chart).
/// A conditional parameter a trial did not have sits on an "n/a" position below the axis's range.
/// Pure data, so it is tested without a browser.
/// </summary>
public sealed class ParallelCoordinates
{
    public const string NotApplicable = "n/a";

    public ParallelCoordinates(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialSnapshot> trials)
    {
        var finished = trials.Where(t => t.Status != TrialStatus.Active && t.BestEvalLoss is { } loss && double.IsFinite(loss)).OrderBy(t => t.Index).ToList();
        var values = finished.Select(t => TrialParameters.Parse(t.ParametersJson)).ToList();
        var axes = new List<ParallelAxis>();
        foreach (var parameter in space)
        {
            var seen = values.Select(v => v.GetValueOrDefault(parameter.Path)).ToList();
            axes.Add(TrialParameters.IsCategorical(parameter, seen) ? Categorical(parameter, seen) : Numeric(parameter, seen));
        }

        if (finished.Any(t => t.Status == TrialStatus.Pruned))
        {
            var outcomes = finished.Select(Outcome).ToList();
            var labels = outcomes.Distinct().OrderBy(o => o == "completed" ? 0 : 1).ToList();
            axes.Add(new ParallelAxis("ended", AxisScale.Categorical, [.. outcomes.Select(o => (double)labels.IndexOf(o))],
                [.. labels.Select((_, i) => (double)i)], labels, 0, Math.Max(1, labels.Count - 1)));
        }

        var losses = finished.Select(t => t.BestEvalLoss!.Value).ToList();
        axes.Add(new ParallelAxis("final eval loss", AxisScale.Linear, losses, [], [], losses.DefaultIfEmpty(0).Min(), losses.DefaultIfEmpty(1).Max()));
        Axes = axes;
        Lines = [.. finished.Select((trial, i) => new ParallelLine(trial.Index, trial.RunId, trial.BestEvalLoss!.Value, trial.Status == TrialStatus.Pruned,
            $"#{trial.Index} · eval loss {Formats.Loss(trial.BestEvalLoss)}"
            + (trial.Status == TrialStatus.Pruned ? $" · pruned (early-stopped) at step {trial.StoppedAtStep}" : "")
            + string.Concat(space.Select(p => $" · {p.Path}={TrialParameters.Text(values[i].GetValueOrDefault(p.Path))}"))))];
    }

    public IReadOnlyList<ParallelAxis> Axes { get; }

    /// <summary>Finished trials in trial order; every axis has one value per line in this order.</summary>
    public IReadOnlyList<ParallelLine> Lines { get; }

    private static string Outcome(TrialSnapshot trial) => trial.Status switch
    {
        TrialStatus.Completed => "completed",
        TrialStatus.Pruned => "pruned",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static ParallelAxis Categorical(SearchParameter parameter, IReadOnlyList<ParameterValue?> seen)
    {
        var categories = TrialParameters.Categories(parameter, seen);
        if (seen.Any(v => v is null)) categories.Add(NotApplicable);
        var positions = seen.Select(v => (double)categories.IndexOf(v is null ? NotApplicable : v.Text)).ToList();
        return new ParallelAxis(parameter.Path, AxisScale.Categorical, positions, [.. categories.Select((_, i) => (double)i)], categories, 0, Math.Max(1, categories.Count - 1));
    }

    private static ParallelAxis Numeric(SearchParameter parameter, IReadOnlyList<ParameterValue?> seen)
    {
        var log = parameter.Kind == ParameterKind.LogUniform && (parameter.Low ?? 1) > 0 && seen.All(v => v?.Number is not { } n || n > 0);
        var numbers = seen.Select(v => v?.Number).OfType<double>().ToList();
        var low = parameter.Low ?? numbers.DefaultIfEmpty(0).Min();
        var high = parameter.High ?? numbers.DefaultIfEmpty(1).Max();
        // A value outside the declared range (an edited base config) still fits on the axis.
        if (numbers.Count > 0) (low, high) = (Math.Min(low, numbers.Min()), Math.Max(high, numbers.Max()));
        double Map(double v) => log ? Math.Log10(v) : v;
        var (min, max) = (Map(low), Map(high));
        if (max <= min) (min, max) = (min - 0.5, max + 0.5);
        List<double> ticks;
        if (log)
        {
            var decades = Enumerable.Range((int)Math.Ceiling(min), Math.Max(0, (int)Math.Floor(max) - (int)Math.Ceiling(min) + 1)).Select(d => (double)d);
            ticks = [.. new[] { min, max }.Concat(decades).Distinct().Order()];
        }
        else if (parameter.Kind == ParameterKind.Int && (parameter.Step ?? 1) > 0 && (max - min) / (parameter.Step ?? 1) <= 12)
        {
            // An integer parameter is labelled at the values it can take, not at fractions between them.
            var step = parameter.Step ?? 1;
            ticks = [.. Enumerable.Range(0, (int)Math.Floor(((max - min) / step) + 1e-9) + 1).Select(i => min + (i * step))];
        }
        else
        {
            ticks = [.. Enumerable.Range(0, 5).Select(i => min + ((max - min) * i / 4))];
        }

        var labels = ticks.Select(t => TrialParameters.Round(log ? Math.Pow(10, t) : t)).ToList();
        var missing = min - ((max - min) * 0.15);
        if (seen.Any(v => v?.Number is null))
        {
            ticks.Insert(0, missing);
            labels.Insert(0, NotApplicable);
            min = missing;
        }

        return new ParallelAxis(parameter.Path, log ? AxisScale.Log : AxisScale.Linear,
            [.. seen.Select(v => v?.Number is { } n ? Map(n) : missing)], ticks, labels, min, max);
    }
}
