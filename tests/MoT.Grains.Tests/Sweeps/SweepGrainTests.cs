using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using MoT.Grains.Hosting;
using MoT.Grains.Sweeps;
using MoT.Grains.Tests.Infrastructure;
using Orleans.Serialization;

namespace MoT.Grains.Tests.Sweeps;

[Collection(SharedClusterCollection.Name)]
public sealed class SweepGrainTests(SharedClusterFixture fixture)
{
    private ISweepGrain NewSweep() => fixture.Client.GetGrain<ISweepGrain>(Guid.NewGuid());

    [Theory]
    [InlineData("5", "6", SweepStatus.Failed, 0, 2)]
    [InlineData("5", "999", SweepStatus.CompletedWithFailures, 1, 1)]
    [InlineData("998", "999", SweepStatus.Completed, 2, 0)]
    public async Task A_sweep_is_Completed_only_when_its_trials_completed_and_says_how_many_failed(
        string failAt, string otherFailAt, SweepStatus expected, int completed, int failed)
    {
        var sweep = NewSweep();
        var config = TestConfigs.WithSimulation(TestConfigs.Run(steps: 20), s => s["failure_class"] = "CodeError");
        var spec = new SweepSpec("status-owner", config,
            [new("simulate.fail_at_step", ParameterKind.Choice, [failAt, otherFailAt])], SearchMethod.Grid, MaxConcurrentRuns: 2);
        Assert.True((await sweep.SubmitAsync(spec)).Accepted);

        var done = await sweep.WaitUntilFinishedAsync();

        Assert.Equal(expected, done.Status);
        Assert.Equal((completed, failed, 0, 0, 0), (done.Counts.Completed, done.Counts.Failed, done.Counts.Pruned, done.Counts.Cancelled, done.Counts.Active));
        Assert.Equal(completed == 0, done.BestRunId is null);
    }

    [Fact]
    public async Task Grid_sweep_creates_one_run_per_combination_and_tracks_the_best()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("grid-owner", TestConfigs.Run(steps: 20), [
            new("training.lr", ParameterKind.Choice, ["1e-4", "1e-3", "1e-2"]),
            new("model.family", ParameterKind.Choice, ["Dense", "MoT"]),
            new("model.experts", ParameterKind.Choice, ["8", "32"], Condition: new ParameterCondition("model.family", ["MoT"])),
        ], SearchMethod.Grid, MaxConcurrentRuns: 4);

