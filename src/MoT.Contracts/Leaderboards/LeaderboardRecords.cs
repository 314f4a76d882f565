using MoT.Contracts.Runs;

namespace MoT.Contracts.Leaderboards;

/// <summary>A finished run's result on a leaderboard.</summary>
/// <param name="Family">Model family (Dense, MoT, TokenChoice, ExpertChoice).</param>
/// <param name="ComputeBudget">Bucket of <see cref="TotalTokens"/>, e.g. <c>1e7</c> (see <see cref="LeaderboardKeys.ComputeBucket"/>).</param>
/// <param name="EvalSetId">Identity of the eval set the loss was measured on.</param>
/// <param name="TokenizerId">Identity of the tokenizer; losses of different tokenizers are not comparable.</param>
[GenerateSerializer, Immutable]
public sealed record LeaderboardEntry(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string Owner,
    [property: Id(2)] string Family,
    [property: Id(3)] string ComputeBudget,
    [property: Id(4)] double EvalLoss,
    [property: Id(5)] string EvalSetId,
    [property: Id(6)] string TokenizerId,
    [property: Id(7)] long Step,
    [property: Id(8)] DateTimeOffset RecordedAt)
{
    /// <summary>Training tokens behind the result: the run's own plus those its ancestors trained to reach its start.</summary>
    [Id(9)] public long TotalTokens { get; init; }

    /// <summary>The part of <see cref="TotalTokens"/> inherited from ancestors (0 for a run trained from scratch).</summary>
    [Id(10)] public long InheritedTokens { get; init; }

    /// <summary>How the run was warm-started from its parent's checkpoint; null when trained from scratch.</summary>
    [Id(11)] public RunRelation? WarmStartedBy { get; init; }

    /// <summary>The run whose checkpoint this one started from.</summary>
    [Id(12)] public Guid? ParentRunId { get; init; }

    /// <summary>True when the run started from another run's checkpoint: ranked apart from runs trained from scratch.</summary>
    public bool IsWarmStarted => WarmStartedBy is not null;
}

/// <summary>Leaderboard keys: one board per (eval set, tokenizer), so only comparable losses meet.</summary>
public static class LeaderboardKeys
{
    /// <summary>The board key for an eval set and tokenizer.</summary>
    public static string For(string evalSetId, string tokenizerId) => $"{evalSetId}|{tokenizerId}";

    /// <summary>Training tokens (inherited ones included) rounded up to a power of ten, e.g. 3.2e6 -> "1e7".</summary>
    public static string ComputeBucket(long trainingTokens)
    {
        var exponent = trainingTokens <= 1 ? 0 : (int)Math.Ceiling(Math.Log10(trainingTokens) - 1e-9);
        return $"1e{exponent}";
    }
}
