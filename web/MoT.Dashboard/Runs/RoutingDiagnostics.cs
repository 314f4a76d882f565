using System.Text.RegularExpressions;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Silo.Training;

namespace MoT.Dashboard.Runs;

/// <summary>One of the per-block routing metrics the MoE panel can chart.</summary>
/// <param name="Suffix">Metric name after <c>blockN.</c> (see <see cref="MetricNames.RoutingEntropy"/>).</param>
public sealed record RoutingMetric(string Suffix, string Title);

/// <summary>Latest routing diagnostics of one MoT/MoE block.</summary>
public sealed record BlockRoutingRow(int Block, long Step, double? Entropy, double? DroppedFraction, double? MaxExpertLoad);

/// <summary>
/// The run page's MoE diagnostics panel, read off the run's curves: which blocks route, their latest entropy, dropped
/// fraction and busiest-expert share, and one curve per block of a chosen metric. Empty (panel hidden) for dense runs.
/// </summary>
public static partial class RoutingDiagnostics
{
    public static readonly RoutingMetric Entropy = new("routing_entropy", "routing entropy");
    public static readonly RoutingMetric Dropped = new("dropped_fraction", "dropped fraction");
    public static readonly RoutingMetric MaxLoad = new("max_expert_load", "max expert load");

    /// <summary>The metrics in panel order.</summary>
    public static IReadOnlyList<RoutingMetric> Metrics { get; } = [Entropy, MaxLoad, Dropped];

    [GeneratedRegex(@"^block(\d+)\.(routing_entropy|dropped_fraction|max_expert_load)$")]
    private static partial Regex BlockMetric();

    /// <summary>Blocks (ascending) that have any routing metric in <paramref name="curves"/>.</summary>
    public static IReadOnlyList<int> Blocks(CurveSet curves) =>
        [.. curves.Names.Select(n => BlockMetric().Match(n)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order()];

    /// <summary>The latest value of each metric per block; empty for a dense run.</summary>
    public static IReadOnlyList<BlockRoutingRow> Latest(CurveSet curves) => [.. Blocks(curves).Select(block =>
    {
        var entropy = curves.Last(MetricNames.RoutingEntropy(block));
        var dropped = curves.Last(MetricNames.DroppedFraction(block));
        var load = curves.Last(MetricNames.MaxExpertLoad(block));
        var step = new[] { entropy?.Step, dropped?.Step, load?.Step }.Max() ?? 0;
        return new BlockRoutingRow(block, step, entropy?.Value, dropped?.Value, load?.Value);
    })];

    /// <summary>One chart line per block for <paramref name="metric"/>.</summary>
    public static IReadOnlyList<ChartSeries> Lines(CurveSet curves, RoutingMetric metric) => [.. Blocks(curves).Select((block, i) =>
        new ChartSeries($"block {block}", curves.Get($"block{block}.{metric.Suffix}", 300), ChartPalette.At(i)))];
}
