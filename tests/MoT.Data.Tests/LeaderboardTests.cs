using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using MoT.Contracts.Runs;

namespace MoT.Data.Tests;

public abstract class LeaderboardTests(DatabaseTarget target) : DataTestBase(target)
{
    private LeaderboardQuery Leaderboard => Services.GetRequiredService<LeaderboardQuery>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private async Task<Dictionary<string, Guid>> SeedAsync()
    {
        var runs = new (string Key, Run Run)[]
        {
            ("mot-1e18", NewRun("alice", family: "MoT", flops: 1e18, loss: 3.0)),
            ("mot-3e18", NewRun("bob", family: "MoT", flops: 3e18, loss: 2.9)),
            ("dense-2e18", NewRun("alice", family: "Dense", flops: 2e18, loss: 3.1)),
            ("dense-1e19", NewRun("bob", family: "Dense", flops: 1e19, loss: 2.8)),
            ("mot-running", NewRun("bob", family: "MoT", flops: 5e18, loss: 2.5, status: RunStatus.Running)),
            ("mot-diverged", NewRun("bob", family: "MoT", flops: 5e18, loss: 0.1, status: RunStatus.Diverged)),
            ("mot-wiki", NewRun("carol", family: "MoT", flops: 4e18, loss: 2.0, evalSet: "wiki-val")),
            ("mot-o200k", NewRun("carol", family: "MoT", flops: 2e18, loss: 1.5, tokenizer: "o200k")),
        };
        await AddRunsAsync([.. runs.Select(r => r.Run)]);
        return runs.ToDictionary(r => r.Key, r => r.Run.Id);
    }

    [Fact]
    public async Task Runs_on_another_eval_set_or_tokenizer_never_share_a_board()
    {
        var ids = await SeedAsync();
        var boards = await Leaderboard.GetAsync(cancellationToken: Token);

        Assert.Equal([("c4-val", "cl100k"), ("c4-val", "o200k"), ("wiki-val", "cl100k")],
            boards.Select(b => (b.EvalSetId, b.TokenizerId)));
        var main = boards[0];
        Assert.DoesNotContain(main.Entries, e => e.RunId == ids["mot-wiki"] || e.RunId == ids["mot-o200k"]);
        Assert.Equal(ids["mot-o200k"], Assert.Single(boards[1].Entries).RunId);
        Assert.Equal(ids["mot-wiki"], Assert.Single(boards[2].Entries).RunId);
    }

    [Fact]
    public async Task Best_completed_run_per_family_and_budget_bucket_wins()
    {
        var ids = await SeedAsync();
        var board = Assert.Single(await Leaderboard.GetAsync("c4-val", "cl100k", cancellationToken: Token));

        Assert.Equal(
            [("Dense", 18, ids["dense-2e18"], 3.1), ("MoT", 18, ids["mot-3e18"], 2.9), ("Dense", 19, ids["dense-1e19"], 2.8)],
            board.Entries.Select(e => (e.ModelFamily, e.BudgetBucket, e.RunId, e.BestEvalLoss)).OrderBy(e => e.BudgetBucket).ThenByDescending(e => e.BestEvalLoss));
        Assert.Equal(1e18, board.Entries.First(e => e.BudgetBucket == 18).BudgetBucketLowFlops, precision: 3);
        // Running and diverged runs are not ranked, however good their loss.
        Assert.DoesNotContain(board.Entries, e => e.RunId == ids["mot-running"] || e.RunId == ids["mot-diverged"]);
    }

    [Fact]
    public async Task A_warm_started_run_counts_its_inherited_compute_and_is_ranked_apart_from_runs_trained_from_scratch()
    {
        var ids = await SeedAsync();
        // A fork that trained 1e17 FLOPs itself from a checkpoint whose ancestors spent 2.9e18: 3e18 in all, next to
        // mot-3e18 trained from scratch, with a better loss.
        var fork = NewRun("dora", family: "MoT", flops: 1e17, loss: 2.0);
        fork.ParentRunId = ids["mot-3e18"];
        fork.ParentRelation = RunRelation.Forked;
        fork.WarmStartStep = 60;
        fork.InheritedFlops = 2.9e18;
        fork.InheritedTokens = 123_000;
        fork.TrainingTokens = 4_000;
        await AddRunsAsync([fork]);

        var board = Assert.Single(await Leaderboard.GetAsync("c4-val", "cl100k", cancellationToken: Token));

        // From scratch: the same three winners as before; the fork did not displace mot-3e18 in its bucket.
        Assert.Equal([ids["dense-2e18"], ids["mot-3e18"], ids["dense-1e19"]],
            board.Entries.Where(e => !e.WarmStarted).OrderBy(e => e.BudgetBucket).ThenByDescending(e => e.BestEvalLoss).Select(e => e.RunId));
        var warm = Assert.Single(board.Entries, e => e.WarmStarted);
        Assert.Equal(fork.Id, warm.RunId);
        Assert.Equal(18, warm.BudgetBucket);                       // bucketed by 3e18, not by its own 1e17
        Assert.Equal(3e18, warm.ComputeBudgetFlops, precision: 3);
        Assert.Equal(127_000, warm.TotalTokens);
        // One entry per family, bucket and start kind.
        Assert.Equal(board.Entries.Count, board.Entries.Select(e => (e.ModelFamily, e.BudgetBucket, e.WarmStarted)).Distinct().Count());
    }

