using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Grains.Tests.Infrastructure;
using Orleans.Core.Internal;

namespace MoT.Grains.Tests.Sweeps;

/// <summary>Pause, resume and a larger budget, observed through the runs' own states and the scheduler's queue.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SweepControlTests(SharedClusterFixture fixture)
{
    private ISweepGrain NewSweep() => fixture.Client.GetGrain<ISweepGrain>(Guid.NewGuid());

    private IRunGrain Run(Guid id) => fixture.Client.GetGrain<IRunGrain>(id);

    /// <summary>A trial that trains long enough (about a second) to be paused mid-way.</summary>
    private static string SlowConfig(long steps = 100) =>
        TestConfigs.Run(steps: steps, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 10 });

    private static SweepSpec GridOfFour(int concurrency = 1) => new("control-owner", SlowConfig(),
        [new("training.lr", ParameterKind.Choice, ["1e-3", "3e-4", "1e-4", "3e-5"])], SearchMethod.Grid, MaxConcurrentRuns: concurrency);

    [Fact]
    public async Task A_paused_sweep_starts_no_new_trial_while_slots_are_free_and_resume_finishes_it()
    {
        var sweep = NewSweep();
        var submission = await sweep.SubmitAsync(GridOfFour());
        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));
        await Run(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");

        var paused = await sweep.PauseAsync("tester");

        Assert.True(paused.Changed, paused.Message);
        Assert.Equal(SweepStatus.Paused, (await sweep.GetSnapshotAsync()).Status);
        // The trial that was training goes on to the end.
        Assert.Equal(RunStatus.Completed, (await Run(submission.RunIds[0]).WaitUntilFinishedAsync(60)).Status);
        await ProveHeldAsync(sweep, submission.RunIds.Skip(1));

        var resumed = await sweep.ResumeAsync("tester");

        Assert.True(resumed.Changed, resumed.Message);
        var done = await sweep.WaitUntilFinishedAsync(120);
        Assert.Equal(SweepStatus.Completed, done.Status);
        Assert.Equal(4, done.Counts.Completed);
        foreach (var runId in submission.RunIds) Assert.Equal(RunStatus.Completed, (await Run(runId).GetSnapshotAsync()).Status);
    }

    [Fact]
    public async Task A_paused_tpe_sweep_proposes_nothing_and_is_not_finished_while_budget_is_left()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("control-owner", SlowConfig(steps: 30), [new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2)],
            SearchMethod.Tpe, MaxConcurrentRuns: 1, MaxRuns: 3, Seed: 7, TpeStartupTrials: 2);
        var submission = await sweep.SubmitAsync(spec);
        await Run(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");

        await sweep.PauseAsync("tester");
        await Run(submission.RunIds[0]).WaitUntilFinishedAsync(60);
        var held = await Eventually.WaitAsync(sweep.GetSnapshotAsync, s => s.Counts.Active == 0, "the first trial to be recorded finished");

        Assert.Equal(SweepStatus.Paused, held.Status); // every trial is done, but the budget is not spent
        Assert.Single(held.Trials);

        await sweep.ResumeAsync("tester");
        var done = await sweep.WaitUntilFinishedAsync(120);
        Assert.Equal(3, done.Trials.Count);
        Assert.Equal(SweepStatus.Completed, done.Status);
    }

    [Fact]
    public async Task A_paused_sweep_stays_paused_when_the_sweep_and_the_scheduler_are_reactivated_from_storage()
    {
        var sweep = NewSweep();
        var submission = await sweep.SubmitAsync(GridOfFour());
        await Run(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");
        await sweep.PauseAsync("tester");

        // What a restart of the control silo does to these two: new activations that know only what was stored.
        await sweep.Cast<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);
        await fixture.Client.Scheduler().Cast<IGrainManagementExtension>().DeactivateOnIdle(TestContext.Current.CancellationToken);

        await Run(submission.RunIds[0]).WaitUntilFinishedAsync(60);
        Assert.Equal(SweepStatus.Paused, (await sweep.GetSnapshotAsync()).Status);
        await ProveHeldAsync(sweep, submission.RunIds.Skip(1));

        await sweep.ResumeAsync("tester");
        var done = await sweep.WaitUntilFinishedAsync(120);
        Assert.Equal(4, done.Counts.Completed);
    }

    [Fact]
    public async Task Extending_a_random_sweep_adds_the_trials_a_larger_budget_would_have_had_and_runs_them()
    {
        SweepSpec Spec(int maxRuns) => new("control-owner", SlowConfig(steps: 40),
            [new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2)], SearchMethod.Random, MaxConcurrentRuns: 1, MaxRuns: maxRuns, Seed: 21);
        var sweep = NewSweep();
        var submission = await sweep.SubmitAsync(Spec(2));
        await Run(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");

        var extended = await sweep.ExtendAsync(new SweepBudget(MaxRuns: 5, MaxConcurrentRuns: 2), "tester");

        Assert.True(extended.Changed, extended.Message);
        Assert.Contains("5 (was 2) trial(s), 2 (was 1) at once", extended.Message);
        // Two at once now: seen in the runs themselves, not in the sweep's own bookkeeping.
        await Eventually.WaitAsync(async () => await RunningCountAsync(sweep), n => n == 2, "two trials of the sweep training at once", TimeSpan.FromSeconds(60));
        var done = await sweep.WaitUntilFinishedAsync(120);
        Assert.Equal(5, done.Counts.Completed);
        var reference = NewSweep();
        Assert.True((await reference.SubmitAsync(Spec(5))).Accepted);
        var expected = (await reference.GetSnapshotAsync()).Trials.Select(t => t.ParametersJson);
        Assert.Equal(expected, done.Trials.OrderBy(t => t.Index).Select(t => t.ParametersJson));
        await reference.CancelAsync("only its trial plan was needed");
    }

    [Fact]
    public async Task Extending_a_tpe_sweep_proposes_and_runs_the_extra_trials()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("control-owner", SlowConfig(steps: 30), [new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2)],
            SearchMethod.Tpe, MaxConcurrentRuns: 1, MaxRuns: 2, Seed: 9, TpeStartupTrials: 2);
        var submission = await sweep.SubmitAsync(spec);
        await Run(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");

        Assert.True((await sweep.ExtendAsync(new SweepBudget(MaxRuns: 4), "tester")).Changed);

        var done = await sweep.WaitUntilFinishedAsync(120);
        Assert.Equal(4, done.Trials.Count);
        Assert.Equal(4, done.Counts.Completed);
        Assert.Equal(4, done.Spec!.MaxRuns);
    }

    [Fact]
    public async Task A_finished_sweep_refuses_pause_resume_and_extend_with_one_line_saying_why()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("control-owner", TestConfigs.Run(steps: 10), [new("training.lr", ParameterKind.Choice, ["1e-3"])], SearchMethod.Grid);
        Assert.True((await sweep.SubmitAsync(spec)).Accepted);
        await sweep.WaitUntilFinishedAsync();

        foreach (var answer in new[]
                 {
                     await sweep.PauseAsync("tester"), await sweep.ResumeAsync("tester"),
                     await sweep.ExtendAsync(new SweepBudget(MaxConcurrentRuns: 3), "tester"),
                 })
        {
            Assert.False(answer.Changed);
            Assert.Contains("already finished as Completed", answer.Message);
            Assert.DoesNotContain('\n', answer.Message);
        }

        Assert.Equal(SweepStatus.Completed, (await sweep.GetSnapshotAsync()).Status);
        Assert.Contains("never submitted", (await NewSweep().PauseAsync("tester")).Message);
    }

    [Fact]
    public async Task A_budget_that_cannot_apply_is_refused_naming_each_field_and_value_and_changes_nothing()
    {
        var grid = NewSweep();
        var submission = await grid.SubmitAsync(GridOfFour());
        var random = NewSweep();
        Assert.True((await random.SubmitAsync(new SweepSpec("control-owner", SlowConfig(), [new("training.lr", ParameterKind.Uniform, Low: 1e-4, High: 1e-3)],
            SearchMethod.Random, MaxConcurrentRuns: 1, MaxRuns: 3, Seed: 1))).Accepted);
        try
        {
            var gridAnswer = await grid.ExtendAsync(new SweepBudget(MaxRuns: 9, MaxConcurrentRuns: 0), "tester");
            var lower = await random.ExtendAsync(new SweepBudget(MaxRuns: 2), "tester");
            var nothing = await random.ExtendAsync(new SweepBudget(), "tester");

            Assert.False(gridAnswer.Changed);
            Assert.Contains("maxConcurrentRuns: must be at least 1 (was 0)", gridAnswer.Message);
            Assert.Contains("maxRuns: a grid sweep runs every combination", gridAnswer.Message);
            Assert.Contains("(was 9)", gridAnswer.Message);
            Assert.Equal("maxRuns: must be at least the current budget of 3 (was 2)", lower.Message);
            Assert.False(nothing.Changed);
            Assert.Equal(1, (await grid.GetSnapshotAsync()).Spec!.MaxConcurrentRuns);
            Assert.Equal(3, (await random.GetSnapshotAsync()).Trials.Count);
        }
        finally
        {
            await grid.CancelAsync("test over");
            await random.CancelAsync("test over");
        }
    }

    [Fact]
    public async Task A_paused_sweep_can_be_cancelled_and_leaves_no_hold_behind()
    {
        var sweep = NewSweep();
        var submission = await sweep.SubmitAsync(GridOfFour());
        await sweep.PauseAsync("tester");

        var cancelled = await sweep.CancelAsync("changed my mind");

        Assert.True(cancelled.Changed);
        var snapshot = await sweep.GetSnapshotAsync();
        Assert.Equal(SweepStatus.Cancelled, snapshot.Status);
        Assert.Equal(4, snapshot.Counts.Cancelled);
        var queue = (await fixture.Client.Scheduler().GetSnapshotAsync()).Queue;
        Assert.DoesNotContain(queue, e => e.SweepId == sweep.GetPrimaryKey());
    }

    /// <summary>
    /// The runs stay queued although the scheduler is dispatching: a run outside the sweep, queued after them, is
    /// dispatched and finishes while they wait.
    /// </summary>
    private async Task ProveHeldAsync(ISweepGrain sweep, IEnumerable<Guid> heldRuns)
    {
        var probe = Run(Guid.NewGuid());
        await probe.CreateAsync(new RunSpec(TestConfigs.Run(steps: 10), "control-probe"));
        Assert.Equal(RunStatus.Completed, (await probe.WaitUntilFinishedAsync(60)).Status);

        foreach (var runId in heldRuns)
        {
            var run = await Run(runId).GetSnapshotAsync();
            Assert.True(run.Status == RunStatus.Queued, $"run {runId} of the paused sweep is {run.Status}, should still be queued");
        }

        var queue = (await fixture.Client.Scheduler().GetSnapshotAsync()).Queue;
        Assert.Equal(heldRuns.Order(), queue.Where(e => e.SweepId == sweep.GetPrimaryKey()).Select(e => e.RunId).Order());
        Assert.Equal(SweepStatus.Paused, (await sweep.GetSnapshotAsync()).Status);
    }

    private async Task<int> RunningCountAsync(ISweepGrain sweep)
    {
        var snapshot = await sweep.GetSnapshotAsync();
        var statuses = await Task.WhenAll(snapshot.Trials.Select(t => Run(t.RunId).GetSnapshotAsync()));
        return statuses.Count(s => s.Status == RunStatus.Running);
    }
}
