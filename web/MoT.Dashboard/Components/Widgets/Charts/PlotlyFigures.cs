using Plotly.Blazor;
using PlotlyLayout = Plotly.Blazor.Layout;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using MoT.Dashboard.Sweeps;
using ScatterLine = Plotly.Blazor.Traces.ScatterLib.Line;
using ScatterMarker = Plotly.Blazor.Traces.ScatterLib.Marker;

namespace MoT.Dashboard.Components.Widgets.Charts;

/// <summary>
/// The one place that turns the dashboard's chart data into plotly traces and layouts, so every page's charts share
/// margins that fit their tick labels, legends, hover and zoom behaviour. Pure, so it is tested without a browser.
/// </summary>
public static class PlotlyFigures
{
    /// <summary>One scatter trace per series, named as the legend shows it.</summary>
    public static List<ITrace> Series(IEnumerable<ChartSeries> series) => [.. series.Select((s, i) => (ITrace)new Scatter
    {
        Name = s.Name,
        X = [.. s.Points.Select(p => (object)p.X)],
        Y = [.. s.Points.Select(p => (object)p.Y)],
        Mode = s.Style switch
        {
            SeriesStyle.Markers => Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            SeriesStyle.LinesAndMarkers => Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines | Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            _ => s.Points.Count == 1 ? Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers : Plotly.Blazor.Traces.ScatterLib.ModeFlag.Lines,
        },
        Line = new ScatterLine { Color = s.Color ?? ChartPalette.At(i), Width = 2, Dash = s.Dashed ? "dash" : "solid" },
        Marker = new ScatterMarker { Color = s.Color ?? ChartPalette.At(i), Size = (decimal)(s.MarkerSize ?? 7), Symbol = Symbol(s.MarkerSymbol) },
        HoverTextArray = s.Hover is null ? null : [.. s.Hover],
        HoverInfo = s.Hover is null ? null : Plotly.Blazor.Traces.ScatterLib.HoverInfoFlag.Text | Plotly.Blazor.Traces.ScatterLib.HoverInfoFlag.Name,
        ShowLegend = s.ShowInLegend,
    })];

