namespace MoT.Dashboard.Components.Widgets.Charts;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    Lines,
    Markers,
    LinesAndMarkers,
}

/// <summary>One named series of an x/y chart; the legend shows <paramref name="Name"/>.</summary>
/// <param name="Hover">One hover line per point (same order as <paramref name="Points"/>), or null for the plain x/y.</param>
/// <param name="MarkerSymbol">A plotly marker symbol name (e.g. <c>x</c>, <c>diamond</c>); null for circles.</param>
public sealed record ChartSeries(
    string Name,
    IReadOnlyList<(double X, double Y)> Points,
    string? Color = null,
    SeriesStyle Style = SeriesStyle.Lines,
    bool Dashed = false,
    IReadOnlyList<string>? Hover = null,
    bool ShowInLegend = true,
    string? MarkerSymbol = null,
    double? MarkerSize = null);

/// <summary>An axis of an x/y chart. <paramref name="TickValues"/>/<paramref name="TickLabels"/> name categories placed at 0, 1, 2, ...;
/// <paramref name="Range"/> fixes the shown range (in log10 units on a log axis), null lets plotly fit the data.</summary>
public sealed record ChartAxis(string? Title = null, bool Log = false, IReadOnlyList<double>? TickValues = null, IReadOnlyList<string>? TickLabels = null,
    (double Min, double Max)? Range = null, double? TickStep = null)
{
    /// <summary>An axis of whole numbers up to <paramref name="max"/> (trial numbers): ticks on integers only, about ten of
    /// them, where plotly's own choice would label 0.5, 1.5 ...</summary>
    public static ChartAxis Integers(string title, int max) => new(title, TickStep: Math.Max(1, Math.Ceiling(max / 10.0)));
}

/// <summary>Distinct colours for overlaid curves, shared by every chart.</summary>
public static class ChartPalette
{
    public static readonly IReadOnlyList<string> Colors = ["#3949ab", "#e53935", "#00897b", "#fb8c00", "#8e24aa", "#6d4c41", "#039be5", "#7cb342", "#d81b60", "#546e7a"];

    public static string At(int index) => Colors[((index % Colors.Count) + Colors.Count) % Colors.Count];

    /// <summary>Green (best, t = 0) through amber to red (worst, t = 1), for colouring trials by their loss.</summary>
    public static string Loss(double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        (int R, int G, int B) a = t < 0.5 ? (0x2e, 0x7d, 0x32) : (0xf9, 0xa8, 0x25);
        (int R, int G, int B) b = t < 0.5 ? (0xf9, 0xa8, 0x25) : (0xc6, 0x28, 0x28);
        var u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
        static int Mix(int x, int y, double u) => (int)Math.Round(x + ((y - x) * u));
        return $"#{Mix(a.R, b.R, u):x2}{Mix(a.G, b.G, u):x2}{Mix(a.B, b.B, u):x2}";
    }

    /// <summary>The same ramp as <see cref="Loss"/> as a plotly colour scale (low = green).</summary>
    public static object[] LossScale { get; } = [new object[] { 0, "#2e7d32" }, new object[] { 0.5, "#f9a825" }, new object[] { 1, "#c62828" }];
}
