using System.Globalization;
using System.Text;
using System.Text.Json;
using MoT.Contracts.Sweeps;

namespace MoT.Dashboard.Sweeps;

/// <summary>How an axis of the parallel-coordinates plot maps values to heights.</summary>
public enum AxisScale
{
    Linear,
    /// <summary>Log-uniform parameters: equal ratios get equal distances.</summary>
    Log,
    /// <summary>Choice parameters: one evenly spaced position per value, in the spec's order.</summary>
    Categorical,
}

/// <summary>A tick on an axis: its height in pixels and its label.</summary>
public sealed record AxisTick(double Y, string Label);

/// <summary>One vertical axis: a searched parameter, or the final eval loss (the last axis).</summary>
public sealed record ParallelAxis(string Title, double X, AxisScale Scale, IReadOnlyList<AxisTick> Ticks);

/// <summary>One trial's polyline. <paramref name="Path"/> is SVG path data; a parameter the trial did not have
/// (a conditional one) leaves a gap.</summary>
public sealed record ParallelLine(int TrialIndex, Guid RunId, double EvalLoss, bool EarlyStopped, string Color, string Path, string Tooltip);

/// <summary>
/// Parallel coordinates of a sweep: one axis per search-space dimension plus final eval loss, one line per finished
/// trial coloured from best (green) to worst (red) loss, early-stopped trials flagged (the page draws them dashed).
/// Pure geometry, so it is tested without a browser.
/// </summary>
public sealed class ParallelCoordinates
{
    public const double Left = 50, Right = 60, Top = 34, Bottom = 16;

    private readonly double _width;
    private readonly double _height;

    public ParallelCoordinates(IReadOnlyList<SearchParameter> space, IReadOnlyList<TrialSnapshot> trials, double width = 760, double height = 300)
    {
        (_width, _height) = (width, height);
        var finished = trials.Where(t => t.Status != TrialStatus.Active && t.BestEvalLoss is { } loss && double.IsFinite(loss)).ToList();
        var values = finished.ToDictionary(t => t.Index, t => Parameters(t.ParametersJson));
        var count = space.Count + 1;
        var spacing = count == 1 ? 0 : (width - Left - Right) / (count - 1);
        var scales = space.Select((p, i) => Scale.For(p, [.. values.Values.Select(v => v.GetValueOrDefault(p.Path))])).ToList();
        var losses = finished.Select(t => t.BestEvalLoss!.Value).ToList();
        var lossScale = Scale.Numeric(losses.DefaultIfEmpty(0).Min(), losses.DefaultIfEmpty(1).Max(), log: false);
        scales.Add(lossScale);

        Axes = [.. scales.Select((scale, i) => new ParallelAxis(
            i < space.Count ? space[i].Path : "final eval loss", Left + (i * spacing), scale.AxisScale,
            [.. scale.Ticks().Select(t => new AxisTick(MapY(t.Position), t.Label))]))];

        var (best, worst) = (losses.DefaultIfEmpty(0).Min(), losses.DefaultIfEmpty(0).Max());
        Lines = [.. finished.OrderByDescending(t => t.BestEvalLoss).Select(trial =>
        {
            var loss = trial.BestEvalLoss!.Value;
            var path = new StringBuilder();
            var pen = false;
            for (var i = 0; i < count; i++)
            {
                double? position = i < space.Count ? scales[i].Position(values[trial.Index].GetValueOrDefault(space[i].Path)) : lossScale.Position(loss);
                if (position is not { } p)
                {
                    pen = false;
                    continue;
                }

                path.Append(pen ? " L" : (path.Length == 0 ? "M" : " M")).Append(Fmt(Axes[i].X)).Append(',').Append(Fmt(MapY(p)));
                pen = true;
            }

            var tooltip = $"#{trial.Index} · eval loss {loss.ToString("0.0000", CultureInfo.InvariantCulture)}"
                + (trial.Status == TrialStatus.Pruned ? $" · pruned (early-stopped) at step {trial.StoppedAtStep}" : "")
                + string.Concat(space.Select(p => $" · {p.Path}={Text(values[trial.Index].GetValueOrDefault(p.Path))}"));
            return new ParallelLine(trial.Index, trial.RunId, loss, trial.Status == TrialStatus.Pruned,
                LossColor(worst > best ? (loss - best) / (worst - best) : 0), path.ToString(), tooltip);
        })];
    }

    public IReadOnlyList<ParallelAxis> Axes { get; }

    /// <summary>Worst first, so the best runs are drawn on top.</summary>
    public IReadOnlyList<ParallelLine> Lines { get; }

    public double Width => _width;

    public double Height => _height;

    public double PlotTop => Top;

    public double PlotBottom => _height - Bottom;

    /// <summary>Normalised position (0 bottom, 1 top) to pixels.</summary>
    public double MapY(double position) => PlotBottom - (position * (PlotBottom - PlotTop));

