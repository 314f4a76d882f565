using System.Globalization;

namespace MoT.Dashboard.Components.Widgets;

/// <summary>One curve of a chart.</summary>
public sealed record ChartLine(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

/// <summary>An axis tick: where (pixels) and what it says.</summary>
public sealed record ChartTick(double Position, string Label);

/// <summary>Maps curves onto an SVG viewport: polylines plus axis ticks. Pure, so it is tested without a browser.</summary>
public sealed class ChartGeometry
{
    public const double Left = 56, Right = 12, Top = 10, Bottom = 28;

    public ChartGeometry(IReadOnlyList<ChartLine> lines, double width, double height)
    {
        Width = width;
        Height = height;
        lines = [.. lines.Where(l => l.Points.Count > 0)];
        var points = lines.SelectMany(l => l.Points).ToList();
        if (points.Count == 0)
        {
            IsEmpty = true;
            return;
        }

        (MinX, MaxX) = (points.Min(p => p.X), points.Max(p => p.X));
        (MinY, MaxY) = (points.Min(p => p.Y), points.Max(p => p.Y));
        if (MaxX <= MinX) MaxX = MinX + 1;
        if (MaxY <= MinY)
        {
            // A flat curve (e.g. a constant learning rate): a band around it proportional to its size.
            var half = Math.Abs(MinY) > 0 ? Math.Abs(MinY) * 0.1 : 0.5;
            (MinY, MaxY) = (MinY - half, MaxY + half);
        }
        var pad = (MaxY - MinY) * 0.05;
        (MinY, MaxY) = (MinY - pad, MaxY + pad);
        Paths = [.. lines.Select(l => (l, string.Join(" ", l.Points.Select(p => $"{Fmt(MapX(p.X))},{Fmt(MapY(p.Y))}"))))];
        XTicks = [.. Enumerable.Range(0, 5).Select(i => MinX + ((MaxX - MinX) * i / 4)).Select(x => new ChartTick(MapX(x), Label(x)))];
        YTicks = [.. Enumerable.Range(0, 5).Select(i => MinY + ((MaxY - MinY) * i / 4)).Select(y => new ChartTick(MapY(y), Label(y)))];
    }

    public double Width { get; }
    public double Height { get; }
    public bool IsEmpty { get; }
    public double MinX { get; }
    public double MaxX { get; }
    public double MinY { get; }
    public double MaxY { get; }
    public IReadOnlyList<(ChartLine Line, string Points)> Paths { get; } = [];
    public IReadOnlyList<ChartTick> XTicks { get; } = [];
    public IReadOnlyList<ChartTick> YTicks { get; } = [];
    public double PlotLeft => Left;
    public double PlotRight => Width - Right;
    public double PlotTop => Top;
    public double PlotBottom => Height - Bottom;

    public double MapX(double x) => Left + ((x - MinX) / (MaxX - MinX) * (Width - Left - Right));

    public double MapY(double y) => Height - Bottom - ((y - MinY) / (MaxY - MinY) * (Height - Top - Bottom));

    public static string Fmt(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Label(double value)
    {
        var magnitude = Math.Abs(value);
        return magnitude is > 0 and (< 1e-2 or >= 1e5)
            ? value.ToString("0.0e0", CultureInfo.InvariantCulture)
            : magnitude >= 100 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
