using Bunit;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Components.Widgets;
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
    public void One_line_per_finished_trial_with_an_axis_per_dimension_and_loss_last()
    {
        var plot = new ParallelCoordinates([Lr, Family, Steps],
        [
            Trial(0, """{"training.lr":0.001,"model.family":"MoT","training.steps":200}""", 2.5),
            Trial(1, """{"training.lr":0.01,"model.family":"TokenChoice","training.steps":300}""", 3.0, TrialStatus.Pruned, 100),
            Trial(2, """{"training.lr":0.0001,"model.family":"Dense","training.steps":100}""", null, TrialStatus.Active),
        ]);

        Assert.Equal(["training.lr", "model.family", "training.steps", "final eval loss"], plot.Axes.Select(a => a.Title));
        Assert.Equal([AxisScale.Log, AxisScale.Categorical, AxisScale.Linear, AxisScale.Linear], plot.Axes.Select(a => a.Scale));
        Assert.Equal(2, plot.Lines.Count);
        Assert.True(plot.Lines.Single(l => l.TrialIndex == 1).EarlyStopped);
        Assert.Equal(3, plot.Lines[0].Path.Count(c => c == 'L')); // four axes, one unbroken line
    }

    [Fact]
    public void Log_axes_put_equal_ratios_at_equal_distances_and_choices_at_even_steps()
    {
        var plot = new ParallelCoordinates([Lr, Family],
        [
            Trial(0, """{"training.lr":0.0001,"model.family":"MoT"}""", 2.0),
            Trial(1, """{"training.lr":0.001,"model.family":"TokenChoice"}""", 2.5),
            Trial(2, """{"training.lr":0.01,"model.family":"Dense"}""", 3.0),
        ]);

        double Y(int trial, int axis) => double.Parse(plot.Lines.Single(l => l.TrialIndex == trial).Path.Split(' ')[axis].TrimStart('M', 'L').Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(plot.MapY(0), Y(0, 0), 1);
        Assert.Equal(plot.MapY(0.5), Y(1, 0), 1); // 1e-3 is half-way between 1e-4 and 1e-2 in log space
        Assert.Equal(plot.MapY(1), Y(2, 0), 1);
        Assert.Equal(plot.MapY(0.5), Y(1, 1), 1); // the second of three choices, "MoT" quoted or not
        Assert.Equal(plot.MapY(0), Y(0, 1), 1);
        Assert.Contains(plot.Axes[0].Ticks, t => t.Label == "1.0e-3");
        Assert.Equal(["MoT", "TokenChoice", "Dense"], plot.Axes[1].Ticks.Select(t => t.Label));
    }

    [Fact]
    public void The_best_loss_is_green_the_worst_red_and_a_missing_conditional_value_leaves_a_gap()
    {
        var plot = new ParallelCoordinates([Family, Lr],
        [
            Trial(0, """{"model.family":"MoT","training.lr":0.001}""", 2.0),
            Trial(1, """{"model.family":"Dense"}""", 4.0),
        ]);

        Assert.Equal(ParallelCoordinates.LossColor(0), plot.Lines.Single(l => l.TrialIndex == 0).Color);
        Assert.Equal(ParallelCoordinates.LossColor(1), plot.Lines.Single(l => l.TrialIndex == 1).Color);
        Assert.Equal("#2e7d32", ParallelCoordinates.LossColor(0));
        Assert.Equal("#c62828", ParallelCoordinates.LossColor(1));
        Assert.Equal(2, plot.Lines.Single(l => l.TrialIndex == 1).Path.Count(c => c == 'M'));
        Assert.Equal(plot.Lines.Single(l => l.TrialIndex == 0), plot.Lines[^1]); // best drawn last, on top
    }

    [Fact]
    public void The_chart_draws_early_stopped_trials_dashed()
    {
        var plot = new ParallelCoordinates([Lr],
        [
            Trial(0, """{"training.lr":0.001}""", 2.0),
            Trial(1, """{"training.lr":0.01}""", 3.0, TrialStatus.Pruned, 50),
        ]);

        var cut = Context.Render<ParallelCoordinatesChart>(p => p.Add(x => x.Model, plot));

        var lines = cut.FindAll("[data-testid=pc-line]");
        Assert.Equal(2, lines.Count);
        Assert.Single(lines, l => l.GetAttribute("stroke-dasharray") is not null && l.GetAttribute("data-early-stopped") == "true");
        Assert.Contains("pruned (early-stopped) at step 50", cut.Markup); // the status model's word for an early-stopped trial
    }
}
