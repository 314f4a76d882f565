using MoT.Cli.Bench;

namespace MoT.Cli.Tests;

/// <summary>`mot bench scheduler` at a toy size: the table's figures add up (timings are not asserted).</summary>
public sealed class BenchSchedulerTests
{
    [Fact]
    public async Task A_small_scheduler_benchmark_dispatches_every_run_once_and_its_shares_add_up()
    {
        var settings = new SchedulerBenchmarkSettings(Runs: 24, GpuSilos: 2, SlotsPerSilo: 2, Owners: 2, RunMilliseconds: 5);

        var result = await new SchedulerBenchmark(settings).RunAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(24, result.Dispatches);
        Assert.Equal(24 + 4, result.AllDispatches); // and one blocker per slot
        Assert.Equal(24, result.MaxQueued); // all queued behind the blockers at once
        Assert.Equal(24, result.Owners.Sum(o => o.Queued));
        Assert.All(result.Owners, o => Assert.InRange(o.DispatchedWhileAllWaiting, 0, o.Queued));
        Assert.Equal(1.0, result.Owners.Sum(o => o.DispatchShare), 6);
        Assert.Equal(1.0, result.Owners.Sum(o => o.QueuedShare), 6);
        Assert.True(result.DispatchP50 <= result.DispatchP99 && result.DispatchP99 <= result.DispatchMax);
        Assert.True(result.CallsPerDispatch >= 2, "at least the enqueue and the start of each run are grain calls");
        // Every run is started once, queued once and released once: those counts are exact.
        Assert.Equal(1.0, result.TopCalls.Single(c => c.Method == "IGpuSlotGrain.StartAsync").PerDispatch, 9);
        Assert.Equal(1.0, result.TopCalls.Single(c => c.Method == "ISchedulerGrain.EnqueueAsync").PerDispatch, 9);

        var table = SchedulerBenchmarkTable.Format(result);
        foreach (var column in new[] { "dispatch latency ms", "queued -> running ms", "grain calls per dispatch", "owner", "dispatch %" })
            Assert.Contains(column, table);
        Assert.Equal(2, table.Split('\n').Count(l => l.StartsWith("owner-", StringComparison.Ordinal)));
    }
}
