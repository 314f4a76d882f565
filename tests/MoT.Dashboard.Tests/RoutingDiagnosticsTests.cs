using Bunit;
using Microsoft.Extensions.Options;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Runs;
using MoT.Grains.Training;
using MoT.Silo.Training;

namespace MoT.Dashboard.Tests;

public sealed class RoutingDiagnosticsTests : MudComponentTests
{
    private static RunProgress Progress(long step, params BlockRouting[] routing) =>
        new(step, 3.0, null, 1e-3, 1000, TimeSpan.Zero, routing.Length == 0 ? null : routing);

    [Fact]
    public void Pushed_progress_adds_per_block_points_and_the_latest_values_follow_the_newest_step()
    {
        var model = new RunDetailViewModel(null!, null!, null!, null!, null!, Microsoft.Extensions.Logging.Abstractions.NullLogger<RunDetailViewModel>.Instance);
        // What the store already had for this run, then one live push.
        model.Curves.AddRange(new MetricSeries("block3.routing_entropy", [(1, 2.0)]));
        model.Curves.AddRange(new MetricSeries(MetricNames.TrainLoss, [(1, 4.0)]));

        model.Apply(Progress(5, new BlockRouting(2, 1.9, 0.1, 0.2), new BlockRouting(3, 1.8, 0.05, 0.3)));

        var rows = RoutingDiagnostics.Latest(model.Curves);
        Assert.Equal([2, 3], rows.Select(r => r.Block));
        Assert.Equal(new BlockRoutingRow(3, 5, 1.8, 0.05, 0.3), rows[1]);
        Assert.Equal(2, RoutingDiagnostics.Lines(model.Curves, RoutingDiagnostics.Entropy)[1].Points.Count);
    }

    [Fact]
    public void A_dense_run_has_no_routing_rows()
    {
        var curves = new CurveSet();
        curves.Add(MetricNames.TrainLoss, 1, 3.0);
        curves.Add("grad_norm", 1, 0.5);
        Assert.Empty(RoutingDiagnostics.Latest(curves));
    }

    [Fact]
    public void The_panel_shows_one_row_per_block_and_nothing_for_a_dense_run()
    {
        var moe = new CurveSet();
        foreach (var block in new[] { 2, 3 })
        {
            moe.Add(MetricNames.RoutingEntropy(block), 10, 1.5);
            moe.Add(MetricNames.MaxExpertLoad(block), 10, 0.25);
            moe.Add(MetricNames.DroppedFraction(block), 10, 0.0);
        }

        var panel = Context.Render<RoutingPanel>(p => p.Add(x => x.Curves, moe));
        Assert.Equal(2, panel.FindAll("[data-testid=moe-row]").Count);
        Assert.Contains("25.0%", panel.Markup);

        var dense = new CurveSet();
        dense.Add(MetricNames.TrainLoss, 1, 3.0);
        var empty = Context.Render<RoutingPanel>(p => p.Add(x => x.Curves, dense));
        Assert.Empty(empty.FindAll("[data-testid=moe-panel]"));
    }

    [Fact]
    public async Task The_simulated_trainer_reports_deterministic_routing_for_MoE_families_only()
    {
        async Task<List<RunProgress>> TrainAsync(string config)
        {
            var executor = new SimulatedTrainingExecutor(Options.Create(new SimulatedTrainingOptions { StepDelay = TimeSpan.Zero }));
            var observer = new Recorder();
            var dir = Path.Combine(Path.GetTempPath(), "mot-sim-" + Guid.NewGuid().ToString("N"));
            try
            {
                await executor.RunAsync(new TrainingRequest(Guid.NewGuid(), config, null, dir), observer, Xunit.TestContext.Current.CancellationToken);
            }
            finally
            {
                Directory.Delete(dir, true);
            }

            return observer.Reports;
        }

        const string TokenChoice = """{"model":{"preset":"TokenChoice-Tiny/8E","family":"TokenChoice"},"training":{"steps":40}}""";
        var first = await TrainAsync(TokenChoice);
        var second = await TrainAsync(TokenChoice);
        Assert.All(first, p => Assert.Equal([2, 3], p.Routing!.Select(r => r.Block)));
        Assert.Equal(first.SelectMany(p => p.Routing!), second.SelectMany(p => p.Routing!));
        Assert.True(first[^1].Routing![0].Entropy < first[0].Routing![0].Entropy, "routing sharpens as training goes on");
        Assert.True(first[^1].Routing![0].DroppedFraction < first[0].Routing![0].DroppedFraction);

        var mot = await TrainAsync("""{"model":{"preset":"MoT-Tiny/8E"},"training":{"steps":10}}""");
        Assert.All(mot.SelectMany(p => p.Routing!), r => Assert.Equal(0, r.DroppedFraction));

        var dense = await TrainAsync("""{"model":{"preset":"Transformer-Tiny","family":"Dense"},"training":{"steps":10}}""");
        Assert.All(dense, p => Assert.Null(p.Routing));
    }

    private sealed class Recorder : ITrainingObserver
    {
        public List<RunProgress> Reports { get; } = [];

        public void OnProgress(RunProgress progress) => Reports.Add(progress);

        public void OnCheckpoint(CheckpointInfo checkpoint)
        {
        }
    }
}
