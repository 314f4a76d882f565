using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Scheduling;

[Collection(SchedulingClusterCollection.Name)]
public sealed class SchedulerGrainTests(SchedulingClusterFixture fixture)
{
    [Fact]
    public async Task Queued_runs_start_by_priority_then_fair_share_then_arrival_within_sweep_limits()
    {
        var scheduler = fixture.Client.Scheduler();
        var sweep = Guid.NewGuid();
        await scheduler.SetSweepLimitAsync(sweep, 1);

        // No gpu silo yet: everything queues.
        async Task<Guid> Create(string owner, int priority = 0, Guid? sweepId = null)
        {
            var id = Guid.NewGuid();
            await fixture.Client.GetGrain<IRunGrain>(id).CreateAsync(new RunSpec(TestConfigs.Run(steps: 10), owner, priority, sweepId));
            return id;
        }

        var a1 = await Create("alice");
        var a2 = await Create("alice");
        var a3 = await Create("alice");
        var b1 = await Create("bob");
        var c1 = await Create("carol", priority: 5);
        var s1 = await Create("dave", sweepId: sweep);
        var s2 = await Create("dave", sweepId: sweep);

        // Preview if slots freed up all at once: carol's priority, then one run per owner, the sweep one at a time.
        var queued = await scheduler.GetSnapshotAsync();
        Assert.Empty(queued.Slots);
        Assert.Equal([c1, a1, b1, s1, a2, a3, s2], queued.Queue.Select(e => e.RunId));

        await fixture.Cluster.StartAdditionalSiloAsync(); // one gpu silo with one slot

        // One slot, so runs go one at a time: after carol, owners take turns (least recently served first).
        Guid[] expected = [c1, a1, b1, s1, a2, s2, a3];
        foreach (var id in expected)
        {
            Assert.Equal(RunStatus.Completed, (await fixture.Client.GetGrain<IRunGrain>(id).WaitUntilFinishedAsync()).Status);
        }

        var after = await scheduler.GetSnapshotAsync();
        Assert.Equal(expected, after.DispatchLog);
        Assert.Empty(after.Queue);
    }
}
