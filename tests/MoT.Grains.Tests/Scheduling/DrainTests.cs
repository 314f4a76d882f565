using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Scheduling;

[Collection(DrainClusterCollection.Name)]
public sealed class DrainTests(DrainClusterFixture fixture)
{
    [Fact]
    public async Task A_gpu_silo_shutting_down_preempts_its_run_which_resumes_elsewhere_and_membership_retires_its_slot()
    {
        var scheduler = fixture.Client.Scheduler();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count == 1, "the slow gpu silo's slot");
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 60, evalInterval: 5, checkpointInterval: 5), "drain"));
        await run.WaitForRunAsync(s => s.LastCheckpoint is not null, "to write a checkpoint");
        var fast = await fixture.Cluster.StartAdditionalSiloAsync();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count == 2, "the fast gpu silo's slot");

        await fixture.Cluster.StopSiloAsync(fixture.Cluster.Silos.Single(s => s.Name == "Silo_1"), TestContext.Current.CancellationToken);

        var done = await run.WaitUntilFinishedAsync();
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts.Count);
        Assert.Equal("Preempted", done.Attempts[0].EndReason);
        Assert.Equal($"{fast.Name}/0", done.Attempts[1].SlotKey);
        Assert.Contains("attempt-1", done.Attempts[1].ResumedFromCheckpoint);

        // No fake-clock advance here: the silo left the membership table as dead, and the scheduler's own check saw it.
        var snapshot = await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Single(slot => slot.Info.SlotKey == "Silo_1/0").Lost,
            "the stopped silo's slot to be retired");
        Assert.False(snapshot.Slots.Single(s => s.Info.SlotKey == $"{fast.Name}/0").Lost);
    }
}
