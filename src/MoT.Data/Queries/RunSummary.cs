using MoT.Data.Entities;
using MoT.Contracts.Runs;

namespace MoT.Data.Queries;

/// <summary>One row of the run-history list.</summary>
public sealed record RunSummary(
    Guid Id,
    string? Name,
    string Owner,
    RunStatus Status,
    Guid? SweepId,
    Guid? ParentRunId,
    RunRelation? ParentRelation,
    string ModelFamily,
    double ComputeBudgetFlops,
    double? BestEvalLoss,
    string EvalSetId,
    string TokenizerId,
    int Attempt,
    int Priority,
    IReadOnlyList<string> Tags,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? FailureReason);

/// <summary>A page of runs; pass <see cref="NextCursor"/> back for the next page (null: last page).</summary>
public sealed record RunPage(IReadOnlyList<RunSummary> Items, string? NextCursor);
