using Bunit;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Dashboard.Runs;
using Plotly.Blazor.Traces;

namespace MoT.Dashboard.Tests;

public sealed class LttbTests
{
    private static List<(double X, double Y)> Noisy(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => ((double)i * 3, 5 * Math.Exp(-i / 20_000.0) + (random.NextDouble() * 0.1)))];
    }

    [Theory]
    [InlineData(100_000, 1000)]
    [InlineData(10_001, 500)]
    [InlineData(1_234, 3)]
    public void Keeps_the_ends_returns_at_most_the_budget_and_a_subsequence_in_x_order(int count, int budget)
    {
        var points = Noisy(count, count);
        var sampled = Lttb.Downsample(points, budget);

        Assert.Equal(budget, sampled.Count);
        Assert.Equal(points[0], sampled[0]);
        Assert.Equal(points[^1], sampled[^1]);
        // Strictly increasing x, and every point is one of the input's (a subsequence, not interpolated values).
        Assert.All(sampled.Zip(sampled.Skip(1)), pair => Assert.True(pair.Second.X > pair.First.X));
        var input = points.ToHashSet();
        Assert.All(sampled, p => Assert.Contains(p, input));
    }

    [Fact]
    public void Keeps_both_extremes_of_a_spike_an_even_stride_would_miss()
    {
        var points = Noisy(100_000, 1);
        points[50_001] = (points[50_001].X, 40.0); // a divergence for one step
        points[70_003] = (points[70_003].X, -3.0); // and a dip
        var sampled = Lttb.Downsample(points, 1000);

        Assert.Contains(points[50_001], sampled);
        Assert.Contains(points[70_003], sampled);
        // The even stride this replaced: 100 points apart, it lands on neither.
        var stride = Enumerable.Range(0, 1000).Select(i => points[(int)Math.Round(i * (points.Count - 1) / 999.0)]).ToList();
        Assert.DoesNotContain(points[50_001], stride);
    }

    [Fact]
    public void Short_curves_come_back_whole()
    {
        var points = Noisy(10, 2);
        Assert.Same(points, Lttb.Downsample(points, 1000));
    }

    [Fact]
    public void Curve_sets_send_at_most_the_chart_budget()
    {
        var curves = new CurveSet();
        for (var step = 0; step < 100_000; step++) curves.Add(MoT.Silo.Training.MetricNames.TrainLoss, step, 1.0 / (step + 1));
        var sent = curves.Get(MoT.Silo.Training.MetricNames.TrainLoss);
        // At most the budget (min/max per step range: two points a range, ends included), first and last kept.
        Assert.InRange(sent.Count, CurveSet.MaxChartPoints - 4, CurveSet.MaxChartPoints);
        Assert.Equal((0.0, 1.0), sent[0]);
        Assert.Equal((99_999.0, 1.0 / 100_000), sent[^1]);
    }
}

public sealed class PlotlyFiguresTests
{
    [Fact]
    public void Every_series_becomes_a_trace_named_as_its_legend_entry()
    {
        var traces = PlotlyFigures.Series(
        [
            new ChartSeries("MoT-Tiny/4E · 1a2b3c4d", [(0, 3.0), (10, 2.0)]),
            new ChartSeries("pruned here", [(5, 2.5)], "#000", SeriesStyle.Markers, Hover: ["#3 pruned at step 5"], MarkerSymbol: "x"),
        ]);

        var scatters = traces.Cast<Scatter>().ToList();
        Assert.Equal(["MoT-Tiny/4E · 1a2b3c4d", "pruned here"], scatters.Select(s => s.Name));
        Assert.Equal([0.0, 10.0], scatters[0].X.Cast<double>());
        Assert.Equal(Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers, scatters[1].Mode);
        Assert.Equal(["#3 pruned at step 5"], scatters[1].HoverTextArray);
        Assert.NotEqual(scatters[0].Line.Color, ChartPalette.At(1)); // colours differ per series
    }

