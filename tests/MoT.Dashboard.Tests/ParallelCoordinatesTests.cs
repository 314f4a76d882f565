using Bunit;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Dashboard.Sweeps;

namespace MoT.Dashboard.Tests;

public sealed class ParallelCoordinatesTests : MudComponentTests
{
    private static readonly SearchParameter Lr = new("training.lr", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2);
    private static readonly SearchParameter Family = new("model.family", ParameterKind.Choice, Values: ["\"MoT\"", "TokenChoice", "Dense"]);
    private static readonly SearchParameter Steps = new("training.steps", ParameterKind.Int, Low: 100, High: 300, Step: 100);

    private static TrialSnapshot Trial(int index, string parameters, double? loss, TrialStatus status = TrialStatus.Completed, long? stoppedAt = null) =>
        new(index, Guid.NewGuid(), parameters, status, loss, stoppedAt);

    [Fact]
    public void One_line_per_finished_trial_an_axis_per_dimension_and_loss_last()
    {
        var plot = new ParallelCoordinates([Lr, Family, Steps],
        [
            Trial(0, """{"training.lr":0.001,"model.family":"MoT","training.steps":200}""", 2.5),
            Trial(1, """{"training.lr":0.01,"model.family":"TokenChoice","training.steps":300}""", 3.0, TrialStatus.Pruned, 100),
            Trial(2, """{"training.lr":0.0001,"model.family":"Dense","training.steps":100}""", null, TrialStatus.Active),
        ]);

        Assert.Equal(["training.lr", "model.family", "training.steps", "ended", "final eval loss"], plot.Axes.Select(a => a.Title));
        Assert.Equal([AxisScale.Log, AxisScale.Categorical, AxisScale.Linear, AxisScale.Categorical, AxisScale.Linear], plot.Axes.Select(a => a.Scale));
        Assert.Equal(2, plot.Lines.Count);
        Assert.All(plot.Axes, a => Assert.Equal(plot.Lines.Count, a.Values.Count));
        Assert.True(plot.Lines.Single(l => l.TrialIndex == 1).EarlyStopped);
        Assert.Equal(["completed", "pruned"], plot.Axes[3].TickLabels);
        Assert.Equal([2.5, 3.0], plot.Axes[^1].Values);
    }

    [Fact]
    public void Log_axes_put_equal_ratios_at_equal_distances_and_choices_at_their_spec_positions()
    {
        var plot = new ParallelCoordinates([Lr, Family],
        [
            Trial(0, """{"training.lr":0.0001,"model.family":"MoT"}""", 2.0),
            Trial(1, """{"training.lr":0.001,"model.family":"TokenChoice"}""", 2.5),
            Trial(2, """{"training.lr":0.01,"model.family":"Dense"}""", 3.0),
        ]);

        var lr = plot.Axes[0];
        // 1e-3 lies half-way between 1e-4 and 1e-2 in log space: the plotted values are log10.
        Assert.Equal([-4.0, -3.0, -2.0], lr.Values.Select(v => Math.Round(v, 9)));
        Assert.Equal((-4.0, -2.0), (lr.Min, lr.Max));
        Assert.Contains("0.001", lr.TickLabels);
        Assert.Equal(["MoT", "TokenChoice", "Dense"], plot.Axes[1].TickLabels); // "MoT" quoted or not is one category
        Assert.Equal([0.0, 1.0, 2.0], plot.Axes[1].Values);
    }

    [Fact]
    public void A_conditional_value_a_trial_did_not_have_sits_on_an_na_position_below_the_range()
    {
        var plot = new ParallelCoordinates([Family, Lr],
        [
            Trial(0, """{"model.family":"MoT","training.lr":0.001}""", 2.0),
            Trial(1, """{"model.family":"Dense"}""", 4.0),
        ]);

        var lr = plot.Axes[1];
        Assert.Equal(ParallelCoordinates.NotApplicable, lr.TickLabels[0]);
        Assert.Equal(lr.TickValues[0], lr.Values[1]);
        Assert.True(lr.Values[1] < Math.Log10(1e-4)); // below the declared range
        Assert.Equal(lr.Min, lr.TickValues[0]);
    }

    [Fact]
    public void The_chart_draws_one_plotly_parallel_coordinates_trace_coloured_by_loss()
    {
        var plot = new ParallelCoordinates([Lr],
        [
            Trial(0, """{"training.lr":0.001}""", 2.0),
            Trial(1, """{"training.lr":0.01}""", 3.0, TrialStatus.Pruned, 50),
        ]);

        var traces = PlotlyFigures.Parallel(plot);
        var trace = Assert.IsType<Plotly.Blazor.Traces.ParCoords>(Assert.Single(traces));
        Assert.Equal(["training.lr (log)", "ended", "final eval loss"], trace.Dimensions.Select(d => d.Label));
        Assert.Equal([2.0, 3.0], trace.Line.ColorArray.Cast<double>());
        // Numeric axes print 4 significant digits; axes with their own labels (ended) keep them.
        Assert.All(trace.Dimensions.Where(d => d.TickText is null), d => Assert.Equal(".4~g", d.TickFormat));

        var cut = Context.Render<ParallelCoordinatesChart>(p => p.Add(x => x.Model, plot));
        var chart = cut.Find("[data-testid=parallel-coordinates]");
        Assert.Equal("2", chart.GetAttribute("data-lines"));
        Assert.Equal("1", chart.GetAttribute("data-early-stopped"));
        Assert.Single(cut.FindAll(".plotly-figure"));
    }

    [Theory]
    [InlineData(3, 1.0)]
    [InlineData(12, 2.0)]
    [InlineData(400, 40.0)]
    public void A_trial_axis_ticks_only_whole_numbers_about_ten_of_them(int trials, double step)
    {
        var axis = PlotlyFigures.XY(ChartAxis.Integers("trial", trials), new ChartAxis("loss"), 300).XAxis[0];
        Assert.Equal((Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum?)Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum.Linear, axis.TickMode);
        Assert.Equal(0, Convert.ToDouble(axis.Tick0));
        Assert.Equal(step, Convert.ToDouble(axis.DTick));
        Assert.True(trials / step <= 10, "about ten ticks at most");
    }
}
