using MoT.Contracts;
using MoT.Contracts.Leaderboards;
using MoT.Contracts.Runs;
using MoT.Grains.Placement;

namespace MoT.Grains.Leaderboards;

/// <summary>What a <see cref="LeaderboardGrain"/> persists: the best result of each run.</summary>
[GenerateSerializer]
public sealed class LeaderboardState
{
    [Id(0)] public Dictionary<Guid, LeaderboardEntry> Entries { get; set; } = [];
}

/// <summary>
/// Best runs per model family and compute budget on one (eval set, tokenizer) board; the key fixes the board's
/// identity, so losses measured on another eval set or with another tokenizer are refused, never mixed in.
/// </summary>
[RequireSiloRole(SiloRoles.Control)]
public sealed class LeaderboardGrain(
    [PersistentState(StateNames.Leaderboard, StorageNames.Main)] IPersistentState<LeaderboardState> state) : Grain, ILeaderboardGrain
{
    /// <summary>Entries kept per (family, compute budget): the board shows the best, not the whole history.</summary>
    private const int KeepPerGroup = 100;

    public async Task<CommandResult> SubmitAsync(LeaderboardEntry entry)
    {
        var board = this.GetPrimaryKeyString();
        var entryBoard = LeaderboardKeys.For(entry.EvalSetId, entry.TokenizerId);
        if (entryBoard != board)
        {
            return new CommandResult(false,
                $"Run {entry.RunId} was evaluated on eval set '{entry.EvalSetId}' with tokenizer '{entry.TokenizerId}'; board '{board}' only compares losses on its own eval set and tokenizer.");
        }

        if (!double.IsFinite(entry.EvalLoss))
        {
            return new CommandResult(false, $"Run {entry.RunId}: eval loss {entry.EvalLoss} is not a finite number.");
        }

        var entries = state.State.Entries;
        if (entries.TryGetValue(entry.RunId, out var existing) && existing.EvalLoss <= entry.EvalLoss)
        {
            return new CommandResult(false, $"Run {entry.RunId} is already on board '{board}' with a loss of {existing.EvalLoss:G4} or better.");
        }

        entries[entry.RunId] = entry;
        var group = entries.Values
            .Where(e => e.Family == entry.Family && e.ComputeBudget == entry.ComputeBudget && e.IsWarmStarted == entry.IsWarmStarted)
            .OrderBy(e => e.EvalLoss).ToList();
        foreach (var dropped in group.Skip(KeepPerGroup))
        {
            entries.Remove(dropped.RunId);
        }

        await state.WriteStateAsync();
        return new CommandResult(true, $"Run {entry.RunId} is on board '{board}' with eval loss {entry.EvalLoss:G4}.");
    }

    public Task<IReadOnlyList<LeaderboardEntry>> GetTopAsync(string? family, string? computeBudget, int take)
    {
        IReadOnlyList<LeaderboardEntry> top = state.State.Entries.Values
            .Where(e => family is null || string.Equals(e.Family, family, StringComparison.OrdinalIgnoreCase))
            .Where(e => computeBudget is null || e.ComputeBudget == computeBudget)
            .OrderBy(e => e.EvalLoss)
            .ThenBy(e => e.RecordedAt)
            .Take(Math.Max(0, take))
            .ToArray();
        return Task.FromResult(top);
    }

    public Task<IReadOnlyList<LeaderboardEntry>> GetBestPerBudgetAsync(string? family)
    {
        IReadOnlyList<LeaderboardEntry> best = state.State.Entries.Values
            .Where(e => family is null || string.Equals(e.Family, family, StringComparison.OrdinalIgnoreCase))
            .GroupBy(e => (e.Family, e.ComputeBudget, e.IsWarmStarted))
            .Select(g => g.OrderBy(e => e.EvalLoss).ThenBy(e => e.RecordedAt).First())
            .OrderBy(e => e.IsWarmStarted)
            .ThenBy(e => BudgetExponent(e.ComputeBudget))
            .ThenBy(e => e.EvalLoss)
            .ToArray();
        return Task.FromResult(best);
    }

    /// <summary>"1e7" -> 7, so budgets sort by size, not as text ("1e10" after "1e9").</summary>
    private static int BudgetExponent(string budget) =>
        int.TryParse(budget.AsSpan(budget.IndexOf('e') + 1), out var exponent) ? exponent : int.MaxValue;
}
