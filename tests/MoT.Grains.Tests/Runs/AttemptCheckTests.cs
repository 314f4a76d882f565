using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Runs;

[Collection(ControlOnlyClusterCollection.Name)]
public sealed class AttemptCheckTests(ControlOnlyClusterFixture fixture)
{
    [Fact]
    public async Task A_running_run_whose_slot_cannot_be_reached_is_requeued_by_its_own_check()
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 10), "attempt-check"));

        // A slot that never reports back: its silo does not exist.
        var ticket = await run.BeginAttemptAsync("ghost/0");
        Assert.NotNull(ticket);
        Assert.Equal(RunStatus.Running, (await run.GetSnapshotAsync()).Status);

        // A lost slot is the platform's fault: the run waits Preempted to resume, not Queued for another try of its own.
        var requeued = await run.WaitForRunAsync(s => s.Status == RunStatus.Preempted, "to be re-queued");

        var attempt = Assert.Single(requeued.Attempts);
        Assert.StartsWith("attempt lost: slot ghost/0 unreachable", attempt.EndReason);
        Assert.Contains("re-queued", requeued.StatusMessage);
        Assert.Contains((await fixture.Client.Scheduler().GetSnapshotAsync()).Queue, e => e.RunId == run.GetPrimaryKey());
    }
}