    [Fact]
    public async Task Finer_buckets_split_budgets_within_a_decade()
    {
        var ids = await SeedAsync();
        var board = Assert.Single(await Leaderboard.GetAsync("c4-val", "cl100k", bucketsPerDecade: 4, cancellationToken: Token));
        // Quarter decades: 1e18 is in [10^18, 10^18.25), 3e18 in [10^18.25, 10^18.5); with whole decades 3e18 hid 1e18.
        Assert.Contains(board.Entries, e => e.RunId == ids["mot-1e18"] && e.BudgetBucket == 72);
        Assert.Contains(board.Entries, e => e.RunId == ids["mot-3e18"] && e.BudgetBucket == 73);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task The_database_grouping_picks_the_same_winners_as_grouping_every_run_in_memory(int seed)
    {
        var random = new Random(seed);
        string Pick(params string[] options) => options[random.Next(options.Length)];
        var runs = new List<Run>();
        for (var i = 0; i < 400; i++)
        {
            // Budgets over a few decades, some exactly on a bucket edge; losses on a coarse grid so groups tie.
            var flops = random.Next(5) == 0 ? Math.Pow(10, random.Next(16, 20)) : Math.Pow(10, 16 + 4 * random.NextDouble());
            var run = NewRun(Pick("alice", "bob", "carol"), family: Pick("MoT", "Dense", "TokenChoice"),
                flops: random.Next(20) == 0 ? 0 : flops, loss: random.Next(15) == 0 ? null : Math.Round(2 + random.NextDouble(), 1),
                status: random.Next(5) == 0 ? Pick("Running", "Failed", "Pruned", "Diverged") switch
                {
                    "Running" => RunStatus.Running, "Failed" => RunStatus.Failed, "Pruned" => RunStatus.Pruned, _ => RunStatus.Diverged,
                } : RunStatus.Completed,
                evalSet: Pick("c4-val", "wiki-val"), tokenizer: Pick("cl100k", "o200k"));
            run.Name = random.Next(4) == 0 ? null : $"run {i}";
            run.TrainingTokens = random.Next(1, 1_000_000);
            if (random.Next(3) == 0)
            {
                // Warm-started: the ancestors' compute counts toward the budget (a fork of nothing but inheritance too).
                run.WarmStartStep = random.Next(1, 1000);
                run.InheritedFlops = random.Next(4) == 0 ? flops : flops * random.NextDouble() * 10;
                run.InheritedTokens = random.Next(1, 5_000_000);
                if (random.Next(6) == 0) run.ComputeBudgetFlops = 0;
            }
            runs.Add(run);
        }
        await AddRunsAsync([.. runs]);

        foreach (var bucketsPerDecade in new[] { 1, 3 })
        {
            Assert.Equal(InMemory(runs, null, null, bucketsPerDecade),
                Flatten(await Leaderboard.GetAsync(bucketsPerDecade: bucketsPerDecade, cancellationToken: Token)));
            Assert.Equal(InMemory(runs, "wiki-val", "o200k", bucketsPerDecade),
                Flatten(await Leaderboard.GetAsync("wiki-val", "o200k", bucketsPerDecade, Token)));
        }
    }

    private static List<(string, string, LeaderboardEntry)> Flatten(IReadOnlyList<Leaderboard> boards) =>
        [.. boards.SelectMany(b => b.Entries.Select(e => (b.EvalSetId, b.TokenizerId, e)))];

    /// <summary>
    /// The leaderboard's definition computed over the runs as written, without the database: completed runs with a loss
    /// and a budget, grouped per board, family, bucket of (own + inherited) FLOPs and start kind; the lowest loss wins,
    /// ties to the smallest id. Ordered as the board shows it.
    /// </summary>
    private static List<(string, string, LeaderboardEntry)> InMemory(List<Run> runs, string? evalSet, string? tokenizer, int bucketsPerDecade) =>
        [.. runs
            .Where(r => r.Status == RunStatus.Completed && r.BestEvalLoss is not null && r.ComputeBudgetFlops + r.InheritedFlops > 0)
            .Where(r => (evalSet is null || r.EvalSetId == evalSet) && (tokenizer is null || r.TokenizerId == tokenizer))
            .GroupBy(r => (r.EvalSetId, r.TokenizerId))
            .OrderBy(g => g.Key.EvalSetId, StringComparer.Ordinal).ThenBy(g => g.Key.TokenizerId, StringComparer.Ordinal)
            .SelectMany(board => board
                .GroupBy(r => (r.ModelFamily, Bucket: (int)Math.Floor(Math.Log10(r.ComputeBudgetFlops + r.InheritedFlops) * bucketsPerDecade + 1e-9),
                    Warm: r.WarmStartStep is not null))
                .Select(g =>
                {
                    var best = g.OrderBy(r => r.BestEvalLoss).ThenBy(r => r.Id).First();
                    return new LeaderboardEntry(g.Key.ModelFamily, g.Key.Bucket, Math.Pow(10, (double)g.Key.Bucket / bucketsPerDecade),
                        best.Id, best.Name, best.OwnerId, best.ComputeBudgetFlops + best.InheritedFlops, best.BestEvalLoss!.Value,
                        g.Key.Warm, best.TrainingTokens + best.InheritedTokens, best.InheritedFlops);
                })
                .OrderBy(e => e.WarmStarted).ThenBy(e => e.BudgetBucket).ThenBy(e => e.BestEvalLoss)
                .ThenBy(e => e.ModelFamily, StringComparer.Ordinal) // equal losses: a stable order, not the database's
                .Select(e => (board.Key.EvalSetId, board.Key.TokenizerId, e)))];
}

public sealed class SqliteLeaderboardTests() : LeaderboardTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresLeaderboardTests(PostgresServer server) : LeaderboardTests(new PostgresTarget(server));
