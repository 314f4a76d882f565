using MoT.Contracts.Leaderboards;
using Leaderboard = MoT.Data.Queries.Leaderboard;
using LeaderboardQuery = MoT.Data.Queries.LeaderboardQuery;

namespace MoT.Dashboard.Platform;

/// <summary>The two boards of an eval set and tokenizer: the grains' team board and the run store's per-budget board.</summary>
public sealed record LeaderboardState(IReadOnlyList<LeaderboardEntry> Team, IReadOnlyList<Leaderboard> Store);

/// <summary>Reads the leaderboards for the leaderboard page and the HTTP API alike.</summary>
public sealed class LeaderboardView(IGrainFactory grains, LeaderboardQuery store)
{
    public const int TeamBoardSize = 50;

    public async Task<LeaderboardState> GetAsync(string evalSet, string tokenizer, string? family, CancellationToken cancellationToken = default)
    {
        var board = grains.GetGrain<ILeaderboardGrain>(LeaderboardKeys.For(evalSet.Trim(), tokenizer.Trim()));
        var team = await board.GetTopAsync(string.IsNullOrEmpty(family) ? null : family, null, TeamBoardSize);
        return new LeaderboardState(team, await store.GetAsync(evalSet.Trim(), tokenizer.Trim(), cancellationToken: cancellationToken));
    }
}
