using MoT.Contracts.Runs;

namespace MoT.Contracts.Leaderboards;

/// <summary>Best runs per model family and compute budget, for one eval set + tokenizer. Key: <see cref="LeaderboardKeys.For"/>.</summary>
public interface ILeaderboardGrain : IGrainWithStringKey
{
    /// <summary>Records a result; rejected (with the reason) when its eval set or tokenizer differs from the board's.</summary>
    Task<CommandResult> SubmitAsync(LeaderboardEntry entry);

    /// <summary>Best entries first, optionally for one family and/or compute budget; one entry per run.</summary>
    Task<IReadOnlyList<LeaderboardEntry>> GetTopAsync(string? family, string? computeBudget, int take);

    /// <summary>
    /// The best run of each (family, compute budget), with runs trained from scratch and warm-started runs ranked apart:
    /// at most one entry per family, budget and start kind; smallest budget first, then best loss.
    /// </summary>
    Task<IReadOnlyList<LeaderboardEntry>> GetBestPerBudgetAsync(string? family);
}
