using System.Text.Json.Nodes;
using MoT.Contracts.Leaderboards;
using MoT.Contracts.Runs;
using MoT.Grains.Configs;
using MoT.Grains.Runs;
using MoT.Grains.Tests.Infrastructure;
using MoT.Grains.Training;

namespace MoT.Grains.Tests.Runs;

/// <summary>Resume continues training for the steps asked; warm-started runs carry the tokens their ancestors trained.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class WarmStartTests(SharedClusterFixture fixture)
{
    // TestConfigs.Run: batch_size 8 x seq_len 64.
    private const long TokensPerStep = 8 * 64;

    private async Task<IRunGrain> FinishedRunAsync(string config)
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(config, "warm-start"));
        var done = await run.WaitUntilFinishedAsync();
        Assert.True(done.Status == RunStatus.Completed, $"run ended {done.Status}: {done.StatusMessage}");
        return run;
    }

    private async Task<RunSnapshot> FinishedChildAsync(Guid id)
    {
        var child = await fixture.Client.GetGrain<IRunGrain>(id).WaitUntilFinishedAsync();
        Assert.True(child.Status == RunStatus.Completed, $"child ended {child.Status}: {child.StatusMessage}");
        return child;
    }

    [Fact]
    public async Task A_resumed_completed_run_trains_exactly_the_additional_steps_and_continues_the_parents_curve()
    {
        var parent = await FinishedRunAsync(TestConfigs.Run(steps: 60, evalInterval: 10));
        var parentDone = await parent.GetSnapshotAsync();

        var child = await FinishedChildAsync(await parent.ResumeAsync("warm-start", additionalSteps: 40));

        Assert.Equal(new WarmStart(FromStep: 60, StartStep: 60, InheritedTokens: 60 * TokensPerStep, StepOffset: 0), child.Spec.WarmStart);
        Assert.EndsWith("step-0000060.ckpt.json", child.Attempts[0].ResumedFromCheckpoint);
        Assert.Equal(100, child.LastProgress!.Step);
        Assert.Equal(100, child.LastCheckpoint!.Step);
        // Steps 61..100 and nothing else: eval every 10 steps after the parent's last one.
        Assert.Equal([70L, 80, 90, 100], child.EvalHistory.Select(e => e.Step));
        // The curve goes on where the parent's stopped: the same decay as the parent's planned 60 steps, not a new one
        // (hand derivation from the simulated trainer's loss formula, eval = train + 0.05, seed 0).
        foreach (var point in child.EvalHistory)
        {
            Assert.Equal(SimulatedTrainingExecutor.Loss(point.Step, 60, 1e-3, 0, 0) + 0.05, point.EvalLoss, 9);
        }

        Assert.True(child.BestEvalLoss < parentDone.BestEvalLoss, "training further must lower the loss on this curve");
    }

    [Fact]
    public async Task Resuming_a_completed_run_without_more_steps_is_refused_and_creates_no_run()
    {
        var parent = await FinishedRunAsync(TestConfigs.Run(steps: 20));

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => parent.ResumeAsync("warm-start", additionalSteps: null));
        var zero = await Assert.ThrowsAsync<ArgumentException>(() => parent.ResumeAsync("warm-start", additionalSteps: 0));
        var sameFork = await Assert.ThrowsAsync<ArgumentException>(() => parent.ForkAsync("warm-start", null));

        Assert.StartsWith("steps: ", refused.Message);
        Assert.Contains("already trained all 20 steps", refused.Message);
        Assert.Contains("at least 1 (was 0)", zero.Message);
        Assert.Contains("training.steps: must be more than 20", sameFork.Message);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty((await parent.GetSnapshotAsync()).Children);
    }

    [Fact]
    public async Task Inherited_tokens_add_up_over_two_generations_and_a_fork_with_new_settings_restarts_its_step_count()
    {
        var root = await FinishedRunAsync(TestConfigs.Run(steps: 20, lr: 1e-3));
        // A fork with another learning rate starts a new schedule at step 0 from the root's step-20 weights.
        var fork = await FinishedChildAsync(await root.ForkAsync("warm-start", TestConfigs.Run(steps: 30, lr: 5e-4)));
        var forkGrain = fixture.Client.GetGrain<IRunGrain>(fork.RunId);
        var resumed = await FinishedChildAsync(await forkGrain.ResumeAsync("warm-start", additionalSteps: 10));

        Assert.Equal(new WarmStart(20, 0, 20 * TokensPerStep, StepOffset: 20), fork.Spec.WarmStart);
        Assert.Equal([10L, 20, 30], fork.EvalHistory.Select(e => e.Step));
        Assert.Equal(new WarmStart(30, 30, (20 + 30) * TokensPerStep, StepOffset: 20), resumed.Spec.WarmStart);
        Assert.Equal(40, resumed.LastProgress!.Step);
        // root 20 + fork 30 + its resume 10 steps, each of 512 tokens.
        Assert.Equal(60 * TokensPerStep, WarmStarts.TotalTokens(resumed.Spec, BasicRunConfigRules.Instance));
        // On the lineage's step axis the fork's step 1 is the root's step 21, and the resume's step 31 (the fork's 31st
        // step) is step 51; the tokens seen there are 51 steps' worth.
        Assert.Equal(21, fork.Spec.WarmStart!.OnLineageAxis(1));
        Assert.Equal(51, resumed.Spec.WarmStart!.OnLineageAxis(31));
        Assert.Equal(51 * TokensPerStep, resumed.Spec.WarmStart.TokensAt(31, TokensPerStep));
    }

    [Fact]
    public async Task A_fork_from_a_60_step_checkpoint_is_ranked_apart_from_runs_trained_from_scratch()
    {
        var evalSet = $"fair-{Guid.NewGuid():N}-eval";
        string Config(long steps, double lr) => TestConfigs.Run(steps: steps, lr: lr, evalSet: evalSet);
        var board = fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "cl100k"));
        var parent = await FinishedRunAsync(Config(60, 3e-3));
        var scratch = await FinishedRunAsync(Config(120, 3e-3));
        var fork = await FinishedChildAsync(await parent.ForkAsync("warm-start", Config(60, 1e-3)));

        var entries = await Eventually.WaitAsync(() => board.GetTopAsync(null, null, 10), e => e.Count == 3, "three runs on the board");
        var forkEntry = Assert.Single(entries, e => e.RunId == fork.RunId);
        Assert.Equal(RunRelation.Forked, forkEntry.WarmStartedBy);
        Assert.Equal(60 * TokensPerStep, forkEntry.InheritedTokens);
        Assert.Equal(120 * TokensPerStep, forkEntry.TotalTokens);
        Assert.Equal(120 * TokensPerStep, Assert.Single(entries, e => e.RunId == scratch.GetPrimaryKey()).TotalTokens);

        var best = await board.GetBestPerBudgetAsync(null);
        // The from-scratch part of the board holds one entry per family and budget, and never the fork.
        var fromScratch = best.Where(e => !e.IsWarmStarted).ToList();
        Assert.DoesNotContain(fromScratch, e => e.RunId == fork.RunId);
        Assert.Equal(fromScratch.Count, fromScratch.Select(e => (e.Family, e.ComputeBudget)).Distinct().Count());
        Assert.Equal(fork.RunId, Assert.Single(best, e => e.IsWarmStarted).RunId);
    }
}
