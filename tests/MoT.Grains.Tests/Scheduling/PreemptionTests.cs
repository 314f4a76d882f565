using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Scheduling;

[Collection(PreemptionClusterCollection.Name)]
public sealed class PreemptionTests(PreemptionClusterFixture fixture)
{
    [Fact]
    public async Task A_higher_priority_run_preempts_a_running_one_which_resumes_from_its_checkpoint_afterwards()
    {
        var low = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await low.CreateAsync(new RunSpec(TestConfigs.Run(steps: 400, checkpointInterval: 10), "alice"));
        await low.WaitForRunAsync(s => s is { Status: RunStatus.Running, LastCheckpoint: not null }, "to checkpoint on the only slot");

        var high = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await high.CreateAsync(new RunSpec(TestConfigs.Run(steps: 20), "bob", Priority: 5));

        Assert.Equal(RunStatus.Completed, (await high.WaitUntilFinishedAsync(60)).Status);
        var lowDone = await low.WaitUntilFinishedAsync(60);
        Assert.Equal(RunStatus.Completed, lowDone.Status);
        Assert.Equal(400, lowDone.LastProgress!.Step);
        Assert.Equal(2, lowDone.Attempts.Count);
        Assert.StartsWith("Preempted", lowDone.Attempts[0].EndReason);
        Assert.NotNull(lowDone.Attempts[1].ResumedFromCheckpoint);

        // The slot went low -> high -> low again.
        var log = (await fixture.Client.Scheduler().GetSnapshotAsync()).DispatchLog;
        Assert.Equal([low.GetPrimaryKey(), high.GetPrimaryKey(), low.GetPrimaryKey()], log.TakeLast(3));
    }

    [Fact]
    public async Task Runs_of_equal_priority_wait_instead_of_preempting()
    {
        var first = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await first.CreateAsync(new RunSpec(TestConfigs.Run(steps: 100), "carol", Priority: 1));
        await first.WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");
        var second = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await second.CreateAsync(new RunSpec(TestConfigs.Run(steps: 10), "dave", Priority: 1));

        Assert.Equal(RunStatus.Completed, (await second.WaitUntilFinishedAsync(60)).Status);
        Assert.Single((await first.WaitUntilFinishedAsync(60)).Attempts);
    }
}
