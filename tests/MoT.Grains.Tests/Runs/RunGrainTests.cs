using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Runs;

[Collection(SharedClusterCollection.Name)]
public sealed class RunGrainTests(SharedClusterFixture fixture)
{
    private async Task<IRunGrain> StartAsync(string config, string owner = "run-tests")
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(config, owner));
        return run;
    }

    [Fact]
    public async Task Run_goes_from_queued_to_running_to_completed_in_one_attempt()
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        var created = await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 100, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 5 }), "lifecycle"));
        Assert.Equal(RunStatus.Queued, created.Status);

        var running = await run.WaitForRunAsync(s => s.Status == RunStatus.Running, "to run");
        Assert.NotNull(running.SlotKey);
        var done = await run.WaitUntilFinishedAsync();

        Assert.Equal(RunStatus.Completed, done.Status);
        var attempt = Assert.Single(done.Attempts);
        Assert.Equal(1, attempt.Number);
        Assert.Null(attempt.ResumedFromCheckpoint);
        Assert.NotNull(attempt.EndedAt);
        Assert.Equal(100, done.LastProgress!.Step);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i * 10), done.EvalHistory.Select(e => e.Step));
        Assert.Equal(done.EvalHistory.Min(e => e.EvalLoss), done.BestEvalLoss);
        Assert.Equal(100, done.LastCheckpoint!.Step);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(done.LastCheckpoint.Path, TestContext.Current.CancellationToken))), done.LastCheckpoint.Sha256);
        Assert.NotNull(done.FinishedAt);
        Assert.Null(done.SlotKey);
    }

    [Fact]
    public async Task Progress_is_throttled_but_every_eval_point_reaches_the_run()
    {
        // The platform clock is frozen in tests, so only the first report, eval points and the final flush go through.
        var run = await StartAsync(TestConfigs.Run(steps: 100, evalInterval: 10));

        var done = await run.WaitUntilFinishedAsync();

        Assert.Equal(10, done.EvalHistory.Count);
        Assert.InRange(done.ProgressReports, 10, 12);
    }

    [Fact]
    public async Task Watchers_receive_live_progress_until_the_run_finishes()
    {
        var run = await StartAsync(TestConfigs.Run(steps: 60, evalInterval: 5, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 10 }));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));

        var received = new List<RunProgress>();
        await foreach (var progress in run.WatchProgressAsync(timeout.Token))
        {
            received.Add(progress);
        }

        Assert.NotEmpty(received);
        Assert.Equal(received.Select(p => p.Step).Order(), received.Select(p => p.Step));
        Assert.Equal(60, received[^1].Step);
        Assert.Equal(RunStatus.Completed, (await run.GetSnapshotAsync()).Status);
    }

    [Fact]
    public async Task Cancelling_a_finished_run_is_a_no_op_that_says_so()
    {
        var run = await StartAsync(TestConfigs.Run(steps: 10));
        var done = await run.WaitUntilFinishedAsync();

        var result = await run.CancelAsync("changed my mind");

        Assert.False(result.Changed);
        Assert.Contains("already finished as Completed", result.Message);
        var after = await run.GetSnapshotAsync();
        Assert.Equal(RunStatus.Completed, after.Status);
        Assert.Equal(done.FinishedAt, after.FinishedAt);
    }

    [Fact]
    public async Task Cancelling_a_running_run_stops_its_training_and_frees_the_slot()
    {
        var run = await StartAsync(TestConfigs.Run(steps: 100_000, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 5 }));
        var running = await run.WaitForRunAsync(s => s.Status == RunStatus.Running && s.LastProgress is not null, "to report progress");

        var result = await run.CancelAsync("user asked");

        Assert.True(result.Changed);
        var cancelled = await run.WaitForRunAsync(s => s.Attempts[^1].EndedAt is not null, "attempt to end");
        Assert.Equal(RunStatus.Cancelled, cancelled.Status);
        Assert.Equal("Cancelled: user asked", cancelled.StatusMessage);
        Assert.True(cancelled.LastProgress!.Step < 100_000);
        await Eventually.WaitAsync(fixture.Client.Scheduler().GetSnapshotAsync,
            s => s.Slots.Single(slot => slot.Info.SlotKey == running.SlotKey).Info.BusyRunId != run.GetPrimaryKey(), "slot to be released");
    }

    [Theory]
    [InlineData(FailureClass.OutOfMemory)]
    [InlineData(FailureClass.CodeError)]
    public async Task Failures_that_would_repeat_fail_at_once_without_retry(FailureClass failure)
    {
        var run = await StartAsync(TestConfigs.WithSimulation(TestConfigs.Run(steps: 50), s =>
        {
            s["fail_at_step"] = 7;
            s["failure_class"] = failure.ToString();
        }));

        var done = await run.WaitUntilFinishedAsync();

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Equal(failure, done.FailureClass);
        Assert.Single(done.Attempts);
        Assert.Contains("not retried", done.StatusMessage);
    }

    [Fact]
    public async Task A_preempted_run_is_requeued_and_resumes_without_spending_its_restart_budget()
    {
        var run = await StartAsync(TestConfigs.Run(steps: 400, checkpointInterval: 5, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 5 }));
        var training = await run.WaitForRunAsync(s => s.Status == RunStatus.Running && s.LastCheckpoint is not null, "to write a checkpoint");

        var stop = await fixture.Client.GetGrain<MoT.Contracts.Scheduling.IGpuSlotGrain>(training.SlotKey!)
            .StopAsync(run.GetPrimaryKey(), MoT.Contracts.Scheduling.StopKind.Preempt);

        Assert.True(stop.Changed);
        var done = await run.WaitUntilFinishedAsync();
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts.Count);
        Assert.Equal("Preempted", done.Attempts[0].EndReason);
        Assert.NotNull(done.Attempts[1].ResumedFromCheckpoint);
        Assert.Contains("attempt-1", done.Attempts[1].ResumedFromCheckpoint);
        Assert.Equal(400, done.LastProgress!.Step);
    }

    [Fact]
    public async Task Divergence_fails_the_run_with_class_Diverged_a_run_error_without_retry()
    {
        var run = await StartAsync(TestConfigs.WithSimulation(TestConfigs.Run(steps: 50), s => s["diverge_at_step"] = 12));

        var done = await run.WaitUntilFinishedAsync();

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Equal(FailureClass.Diverged, done.FailureClass);
        Assert.Equal(FailureKind.RunError, done.FailureClass!.Value.Kind());
        Assert.Equal("Failed (run error: Diverged)", done.Status.Describe(done.FailureClass));
        Assert.Single(done.Attempts);
    }

    [Fact]
    public async Task Unknown_failure_is_retried_from_the_last_checkpoint_until_the_restart_budget_is_spent()
    {
        var run = await StartAsync(TestConfigs.WithSimulation(TestConfigs.Run(steps: 50, checkpointInterval: 5), s => s["fail_at_step"] = 12));

        var done = await run.WaitUntilFinishedAsync();

        Assert.Equal(RunStatus.Failed, done.Status);
        Assert.Equal(FailureClass.Unknown, done.FailureClass);
        Assert.Equal(3, done.Attempts.Count); // first attempt + MaxRestarts (2)
        Assert.Contains("restart budget of 2 used up", done.StatusMessage);
        Assert.Null(done.Attempts[0].ResumedFromCheckpoint);
        Assert.All(done.Attempts.Skip(1), a => Assert.EndsWith("step-0000010.ckpt.json", a.ResumedFromCheckpoint));
    }

    [Fact]
    public async Task Resume_fork_and_transition_tune_create_new_runs_with_lineage()
    {
        var parent = await StartAsync(TestConfigs.Run(steps: 20, family: "MoT"));
        var finished = await parent.WaitUntilFinishedAsync();
        var checkpoint = finished.LastCheckpoint!.Path;

        var resumedId = await parent.ResumeAsync("lineage", additionalSteps: 10);
        var forkedId = await parent.ForkAsync("lineage", TestConfigs.Run(steps: 30, lr: 3e-4, family: "MoT"));
        var tunedId = await parent.TransitionTuneAsync("lineage", TestConfigs.Run(steps: 30, family: "TokenChoice"));

        foreach (var (id, relation) in new[] { (resumedId, RunRelation.Resumed), (forkedId, RunRelation.Forked), (tunedId, RunRelation.TransitionTuned) })
        {
            var child = await fixture.Client.GetGrain<IRunGrain>(id).WaitUntilFinishedAsync();
            Assert.Equal(RunStatus.Completed, child.Status);
            Assert.Equal(parent.GetPrimaryKey(), child.Spec.ParentRunId);
            Assert.Equal(relation, child.Spec.Relation);
            Assert.Equal(checkpoint, child.Spec.SourceCheckpoint);
            Assert.Equal(checkpoint, child.Attempts[0].ResumedFromCheckpoint);
        }

        var tuned = await fixture.Client.GetGrain<IRunGrain>(tunedId).GetSnapshotAsync();
        Assert.Equal(30, tuned.LastProgress!.Step);
        Assert.Equal([resumedId, forkedId, tunedId], (await parent.GetSnapshotAsync()).Children);
    }

    [Fact]
    public async Task Transition_tuning_needs_a_MoT_source_and_a_TokenChoice_target()
    {
        var dense = await StartAsync(TestConfigs.Run(steps: 10, family: "Dense"));
        await dense.WaitUntilFinishedAsync();
        var mot = await StartAsync(TestConfigs.Run(steps: 10, family: "MoT"));
        await mot.WaitUntilFinishedAsync();

        var fromDense = await Assert.ThrowsAsync<ArgumentException>(() => dense.TransitionTuneAsync("x", TestConfigs.Run(family: "TokenChoice")));
        var toDense = await Assert.ThrowsAsync<ArgumentException>(() => mot.TransitionTuneAsync("x", TestConfigs.Run(family: "Dense")));

        Assert.Contains("converts a MoT checkpoint", fromDense.Message);
        Assert.Contains("model.family must be TokenChoice", toDense.Message);
        Assert.Empty((await mot.GetSnapshotAsync()).Children);
    }
}