    [Fact]
    public void Axes_grow_their_margins_to_fit_tick_labels_and_a_log_axis_is_a_log_axis()
    {
        var layout = PlotlyFigures.XY(new ChartAxis("step"), new ChartAxis("loss", Log: true), 300);
        Assert.Equal(Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True, layout.XAxis[0].AutoMargin);
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True, layout.YAxis[0].AutoMargin);
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, layout.YAxis[0].Type);
        Assert.Equal(Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Linear, layout.XAxis[0].Type);
        Assert.Equal("keep", layout.UiRevision); // live updates keep the user's zoom
    }

    [Fact]
    public void A_constant_series_gets_a_band_around_its_value_instead_of_plus_or_minus_one()
    {
        var lr = new[] { new ChartSeries("learning rate", [(0, 1e-4), (10, 1e-4)]) };
        var (min, max) = PlotlyFigures.FlatRange(lr, log: false)!.Value;
        Assert.True(min < 1e-4 && max > 1e-4 && max - min < 1e-4, $"range {min}..{max}");
        Assert.Equal((-0.5, 0.5), PlotlyFigures.FlatRange([new ChartSeries("zero", [(0, 0.0)])], log: false));
        Assert.Equal(-4, PlotlyFigures.FlatRange(lr, log: true)!.Value.Min, 1);
        Assert.Null(PlotlyFigures.FlatRange([new ChartSeries("loss", [(0, 3.0), (1, 2.0)])], log: false));
    }
}

public sealed class LineChartTests : MudComponentTests
{
    [Fact]
    public void Renders_one_plotly_figure_with_the_points_and_says_so_when_there_are_none()
    {
        var chart = Context.Render<LineChart>(p => p
            .Add(x => x.TestId, "loss-chart")
            .Add(x => x.Series, [new ChartSeries("train loss", [(1, 3.0), (2, 2.5)]), new ChartSeries("eval loss", [(2, 2.7)])]));
        Assert.Equal("3", chart.Find("[data-testid=loss-chart]").GetAttribute("data-points"));
        Assert.Equal("2", chart.Find(".plotly-figure").GetAttribute("data-traces"));

        var empty = Context.Render<LineChart>(p => p.Add(x => x.Series, [new ChartSeries("train loss", [])]));
        Assert.Empty(empty.FindAll(".plotly-figure"));
        Assert.Contains("No points yet.", empty.Markup);
    }

    [Fact]
    public void The_log_switch_turns_the_y_axis_logarithmic()
    {
        var chart = Context.Render<LineChart>(p => p.Add(x => x.Series, [new ChartSeries("loss", [(1, 10.0), (2, 1.0)])]));
        var figure = chart.FindComponent<PlotlyFigure>();
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear, figure.Instance.Layout.YAxis[0].Type);

        chart.Find("input[type=checkbox]").Change(true);

        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, chart.FindComponent<PlotlyFigure>().Instance.Layout.YAxis[0].Type);
    }
}

public sealed class ModelLabelTests
{
    [Fact]
    public void The_label_is_the_model_the_trainer_builds_not_the_preset_a_search_overrode()
    {
        Assert.Equal("MoT-Tiny/4E", ModelLabel.Of("""{"model":{"preset":"MoT-Tiny/8E","experts":4},"training":{"steps":10}}"""));
        Assert.Equal("MoT-Tiny/8E", ModelLabel.Of("""{"model":{"preset":"MoT-Tiny/8E"},"training":{"steps":10}}"""));
        Assert.Equal("MoT-Small/4E", ModelLabel.Of("""{"model":{"family":"MoT","size":"Small","experts":4},"training":{"steps":10}}"""));
        Assert.Equal("Dense", ModelLabel.Of("not json"));
    }
}

public sealed class ContourChartTests : MudComponentTests
{
    [Fact]
    public void Draws_the_grid_with_the_trials_on_top_or_says_why_not()
    {
        var grid = new MoT.Dashboard.Sweeps.ContourGrid("training.lr", "model.experts", true, false, [1e-4, 1e-3], [2, 8],
            [[2.5, 2.1], [2.6, 2.2]], [new(1e-3, 4, "#0"), new(1e-4, 2, "#1")]);
        var chart = Context.Render<ContourChart>(p => p.Add(x => x.Grid, grid).Add(x => x.TestId, "contour-chart"));
        Assert.Equal("2", chart.Find("[data-testid=contour-chart]").GetAttribute("data-points"));
        var figure = chart.FindComponent<PlotlyFigure>().Instance;
        Assert.IsType<Contour>(figure.Traces[0]);
        Assert.Equal(Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log, figure.Layout.XAxis[0].Type);

        var empty = Context.Render<ContourChart>(p => p.Add(x => x.EmptyText, "Pick two different parameters."));
        Assert.Contains("Pick two different parameters.", empty.Markup);
        Assert.Empty(empty.FindAll(".plotly-figure"));
    }
}