    /// <summary>Green (best, t = 0) through amber to red (worst, t = 1).</summary>
    public static string LossColor(double t)
    {
        t = Math.Clamp(t, 0, 1);
        (int R, int G, int B) a = t < 0.5 ? (0x2e, 0x7d, 0x32) : (0xf9, 0xa8, 0x25);
        (int R, int G, int B) b = t < 0.5 ? (0xf9, 0xa8, 0x25) : (0xc6, 0x28, 0x28);
        var u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
        static int Mix(int x, int y, double u) => (int)Math.Round(x + ((y - x) * u));
        return $"#{Mix(a.R, b.R, u):x2}{Mix(a.G, b.G, u):x2}{Mix(a.B, b.B, u):x2}";
    }

    public static string Fmt(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static Dictionary<string, JsonElement> Parameters(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => "—",
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Number => value.GetDouble().ToString("G4", CultureInfo.InvariantCulture),
        _ => value.GetRawText(),
    };

    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    /// <summary>One axis's mapping from a trial's value to a normalised height.</summary>
    private abstract class Scale
    {
        public abstract AxisScale AxisScale { get; }

        public abstract double? Position(JsonElement value);

        public abstract IEnumerable<(double Position, string Label)> Ticks();

        public static Scale For(SearchParameter parameter, IReadOnlyList<JsonElement> seen)
        {
            var numbers = seen.Select(Number).OfType<double>().ToList();
            if (parameter.Kind == ParameterKind.Choice || (numbers.Count == 0 && seen.Any(v => v.ValueKind != JsonValueKind.Undefined)))
            {
                var categories = (parameter.Values ?? []).Select(Unquote).ToList();
                foreach (var text in seen.Where(v => v.ValueKind != JsonValueKind.Undefined).Select(Text))
                    if (!categories.Contains(text)) categories.Add(text);
                return new CategoricalScale(categories);
            }

            var log = parameter.Kind == ParameterKind.LogUniform;
            var low = parameter.Low ?? numbers.DefaultIfEmpty(0).Min();
            var high = parameter.High ?? numbers.DefaultIfEmpty(1).Max();
            // A value outside the declared range (an edited base config) still fits on the axis.
            if (numbers.Count > 0) (low, high) = (Math.Min(low, numbers.Min()), Math.Max(high, numbers.Max()));
            return Numeric(low, high, log && low > 0);
        }

        public static NumericScale Numeric(double low, double high, bool log) => new(low, high, log);

        /// <summary>Choice values are JSON literals or plain strings: <c>"MoT"</c> and <c>MoT</c> are the same category.</summary>
        private static string Unquote(string value)
        {
            try
            {
                using var document = JsonDocument.Parse(value);
                return Text(document.RootElement);
            }
            catch (JsonException)
            {
                return value;
            }
        }
    }

    private sealed class NumericScale : Scale
    {
        private readonly double _low, _high;
        private readonly bool _log;

        public NumericScale(double low, double high, bool log)
        {
            _log = log;
            (_low, _high) = log ? (Math.Log10(low), Math.Log10(high)) : (low, high);
            if (_high <= _low)
            {
                var half = Math.Abs(_low) > 0 ? Math.Abs(_low) * 0.1 : 0.5;
                (_low, _high) = (_low - half, _high + half);
            }
        }

        public override AxisScale AxisScale => _log ? AxisScale.Log : AxisScale.Linear;

        public override double? Position(JsonElement value) => Number(value) is { } v ? Position(v) : null;

        public double? Position(double value)
        {
            if (_log && value <= 0) return null;
            var x = _log ? Math.Log10(value) : value;
            return (x - _low) / (_high - _low);
        }

        public override IEnumerable<(double Position, string Label)> Ticks()
        {
            if (_log)
            {
                // Every decade inside the range, plus both ends.
                var decades = Enumerable.Range((int)Math.Ceiling(_low), Math.Max(0, (int)Math.Floor(_high) - (int)Math.Ceiling(_low) + 1)).Select(d => (double)d);
                return new[] { _low, _high }.Concat(decades).Distinct().Order()
                    .Select(e => ((e - _low) / (_high - _low), Label(Math.Pow(10, e))));
            }

            return Enumerable.Range(0, 3).Select(i => (i / 2.0, Label(_low + ((_high - _low) * i / 2))));
        }

        private static string Label(double value)
        {
            var magnitude = Math.Abs(value);
            return magnitude is > 0 and (< 1e-2 or >= 1e5)
                ? value.ToString("0.0#e0", CultureInfo.InvariantCulture)
                : value.ToString("0.####", CultureInfo.InvariantCulture);
        }
    }

    private sealed class CategoricalScale(List<string> categories) : Scale
    {
        public override AxisScale AxisScale => AxisScale.Categorical;

        public override double? Position(JsonElement value) =>
            value.ValueKind == JsonValueKind.Undefined ? null
            : categories.IndexOf(Text(value)) is var i and >= 0 ? At(i) : null;

        public override IEnumerable<(double Position, string Label)> Ticks() => categories.Select((c, i) => (At(i), c));

        private double At(int i) => categories.Count == 1 ? 0.5 : i / (double)(categories.Count - 1);
    }
}