    /// <summary>An x/y layout: axes that grow their margins to fit tick labels, a legend under the plot, zoom kept across updates.</summary>
    public static PlotlyLayout XY(ChartAxis x, ChartAxis y, int height, bool showLegend = true) => new()
    {
        Height = height,
        AutoSize = true,
        Margin = new Margin { L = 8, R = 8, T = 8, B = 8, AutoExpand = true },
        XAxis = [new XAxis
        {
            Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = x.Title },
            Type = x.Log ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Linear,
            AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True,
            TickVals = x.TickValues is null ? null : [.. x.TickValues.Select(v => (object)v)],
            TickText = x.TickLabels is null ? null : [.. x.TickLabels.Select(v => (object)v)],
            TickMode = x.TickStep is null ? null : Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum.Linear,
            Tick0 = x.TickStep is null ? null : 0,
            DTick = x.TickStep,
            ExponentFormat = Plotly.Blazor.LayoutLib.XAxisLib.ExponentFormatEnum.Power,
        }],
        YAxis = [new YAxis
        {
            Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = y.Title },
            Type = y.Log ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
            AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
            TickVals = y.TickValues is null ? null : [.. y.TickValues.Select(v => (object)v)],
            TickText = y.TickLabels is null ? null : [.. y.TickLabels.Select(v => (object)v)],
            Range = y.Range is { } range ? [range.Min, range.Max] : null,
            ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.Power,
        }],
        ShowLegend = showLegend,
        Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.25m, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Top }],
        HoverMode = HoverModeEnum.Closest,
        // A constant revision keeps the user's zoom and hidden legend entries while live points arrive.
        UiRevision = "keep",
    };

    /// <summary>
    /// A y range for data that is one constant value (a fixed learning rate): plotly would centre it in a band of
    /// plus or minus one, drawing 1e-4 as "0". A band of 10% around the value (half a unit around zero) shows it; null
    /// when the data varies or there is none.
    /// </summary>
    public static (double Min, double Max)? FlatRange(IEnumerable<ChartSeries> series, bool log)
    {
        var ys = series.SelectMany(s => s.Points).Select(p => p.Y).Where(double.IsFinite).Where(y => !log || y > 0).ToList();
        if (ys.Count == 0 || ys.Max() > ys.Min()) return null;
        var value = ys[0];
        if (log) return (Math.Log10(value) - 0.05, Math.Log10(value) + 0.05);
        var half = value == 0 ? 0.5 : Math.Abs(value) * 0.1;
        return (value - half, value + half);
    }

    /// <summary>Responsive charts with the mode bar (zoom, pan, reset, save as PNG) but no plotly logo.</summary>
    public static Config Config() => new()
    {
        Responsive = true,
        DisplayLogo = false,
        DisplayModeBar = Plotly.Blazor.ConfigLib.DisplayModeBarEnum.Hover,
    };

    /// <summary>Parallel coordinates: one dimension per axis, lines coloured by final eval loss (green best).</summary>
    public static List<ITrace> Parallel(ParallelCoordinates model) =>
    [
        new ParCoords
        {
            // Leave the right edge to the colour bar so it does not cover the loss axis's labels.
            Domain = new Plotly.Blazor.Traces.ParCoordsLib.Domain { X = [0, 0.86] },
            Dimensions = [.. model.Axes.Select(a => new Plotly.Blazor.Traces.ParCoordsLib.Dimension
            {
                Label = a.Title + (a.Scale == AxisScale.Log ? " (log)" : ""),
                Values = [.. a.Values.Select(v => (object)v)],
                Range = [a.Min, a.Max],
                TickVals = a.TickValues.Count == 0 ? null : [.. a.TickValues.Select(v => (object)v)],
                TickText = a.TickLabels.Count == 0 ? null : [.. a.TickLabels.Select(v => (object)v)],
                // Numbers at 4 significant digits (a loss axis labelled 2.318274 reads as noise).
                TickFormat = a.TickLabels.Count == 0 ? ".4~g" : null,
            })],
            Line = new Plotly.Blazor.Traces.ParCoordsLib.Line
            {
                ColorArray = [.. model.Lines.Select(l => (object)l.EvalLoss)],
                ColorScale = ChartPalette.LossScale,
                ShowScale = true,
            },
        },
    ];

    /// <summary>A filled contour of <paramref name="grid"/> with the trials it was fitted to drawn on top.</summary>
    public static List<ITrace> Contour(ContourGrid grid) =>
    [
        new Contour
        {
            Name = "predicted eval loss",
            X = [.. grid.X.Select(v => (object)v)],
            Y = [.. grid.Y.Select(v => (object)v)],
            Z = [.. grid.Z.Select(row => (object)row.ToArray())],
            ColorScale = ChartPalette.LossScale,
            ShowScale = true,
            HoverTemplate = $"{grid.XTitle} %{{x}}<br>{grid.YTitle} %{{y}}<br>predicted eval loss %{{z:.4f}}<extra></extra>",
        },
        new Scatter
        {
            Name = "trials",
            X = [.. grid.Trials.Select(t => (object)t.X)],
            Y = [.. grid.Trials.Select(t => (object)t.Y)],
            Mode = Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers,
            Marker = new ScatterMarker { Color = "#ffffff", Size = 8, Line = new Plotly.Blazor.Traces.ScatterLib.MarkerLib.Line { Color = "#212121", Width = 1.5m } },
            HoverTextArray = [.. grid.Trials.Select(t => t.Label)],
            HoverInfo = Plotly.Blazor.Traces.ScatterLib.HoverInfoFlag.Text,
            ShowLegend = false,
        },
    ];

    private static Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum? Symbol(string? name) => name switch
    {
        "x" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.X,
        "diamond" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond,
        "square" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Square,
        _ => null,
    };
}