        var submission = await sweep.SubmitAsync(spec);

        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));
        Assert.Equal(3 * (1 + 2), submission.RunIds.Distinct().Count());
        var done = await sweep.WaitUntilFinishedAsync();
        Assert.Equal(SweepStatus.Completed, done.Status);
        Assert.All(done.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        var best = await fixture.Client.GetGrain<IRunGrain>(done.BestRunId!.Value).GetSnapshotAsync();
        Assert.Equal(1e-3, JsonNode.Parse(best.Spec.ConfigJson)!["training"]!["lr"]!.GetValue<double>());
        Assert.Equal(done.Trials.Min(t => t.BestEvalLoss), done.BestEvalLoss);
        Assert.Equal(sweep.GetPrimaryKey(), best.Spec.SweepId);
    }

    [Fact]
    public async Task Random_sweeps_with_the_same_seed_propose_the_same_trials()
    {
        SweepSpec Spec() => new("random-owner", TestConfigs.Run(steps: 10), [
            new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2),
            new("model.layers", ParameterKind.Int, Low: 2, High: 8, Step: 2),
        ], SearchMethod.Random, MaxConcurrentRuns: 2, MaxRuns: 4, Seed: 11);
        var first = NewSweep();
        var second = NewSweep();

        Assert.True((await first.SubmitAsync(Spec())).Accepted);
        Assert.True((await second.SubmitAsync(Spec())).Accepted);

        var a = await first.WaitUntilFinishedAsync();
        var b = await second.WaitUntilFinishedAsync();
        Assert.Equal(4, a.Trials.Count);
        Assert.Equal(a.Trials.Select(t => t.ParametersJson), b.Trials.Select(t => t.ParametersJson));
        Assert.NotEqual(a.Trials.Select(t => t.RunId), b.Trials.Select(t => t.RunId));
    }

    [Theory]
    [InlineData(SearchMethod.Random)]
    [InlineData(SearchMethod.Tpe)]
    public async Task Sweeps_without_a_seed_draw_a_fresh_one_and_giving_it_again_reproduces_their_trials(SearchMethod method)
    {
        SweepSpec Spec(int? seed) => new("seed-owner", TestConfigs.Run(steps: 10), [
            new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-2),
            new("model.layers", ParameterKind.Int, Low: 2, High: 64, Step: 1),
        ], method, MaxConcurrentRuns: 3, MaxRuns: 3, Seed: seed, TpeStartupTrials: 3);
        var first = NewSweep();
        var second = NewSweep();
        Assert.True((await first.SubmitAsync(Spec(null))).Accepted);
        Assert.True((await second.SubmitAsync(Spec(null))).Accepted);

        var a = await first.GetSnapshotAsync();
        var b = await second.GetSnapshotAsync();
        // Each sweep records the seed it drew; two unseeded sweeps draw different ones and so different first trials
        // (three continuous draws colliding by chance is out of the question).
        Assert.NotNull(a.Spec!.Seed);
        Assert.NotNull(b.Spec!.Seed);
        Assert.NotEqual(a.Spec.Seed, b.Spec.Seed);
        Assert.Equal(3, a.Trials.Count);
        Assert.Empty(a.Trials.Select(t => t.ParametersJson).Intersect(b.Trials.Select(t => t.ParametersJson)));

        // The recorded seed given again draws exactly the same trials.
        var replay = NewSweep();
        Assert.True((await replay.SubmitAsync(Spec(a.Spec.Seed))).Accepted);
        var c = await replay.GetSnapshotAsync();
        Assert.Equal(a.Spec.Seed, c.Spec!.Seed);
        Assert.Equal(a.Trials.Select(t => t.ParametersJson), c.Trials.Select(t => t.ParametersJson));
        foreach (var sweep in new[] { first, second, replay }) await sweep.WaitUntilFinishedAsync();
    }

    [Fact]
    public async Task Invalid_spec_is_rejected_with_every_error_and_queues_nothing()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("", "[1, 2]", [
            new("training.lr", ParameterKind.Uniform, Low: 1, High: 0.5),
            new("model.experts", ParameterKind.Choice, [], Condition: new ParameterCondition("model.nope", ["MoT"])),
        ], SearchMethod.Tpe, MaxConcurrentRuns: 0, MaxRuns: null);

        var submission = await sweep.SubmitAsync(spec);

        Assert.False(submission.Accepted);
        Assert.Empty(submission.RunIds);
        Assert.Equal(
            ["baseConfigJson", "maxConcurrentRuns", "maxRuns", "owner", "searchSpace[0].high", "searchSpace[1].condition.path", "searchSpace[1].values"],
            submission.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        var snapshot = await sweep.GetSnapshotAsync();
        Assert.Equal(SweepStatus.NotSubmitted, snapshot.Status);
        Assert.Empty(snapshot.Trials);
        var scheduler = await fixture.Client.Scheduler().GetSnapshotAsync();
        Assert.DoesNotContain(scheduler.Queue, e => e.SweepId == sweep.GetPrimaryKey());
    }

    [Fact]
    public async Task Tpe_sweep_spends_its_budget_and_reports_a_best_run()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("tpe-owner", TestConfigs.Run(steps: 10), [
            new("training.lr", ParameterKind.LogUniform, Low: 1e-5, High: 1e-1),
        ], SearchMethod.Tpe, MaxConcurrentRuns: 2, MaxRuns: 7, Seed: 3, TpeStartupTrials: 3);

        var submission = await sweep.SubmitAsync(spec);

        Assert.True(submission.Accepted);
        Assert.Equal(2, submission.RunIds.Count); // TPE creates trials as results come in, concurrency at a time
        var done = await sweep.WaitUntilFinishedAsync();
        Assert.Equal(7, done.Trials.Count);
        Assert.All(done.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        Assert.All(done.Trials, t => Assert.InRange(JsonNode.Parse(t.ParametersJson)!["training.lr"]!.GetValue<double>(), 1e-5, 1e-1));
        Assert.NotNull(done.BestRunId);
    }

    [Fact]
    public async Task Asha_stops_the_runs_that_are_worse_than_the_best_at_a_rung()
    {
        var sweep = NewSweep();
        // Best learning rate first and one run at a time: each later run meets a better one at the first rung.
        var spec = new SweepSpec("asha-owner", TestConfigs.Run(steps: 40, evalInterval: 10), [
            new("training.lr", ParameterKind.Choice, ["1e-3", "3e-4", "1e-4", "3e-5"]),
        ], SearchMethod.Grid, MaxConcurrentRuns: 1, EarlyStopping: new AshaSettings(MinSteps: 10, ReductionFactor: 2, MaxSteps: 40));

        Assert.True((await sweep.SubmitAsync(spec)).Accepted);

        var done = await sweep.WaitUntilFinishedAsync();
        var trials = done.Trials.OrderBy(t => t.Index).ToList();
        Assert.Equal(TrialStatus.Completed, trials[0].Status);
        Assert.All(trials.Skip(1), t =>
        {
            Assert.Equal(TrialStatus.Pruned, t.Status);
            Assert.Equal(10, t.StoppedAtStep);
        });
        var worst = await fixture.Client.GetGrain<IRunGrain>(trials[^1].RunId).GetSnapshotAsync();
        Assert.Equal(RunStatus.Pruned, worst.Status); // early-stopped says Pruned everywhere, never Cancelled
        Assert.StartsWith("Pruned: ASHA", worst.StatusMessage);
        Assert.True(worst.LastProgress!.Step < 40, $"stopped run should not train to the end (step {worst.LastProgress.Step})");
        Assert.Equal(trials[0].RunId, done.BestRunId);
    }

    [Fact]
    public async Task A_random_sweep_with_early_stopping_finishes_submitting_while_its_first_trials_are_pruned()
    {
        // Found in the browser: 12 trials, 2 at once, ASHA cutting trials while the sweep still creates the later ones.
        var sweep = NewSweep();
        var spec = new SweepSpec("asha-burst-owner", TestConfigs.Run(steps: 40, evalInterval: 10, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 2 }), [
            new("training.lr", ParameterKind.Choice, ["1e-3", "3e-4", "1e-4", "3e-5"]),
        ], SearchMethod.Random, MaxConcurrentRuns: 2, MaxRuns: 12, Seed: 5, EarlyStopping: new AshaSettings(MinSteps: 10, ReductionFactor: 2, MaxSteps: 40));

        var submission = await sweep.SubmitAsync(spec).WaitAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

        Assert.True(submission.Accepted);
        Assert.Equal(12, submission.RunIds.Count);
        var done = await sweep.WaitUntilFinishedAsync();
        Assert.Equal(0, done.Counts.Active);
    }

    [Fact]
    public async Task Cancelling_a_sweep_cancels_its_unfinished_runs_and_creates_no_more()
    {
        var sweep = NewSweep();
        var spec = new SweepSpec("cancel-owner", TestConfigs.Run(steps: 100_000, extra: c => c["simulate"] = new JsonObject { ["step_delay_ms"] = 5 }), [
            new("training.lr", ParameterKind.Choice, ["1e-3", "3e-4", "1e-4"]),
        ], SearchMethod.Grid, MaxConcurrentRuns: 1);
        var submission = await sweep.SubmitAsync(spec);
        await fixture.Client.GetGrain<IRunGrain>(submission.RunIds[0]).WaitForRunAsync(s => s.Status == RunStatus.Running, "to start");

        var result = await sweep.CancelAsync("enough");

        Assert.True(result.Changed);
        var snapshot = await sweep.GetSnapshotAsync();
        Assert.Equal(SweepStatus.Cancelled, snapshot.Status);
        foreach (var runId in submission.RunIds)
        {
            var run = await fixture.Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
            Assert.Equal(RunStatus.Cancelled, run.Status);
        }

        Assert.False((await sweep.CancelAsync("again")).Changed);
    }

    [Fact]
    public async Task A_sweep_reactivated_after_a_crash_creates_the_runs_of_trials_it_had_recorded()
    {
        // State as a sweep leaves it when it dies between recording a trial and creating its run.
        var sweep = NewSweep();
        var runId = Guid.NewGuid();
        var state = new SweepState
        {
            Spec = new SweepSpec("crash-owner", TestConfigs.Run(steps: 10), [new("training.lr", ParameterKind.Choice, ["3e-4"])], SearchMethod.Grid),
            Status = SweepStatus.Running,
            Trials = [new TrialState { Index = 0, RunId = runId, ParametersJson = """{"training.lr":3e-4}""", Status = TrialStatus.Active }],
        };
        var silo = (Orleans.TestingHost.InProcessSiloHandle)fixture.Cluster.Silos[0];
        var storage = new InMemoryGrainStorage(fixture.Store, silo.ServiceProvider.GetRequiredService<Serializer>());
        await storage.WriteStateAsync(StateNames.Sweep, sweep.GetGrainId(), new GrainState<SweepState>(state));

        var done = await sweep.WaitUntilFinishedAsync();

        Assert.Equal(SweepStatus.Completed, done.Status);
        var run = await fixture.Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3e-4, JsonNode.Parse(run.Spec.ConfigJson)!["training"]!["lr"]!.GetValue<double>());
        Assert.Equal(sweep.GetPrimaryKey(), run.Spec.SweepId);
    }
}
