using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Scheduling;

[Collection(FailoverClusterCollection.Name)]
public sealed class FailoverTests(FailoverClusterFixture fixture)
{
    [Fact]
    public async Task A_run_whose_silo_dies_is_requeued_and_resumes_from_its_last_checkpoint_under_the_same_id()
    {
        var scheduler = fixture.Client.Scheduler();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count == 1, "the slow gpu silo's slot");
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 60, evalInterval: 5, checkpointInterval: 5), "failover"));

        // Training on Silo_1 (100 ms a step) until it has written a checkpoint.
        var beforeKill = await run.WaitForRunAsync(s => s.LastCheckpoint is not null, "to write a checkpoint");
        Assert.StartsWith("Silo_1/", beforeKill.SlotKey);
        var fast = await fixture.Cluster.StartAdditionalSiloAsync();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count == 2, "the fast gpu silo's slot");

        var doomed = fixture.Cluster.Silos.Single(s => s.Name == "Silo_1");
        await fixture.Cluster.KillSiloAsync(doomed, TestContext.Current.CancellationToken);
        var checkpointAtDeath = (await run.GetSnapshotAsync()).LastCheckpoint!;

        // Let the platform clock run past the heartbeat lease; the live silo keeps sending heartbeats meanwhile.
        for (var i = 0; i < 8; i++)
        {
            fixture.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await scheduler.CheckSlotsAsync();
        var slots = (await scheduler.GetSnapshotAsync()).Slots;
        Assert.True(slots.Single(s => s.Info.SlotKey == "Silo_1/0").Lost);
        Assert.False(slots.Single(s => s.Info.SlotKey == $"{fast.Name}/0").Lost);

        var done = await run.WaitUntilFinishedAsync();
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(run.GetPrimaryKey(), done.RunId);
        Assert.Equal(2, done.Attempts.Count);
        Assert.StartsWith("slot lost", done.Attempts[0].EndReason);
        Assert.Equal($"{fast.Name}/0", done.Attempts[1].SlotKey);
        Assert.Equal(checkpointAtDeath.Path, done.Attempts[1].ResumedFromCheckpoint);
        Assert.Equal(60, done.LastProgress!.Step);
        // Steps after the checkpoint were trained again; their eval points appear once, from the attempt that counts.
        Assert.Equal(Enumerable.Range(1, 12).Select(i => i * 5L), done.EvalHistory.Select(e => e.Step));
    }
}
