using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Runs;
using MoT.Data;
using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Silo.Training;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

/// <summary>The sweep page's one read of every trial's eval curve agrees with reading each run's metrics on its own.</summary>
public sealed class MetricOfRunsTests() : TemporaryStoreTests("mot-metric-of-runs-")
{
    [Fact]
    public async Task One_metric_of_many_runs_in_one_read_equals_each_runs_own_series_in_step_order()
    {
        var runs = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var withoutPoints = Guid.NewGuid();
        var random = new Random(3);
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken))
        {
            foreach (var (runId, i) in runs.Select((r, i) => (r, i)))
            {
                // Steps inserted out of order, a train-loss series beside the eval one, and a null (NaN on SQLite) value.
                foreach (var step in Enumerable.Range(1, 10 + i).Select(s => s * 10L).OrderBy(_ => random.Next()))
                {
                    db.MetricPoints.Add(new MetricPoint { RunId = runId, Name = MetricNames.EvalLoss, Step = step, Value = step == 30 ? null : 5.0 - step / 100.0 + i, WallTime = DateTime.UtcNow });
                    db.MetricPoints.Add(new MetricPoint { RunId = runId, Name = MetricNames.TrainLoss, Step = step, Value = 9, WallTime = DateTime.UtcNow });
                }
            }

            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var contexts = Services.GetRequiredService<IDbContextFactory<MotDbContext>>();
        var history = new DatabaseRunHistory(new RunQueryService(contexts), new RunCurvesQuery(contexts), contexts);

        var curves = await history.GetMetricOfRunsAsync([.. runs, withoutPoints], MetricNames.EvalLoss, TestContext.Current.CancellationToken);

        Assert.Equal(runs.Order(), curves.Keys.Order());
        foreach (var runId in runs)
        {
            var own = (await history.GetMetricsAsync(runId, int.MaxValue, cancellationToken: TestContext.Current.CancellationToken)).Single(s => s.Name == MetricNames.EvalLoss).Points;
            Assert.Equal(own, curves[runId]);
            Assert.Equal(curves[runId].Select(p => p.Step).Order(), curves[runId].Select(p => p.Step));
            Assert.DoesNotContain(curves[runId], p => p.Step == 30);
        }
    }
}
