using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Scheduling;

[Collection(RestartClusterCollection.Name)]
public sealed class RestartTests(RestartClusterFixture fixture)
{
    [Fact]
    public async Task A_gpu_silo_restarted_under_the_same_name_gets_its_orphaned_run_back_from_the_checkpoint()
    {
        var scheduler = fixture.Client.Scheduler();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count == 1, "the gpu silo's slot");
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 300, evalInterval: 5, checkpointInterval: 5), "restart"));
        await run.WaitForRunAsync(s => s.LastCheckpoint is not null, "to write a checkpoint");
        var before = (await scheduler.GetSnapshotAsync()).Slots.Single().Info.SiloAddress;

        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.Name == "Silo_1"), TestContext.Current.CancellationToken);
        var checkpointAtDeath = (await run.GetSnapshotAsync()).LastCheckpoint!;
        var reborn = await fixture.Cluster.StartSiloAsync(1, fixture.Cluster.Options, TestContext.Current.CancellationToken);
        RunSnapshot done;
        try
        {
            // No clock advance: the lease has not lapsed.
            Assert.Equal("Silo_1", reborn.Name);
            done = await run.WaitUntilFinishedAsync(60);
        }
        finally
        {
            await fixture.Cluster.StopSiloAsync(reborn, TestContext.Current.CancellationToken);
        }

        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts.Count);
        // Whichever notices first: the new incarnation's registration, or membership declaring the old one dead.
        Assert.Matches("silo Silo_1 (restarted|declared dead)", done.Attempts[0].EndReason);
        Assert.Equal("Silo_1/0", done.Attempts[1].SlotKey);
        Assert.Equal(checkpointAtDeath.Path, done.Attempts[1].ResumedFromCheckpoint);
        Assert.NotEqual(before, (await scheduler.GetSnapshotAsync()).Slots.Single().Info.SiloAddress);
    }
}
