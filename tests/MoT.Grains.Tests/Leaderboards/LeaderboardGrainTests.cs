using MoT.Contracts.Leaderboards;
using MoT.Contracts.Runs;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Leaderboards;

[Collection(SharedClusterCollection.Name)]
public sealed class LeaderboardGrainTests(SharedClusterFixture fixture)
{
    private static LeaderboardEntry Entry(string evalSet, string tokenizer, double loss, string family = "MoT", string budget = "1e7") =>
        new(Guid.NewGuid(), "lb", family, budget, loss, evalSet, tokenizer, 100, DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_board_only_accepts_results_measured_on_its_own_eval_set_and_tokenizer()
    {
        var evalSet = $"eval-{Guid.NewGuid():N}";
        var board = fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "cl100k"));

        var same = await board.SubmitAsync(Entry(evalSet, "cl100k", 2.5));
        var otherTokenizer = await board.SubmitAsync(Entry(evalSet, "o200k", 1.0));
        var otherEvalSet = await board.SubmitAsync(Entry("another-eval", "cl100k", 1.0));

        Assert.True(same.Changed);
        Assert.False(otherTokenizer.Changed);
        Assert.Contains("tokenizer 'o200k'", otherTokenizer.Message);
        Assert.False(otherEvalSet.Changed);
        var top = await board.GetTopAsync(null, null, 10);
        Assert.Equal(2.5, Assert.Single(top).EvalLoss);
    }

    [Fact]
    public async Task A_board_ranks_the_best_runs_per_family_and_compute_budget()
    {
        var evalSet = $"eval-{Guid.NewGuid():N}";
        var board = fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "cl100k"));
        var mot1 = Entry(evalSet, "cl100k", 2.2);
        var mot2 = Entry(evalSet, "cl100k", 2.0);
        var motBig = Entry(evalSet, "cl100k", 1.5, budget: "1e9");
        var dense = Entry(evalSet, "cl100k", 2.1, family: "Dense");
        foreach (var entry in new[] { mot1, mot2, motBig, dense })
        {
            Assert.True((await board.SubmitAsync(entry)).Changed);
        }

        Assert.False((await board.SubmitAsync(mot2 with { EvalLoss = 2.4 })).Changed); // a worse result never replaces a better one

        Assert.Equal([mot2.RunId, mot1.RunId], (await board.GetTopAsync("MoT", "1e7", 10)).Select(e => e.RunId));
        Assert.Equal([motBig.RunId, mot2.RunId, dense.RunId], (await board.GetTopAsync(null, null, 3)).Select(e => e.RunId));
        Assert.Equal([dense.RunId], (await board.GetTopAsync("Dense", null, 10)).Select(e => e.RunId));
    }

    [Fact]
    public async Task A_completed_run_lands_on_the_board_of_its_eval_set_and_tokenizer()
    {
        var evalSet = $"eval-{Guid.NewGuid():N}";
        var run = fixture.Client.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 20, family: "MoT", evalSet: evalSet, tokenizer: "o200k"), "lb-owner"));
        var done = await run.WaitUntilFinishedAsync();

        var top = await Eventually.WaitAsync(
            () => fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "o200k")).GetTopAsync("MoT", null, 5),
            t => t.Count > 0, "leaderboard entry");

        var entry = Assert.Single(top);
        Assert.Equal(run.GetPrimaryKey(), entry.RunId);
        Assert.Equal(done.BestEvalLoss, entry.EvalLoss);
        Assert.Equal(LeaderboardKeys.ComputeBucket(20 * 8 * 64), entry.ComputeBudget);
        Assert.Empty(await fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "cl100k")).GetTopAsync(null, null, 5));
    }

    [Fact]
    public async Task Best_per_budget_holds_one_entry_per_family_and_budget_with_warm_started_runs_apart()
    {
        var evalSet = $"eval-{Guid.NewGuid():N}";
        var board = fixture.Client.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet, "cl100k"));
        var scratch = new[] { 2.4, 2.2, 2.3 }.Select(loss => Entry(evalSet, "cl100k", loss, budget: "1e6")).ToArray();
        var bigger = Entry(evalSet, "cl100k", 2.0, budget: "1e10");
        var dense = Entry(evalSet, "cl100k", 2.5, family: "Dense", budget: "1e6");
        var warm = Entry(evalSet, "cl100k", 1.9, budget: "1e6") with { WarmStartedBy = RunRelation.Forked, InheritedTokens = 500_000, TotalTokens = 900_000 };
        foreach (var entry in scratch.Append(bigger).Append(dense).Append(warm))
        {
            Assert.True((await board.SubmitAsync(entry)).Changed);
        }

        var best = await board.GetBestPerBudgetAsync(null);

        // From scratch first, budgets by size (1e6 before 1e10, not as text), then the warm-started section.
        Assert.Equal([scratch[1].RunId, dense.RunId, bigger.RunId, warm.RunId], best.Select(e => e.RunId));
        Assert.Equal([scratch[1].RunId, bigger.RunId, warm.RunId], (await board.GetBestPerBudgetAsync("MoT")).Select(e => e.RunId));
        var restored = Assert.Single(best, e => e.IsWarmStarted);
        Assert.Equal((500_000L, 900_000L), (restored.InheritedTokens, restored.TotalTokens));
    }
}
