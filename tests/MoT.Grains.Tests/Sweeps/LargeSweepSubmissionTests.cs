using System.Diagnostics;
using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Sweeps;

/// <summary>
/// A sweep of hundreds of trials answers its submission at once and creates its runs afterwards (the dashboard's Launch
/// once waited on every run being created and hit the response timeout); a cancel in the middle creates no more runs.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class LargeSweepSubmissionTests(SharedClusterFixture fixture)
{
    private const int Trials = 300;

    private static SweepSpec LargeRandomSweep(string owner, int trials = Trials) => new(owner,
        TestConfigs.Run(steps: 100_000, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 5 }),
        [new("training.lr", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2)],
        SearchMethod.Random, MaxConcurrentRuns: 1, MaxRuns: trials, Seed: 11,
        EarlyStopping: new AshaSettings(MinSteps: 10, ReductionFactor: 3, MaxSteps: 100_000));

    [Fact]
    public async Task A_large_random_sweep_is_accepted_at_once_and_then_creates_the_run_of_every_trial()
    {
        var sweep = fixture.Client.GetGrain<ISweepGrain>(Guid.NewGuid());
        var clock = Stopwatch.StartNew();

        var submission = await sweep.SubmitAsync(LargeRandomSweep("large-sweep-owner"));

        var answeredIn = clock.Elapsed;
        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));
        Assert.Equal(Trials, submission.RunIds.Distinct().Count());
        // Well under the 30 s a caller waits, on a loaded machine: the answer no longer waits for 300 run creations.
        Assert.True(answeredIn < TimeSpan.FromSeconds(10), $"the submission took {answeredIn}");
        foreach (var runId in submission.RunIds)
        {
            // Every trial gets its run, in later turns of the sweep.
            await Eventually.WaitAsync(() => ExistsAsync(runId), exists => exists, $"run {runId} to be created", TimeSpan.FromSeconds(120));
        }

        var snapshot = await sweep.GetSnapshotAsync();
        Assert.Equal(SweepStatus.Running, snapshot.Status);
        Assert.Equal(Trials, snapshot.Trials.Count);
        clock.Restart();
        Assert.True((await sweep.CancelAsync("test over")).Changed);
        // The cancel is answered before its 300 runs are stopped, as the submission was before they were created.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the cancel took {clock.Elapsed}");
        foreach (var runId in submission.RunIds)
        {
            await fixture.Client.GetGrain<IRunGrain>(runId).WaitForRunAsync(s => s.Status.IsTerminal(), "to stop after the cancel");
        }
    }

    [Fact]
    public async Task A_sweep_cancelled_while_it_creates_runs_creates_no_more_and_cancels_every_trial()
    {
        var sweep = fixture.Client.GetGrain<ISweepGrain>(Guid.NewGuid());
        const int trials = 1_000; // many more than a few creation turns make before the cancel arrives
        var submission = await sweep.SubmitAsync(LargeRandomSweep("large-cancel-owner", trials));
        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));

        Assert.True((await sweep.CancelAsync("changed my mind")).Changed);

        Assert.Equal(SweepStatus.Cancelled, (await sweep.GetSnapshotAsync()).Status);
        await Eventually.WaitAsync(sweep.GetSnapshotAsync, s => s.Trials.All(t => t.Status == TrialStatus.Cancelled), "every trial to be cancelled",
            describe: s => string.Join(", ", s.Trials.GroupBy(t => t.Status).Select(g => $"{g.Count()} {g.Key}")));
        var created = new List<Guid>();
        foreach (var runId in submission.RunIds)
        {
            if (await ExistsAsync(runId)) created.Add(runId);
        }

        // The runs created before the cancel are cancelled; a trial still waiting for its run never gets one.
        Assert.InRange(created.Count, 1, trials - 1);
        foreach (var runId in created)
        {
            await fixture.Client.GetGrain<IRunGrain>(runId).WaitForRunAsync(s => s.Status.IsTerminal(), "to stop after the cancel");
        }

        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // a creation turn already scheduled would run now
        foreach (var runId in submission.RunIds.Except(created))
        {
            Assert.False(await ExistsAsync(runId), $"run {runId} was created after its sweep was cancelled");
            // Its id was handed out: the sweep still answers for it, as cancelled with the sweep.
            Assert.Equal(RunStatus.Cancelled, (await sweep.GetUncreatedRunAsync(runId))?.Status);
        }
    }

    [Fact]
    public async Task A_listed_run_not_yet_created_is_answered_by_its_sweep_as_the_run_it_becomes()
    {
        var sweepId = Guid.NewGuid();
        var sweep = fixture.Client.GetGrain<ISweepGrain>(sweepId);
        var submission = await sweep.SubmitAsync(LargeRandomSweep("uncreated-owner"));
        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));

        // Right after the answer (all asked at once, so they queue ahead of most creation turns): every listed id is
        // either a run or a trial its sweep answers for, never neither.
        var answers = await Task.WhenAll(submission.RunIds.Select(sweep.GetUncreatedRunAsync));
        var promised = new Dictionary<Guid, RunSnapshot>();
        foreach (var (runId, uncreated) in submission.RunIds.Zip(answers))
        {
            if (uncreated is not null) promised[runId] = uncreated;
            else Assert.True(await ExistsAsync(runId), $"run {runId} is neither created nor answered for by its sweep");
        }

        Assert.NotEmpty(promised); // 300 trials at 16 a turn: most are still waiting
        foreach (var (runId, uncreated) in promised)
        {
            var run = await Eventually.WaitAsync(() => TryGetAsync(runId), r => r is not null, $"run {runId} to be created", TimeSpan.FromSeconds(120));
            // What was shown before is what the run is created with: same config, owner, priority and sweep.
            Assert.Equal(run!.Spec, uncreated.Spec);
            Assert.Equal(RunStatus.Queued, uncreated.Status);
            Assert.Equal(sweepId, uncreated.Spec.SweepId);
            Assert.Null(await sweep.GetUncreatedRunAsync(runId)); // once created, the run answers for itself
        }

        Assert.Null(await sweep.GetUncreatedRunAsync(Guid.NewGuid()));
        Assert.True((await sweep.CancelAsync("test over")).Changed);
    }

    private async Task<RunSnapshot?> TryGetAsync(Guid runId)
    {
        try
        {
            return await fixture.Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    private async Task<bool> ExistsAsync(Guid runId)
    {
        try
        {
            await fixture.Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
            return true;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }
}
