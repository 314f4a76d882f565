using Bunit;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Components.Widgets.Charts;
using MoT.Dashboard.Runs;
using MoT.Silo.Training;

namespace MoT.Dashboard.Tests;

public sealed class SystemPanelTests : MudComponentTests
{
    private static IReadOnlyList<string> TraceNames(IRenderedComponent<LineChart> chart) =>
        [.. chart.FindComponent<PlotlyFigure>().Instance.Traces.OfType<Plotly.Blazor.Traces.Scatter>().Select(t => t.Name)];

    [Fact]
    public void A_cpu_run_charts_its_process_and_no_gpu()
    {
        var curves = new CurveSet();
        for (var step = 0; step < 5; step++)
        {
            curves.Add(MetricNames.ProcessCpuPercent, step * 10, 150 + step);
            curves.Add(MetricNames.ProcessResidentMegabytes, step * 10, 800);
        }

        var panel = Context.Render<SystemPanel>(p => p.Add(x => x.Curves, curves));

        var charts = panel.FindComponents<LineChart>();
        Assert.Equal(2, charts.Count);
        Assert.Equal([SystemCurves.CpuName], TraceNames(charts[0]));
        Assert.Equal([SystemCurves.ResidentName], TraceNames(charts[1]));
        Assert.Equal("5", panel.Find("[data-testid=system-utilization-chart]").GetAttribute("data-points"));
        Assert.DoesNotContain("GPU", panel.Find("[data-testid=system-panel]").TextContent.Replace("GPU figures are the whole device's", ""));
    }

    [Fact]
    public void A_cuda_run_adds_gpu_utilisation_and_memory_with_its_values()
    {
        var curves = new CurveSet();
        curves.Add(MetricNames.ProcessCpuPercent, 5, 99);
        curves.Add(MetricNames.ProcessResidentMegabytes, 5, 2048);
        curves.Add(MetricNames.GpuUtilizationPercent, 5, 87);
        curves.Add(MetricNames.GpuMemoryUsedMegabytes, 5, 70_000);
        curves.Add(MetricNames.GpuMemoryTotalMegabytes, 5, 143_771);

        var panel = Context.Render<SystemPanel>(p => p.Add(x => x.Curves, curves));

        var charts = panel.FindComponents<LineChart>();
        Assert.Equal([SystemCurves.CpuName, SystemCurves.GpuUtilizationName], TraceNames(charts[0]));
        Assert.Equal([SystemCurves.ResidentName, SystemCurves.GpuMemoryUsedName, SystemCurves.GpuMemoryTotalName], TraceNames(charts[1]));
        var memory = charts[1].FindComponent<PlotlyFigure>().Instance.Traces.OfType<Plotly.Blazor.Traces.Scatter>().ToList();
        Assert.Equal([70_000.0], memory[1].Y.Cast<object>().Select(Convert.ToDouble));
        Assert.Equal([143_771.0], memory[2].Y.Cast<object>().Select(Convert.ToDouble));
    }

    [Fact]
    public void A_run_without_system_metrics_shows_no_panel()
    {
        var curves = new CurveSet();
        curves.Add(MetricNames.TrainLoss, 1, 3.0);
        var panel = Context.Render<SystemPanel>(p => p.Add(x => x.Curves, curves));
        Assert.Empty(panel.FindAll("[data-testid=system-panel]"));
    }
}

/// <summary>The live page's curves stay bounded however long it watches, and keep what the store's downsampling keeps.</summary>
public sealed class CurveSetBoundsTests
{
    [Fact]
    public void A_curve_watched_for_100000_steps_stays_bounded_and_keeps_its_ends_and_extremes()
    {
        var random = new Random(3);
        var raw = new List<(long Step, double Value)>();
        var curves = new CurveSet();
        for (var step = 0; step < 100_000; step++)
        {
            var value = 5 / Math.Sqrt(step + 1) + 0.1 * random.NextDouble() + (step == 61_234 ? 40 : 0) - (step == 33_333 ? 3 : 0);
            raw.Add((step, value));
            curves.Add(MetricNames.TrainLoss, step, value);
            Assert.True(curves.Count(MetricNames.TrainLoss) <= CurveSet.CompactAbove);
        }

        var sent = curves.Get(MetricNames.TrainLoss);
        Assert.InRange(sent.Count, 2, CurveSet.MaxChartPoints);
        Assert.Equal(((double)raw[0].Step, raw[0].Value), sent[0]);
        Assert.Equal(((double)raw[^1].Step, raw[^1].Value), sent[^1]);
        var min = raw.MinBy(p => p.Value);
        var max = raw.MaxBy(p => p.Value);
        Assert.Contains(((double)min.Step, min.Value), sent);
        Assert.Contains(((double)max.Step, max.Value), sent);
        var lookup = raw.ToDictionary(p => (double)p.Step, p => p.Value);
        Assert.All(sent, p => Assert.Equal(lookup[p.X], p.Y)); // only points that were recorded
    }

    [Theory]
    [InlineData(MetricNames.TrainLoss, true)]
    [InlineData(MetricNames.EvalLoss, true)]
    [InlineData("block2.routing_entropy", true)]
    [InlineData(MetricNames.ProcessCpuPercent, false)]
    [InlineData(MetricNames.GpuMemoryUsedMegabytes, false)]
    [InlineData(MetricNames.TokensPerSecond, false)]
    public void Only_curves_the_live_feed_does_not_carry_are_read_again_from_the_store(string name, bool liveFed) =>
        Assert.Equal(liveFed, RunDetailViewModel.IsLiveFed(name));
}
