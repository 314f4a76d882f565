namespace MoT.Contracts.Sweeps;

/// <summary>A new budget for a running or paused sweep; a null member keeps the current value.</summary>
/// <param name="MaxRuns">Most trials the sweep creates in all (random and TPE; at least the current budget).</param>
/// <param name="MaxConcurrentRuns">Most of its trials training at once (at least 1).</param>
[GenerateSerializer, Immutable]
public sealed record SweepBudget(
    [property: Id(0)] int? MaxRuns = null,
    [property: Id(1)] int? MaxConcurrentRuns = null);
