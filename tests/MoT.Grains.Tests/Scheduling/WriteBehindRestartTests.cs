using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Grains.Scheduling;
using MoT.Grains.Tests.Infrastructure;
using Orleans.Core.Internal;
using Orleans.Serialization;

namespace MoT.Grains.Tests.Scheduling;

/// <summary>
/// The scheduler writes slot releases behind (after the call returns). These tests take the worst moment: releases taken
/// and their slots handed to queued runs in memory, nothing of it stored, and the scheduler gone (its last write fails as
/// the store is unreachable, which leaves the store as a crash would). The next activation must lose no run, freeze none
/// and start none twice.
/// </summary>
[Collection(SchedulerWriteFaultClusterCollection.Name)]
public sealed class WriteBehindRestartTests(SchedulerWriteFaultClusterFixture fixture)
{
    [Fact]
    public async Task Releases_the_scheduler_took_but_never_stored_lose_no_run_when_it_restarts_and_start_none_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        var scheduler = fixture.Client.Scheduler();
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count(x => !x.Lost) == 2, "the gpu silo's two slots");
        var blockers = await CreateAsync(2, TestConfigs.Run(steps: 10_000_000, evalInterval: 10_000_000, checkpointInterval: 10_000_000), "blocker");
        foreach (var blocker in blockers) await Run(blocker).WaitForRunAsync(s => s.Status == RunStatus.Running, "to hold a slot");
        var queued = await CreateAsync(6, TestConfigs.Run(steps: 5), "queued");
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Queue.Count == 6, "the six runs queued");

        // From here the store takes no scheduler write. The blockers end; the scheduler takes their releases and, in memory,
        // hands both slots to queued runs.
        fixture.SchedulerWrites.Failing = true;
        var failedBefore = fixture.SchedulerWrites.FailedWrites;
        foreach (var blocker in blockers) await Run(blocker).CancelAsync("test: free the slots");
        await Eventually.WaitAsync(scheduler.GetSnapshotAsync,
            s => s.Queue.Count == 4 && s.Slots.All(x => x.Info.BusyRunId is { } id && queued.Contains(id)),
            "both releases taken and the slots assigned in memory", describe: Describe);
        await Eventually.WaitAsync(() => Task.FromResult(fixture.SchedulerWrites.FailedWrites), n => n > failedBefore, "the write of the releases to fail");

        // Nothing the unwritten assignments decided has left the scheduler: no queued run was started.
        foreach (var run in queued)
        {
            var snapshot = await Run(run).GetSnapshotAsync();
            Assert.True(snapshot.Status == RunStatus.Queued && snapshot.Attempts.Count == 0, $"run {run} started before its assignment was stored: {snapshot.Status}");
        }

        // The scheduler goes; its last write fails too. What the next activation finds is what was stored before the releases.
        var readsBefore = fixture.SchedulerWrites.Reads;
        await scheduler.Cast<IGrainManagementExtension>().DeactivateOnIdle(ct);
        await Eventually.WaitAsync(async () => { await scheduler.GetSnapshotAsync(); return fixture.SchedulerWrites.Reads; },
            reads => reads > readsBefore, "a new scheduler activation to read its state");
        var stored = StoredSchedulerState();
        Assert.Equal(6, stored.Queue.Count);
        Assert.Equal(blockers.Order(), stored.Slots.Values.Select(s => s.Info.BusyRunId!.Value).Order());
        fixture.SchedulerWrites.Failing = false;

        // Every queued run completes, each in exactly one attempt; the blockers stay cancelled with their one attempt.
        foreach (var run in queued)
        {
            var done = await Run(run).WaitUntilFinishedAsync(120);
            Assert.True(done.Status == RunStatus.Completed, $"run {run} ended {done.Status}: {done.StatusMessage}");
            Assert.Single(done.Attempts);
        }

        foreach (var blocker in blockers)
        {
            var done = await Run(blocker).GetSnapshotAsync();
            Assert.Equal(RunStatus.Cancelled, done.Status);
            Assert.Single(done.Attempts);
        }

        await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Queue.Count == 0 && s.Slots.All(x => !x.Lost && x.Info.BusyRunId is null),
            "an empty queue and both slots free", describe: Describe);
    }

    private IRunGrain Run(Guid id) => fixture.Client.GetGrain<IRunGrain>(id);

    private async Task<Guid[]> CreateAsync(int count, string config, string owner)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var id in ids) await Run(id).CreateAsync(new RunSpec(config, owner));
        return ids;
    }

    /// <summary>The scheduler's state as the store holds it (not as its activation holds it in memory).</summary>
    private SchedulerState StoredSchedulerState()
    {
        var serializer = ((Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Silos[0]).ServiceProvider.GetRequiredService<Serializer>();
        var entry = fixture.Store.Entries.Single(e => e.Key.StartsWith(StateNames.Scheduler + "/", StringComparison.Ordinal));
        return serializer.Deserialize<SchedulerState>(entry.Value.Data)!;
    }

    private static string Describe(MoT.Contracts.Scheduling.SchedulerSnapshot s) =>
        $"queue {s.Queue.Count}; slots {string.Join(", ", s.Slots.Select(x => $"{x.Info.SlotKey}={(x.Lost ? "lost" : x.Info.BusyRunId?.ToString() ?? "free")}"))}";
}
