using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;
using MoT.Contracts.Runs;

namespace MoT.Data.Queries;

/// <summary>The best completed run of one model family within one compute-budget bucket (warm-started runs apart).</summary>
/// <param name="ComputeBudgetFlops">Training FLOPs behind the result: the run's own plus those inherited from ancestors.</param>
/// <param name="WarmStarted">True when the run started from another run's checkpoint; ranked apart from runs trained from scratch.</param>
/// <param name="TotalTokens">Training tokens behind the result, inherited ones included.</param>
/// <param name="InheritedFlops">The part of <paramref name="ComputeBudgetFlops"/> the ancestors spent.</param>
public sealed record LeaderboardEntry(
    string ModelFamily,
    int BudgetBucket,
    double BudgetBucketLowFlops,
    Guid RunId,
    string? RunName,
    string Owner,
    double ComputeBudgetFlops,
    double BestEvalLoss,
    bool WarmStarted = false,
    long TotalTokens = 0,
    double InheritedFlops = 0);

/// <summary>A board: only runs evaluated on the same eval set with the same tokenizer are comparable.</summary>
public sealed record Leaderboard(string EvalSetId, string TokenizerId, IReadOnlyList<LeaderboardEntry> Entries);

/// <summary>
/// Best eval loss per (model family, compute-budget bucket, warm-started or not), one board per (eval set, tokenizer).
/// The budget is a run's training FLOPs including those its ancestors spent to reach the checkpoint it started from, so a
/// fork of a long run never competes with short runs trained from scratch. Buckets are logarithmic: bucket b holds
/// budgets in [10^(b/k), 10^((b+1)/k)) for k buckets per decade.
/// </summary>
public sealed class LeaderboardQuery(IDbContextFactory<MotDbContext> contexts)
{
    /// <summary>All boards, or only the one for the given eval set and tokenizer when both are given.</summary>
    public async Task<IReadOnlyList<Leaderboard>> GetAsync(string? evalSetId = null, string? tokenizerId = null,
        int bucketsPerDecade = 1, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketsPerDecade, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var runs = db.Runs.AsNoTracking()
            .Where(r => r.Status == RunStatus.Completed && r.BestEvalLoss != null && r.ComputeBudgetFlops + r.InheritedFlops > 0);
        if (evalSetId is not null) runs = runs.Where(r => r.EvalSetId == evalSetId);
        if (tokenizerId is not null) runs = runs.Where(r => r.TokenizerId == tokenizerId);

        // Logarithms and "arg-min per group" differ across providers; the database filters and projects the few
        // columns, the grouping happens here (one row per completed run of the board).
        var candidates = await runs
            .Select(r => new
            {
                r.Id, r.Name, r.OwnerId, r.ModelFamily, r.EvalSetId, r.TokenizerId, Flops = r.ComputeBudgetFlops + r.InheritedFlops,
                r.InheritedFlops, Tokens = r.TrainingTokens + r.InheritedTokens, Warm = r.WarmStartStep != null, Loss = r.BestEvalLoss!.Value,
            })
            .ToListAsync(cancellationToken);

        return candidates
            .GroupBy(r => (r.EvalSetId, r.TokenizerId))
            .OrderBy(g => g.Key.EvalSetId, StringComparer.Ordinal).ThenBy(g => g.Key.TokenizerId, StringComparer.Ordinal)
            .Select(board => new Leaderboard(board.Key.EvalSetId, board.Key.TokenizerId, board
                .GroupBy(r => (r.ModelFamily, Bucket: Bucket(r.Flops, bucketsPerDecade), r.Warm))
                .Select(g =>
                {
                    var best = g.OrderBy(r => r.Loss).ThenBy(r => r.Id).First();
                    return new LeaderboardEntry(g.Key.ModelFamily, g.Key.Bucket,
                        Math.Pow(10, (double)g.Key.Bucket / bucketsPerDecade), best.Id, best.Name, best.OwnerId,
                        best.Flops, best.Loss, best.Warm, best.Tokens, best.InheritedFlops);
                })
                .OrderBy(e => e.WarmStarted).ThenBy(e => e.BudgetBucket).ThenBy(e => e.BestEvalLoss)
                .ToList()))
            .ToList();
    }

    /// <summary>The bucket index of a budget: floor(log10(flops) * bucketsPerDecade).</summary>
    public static int Bucket(double flops, int bucketsPerDecade = 1) =>
        (int)Math.Floor(Math.Log10(flops) * bucketsPerDecade + 1e-9);
}
