using MoT.Contracts.Runs;

namespace MoT.Data.Entities;

/// <summary>One training run (one attempt history) with its config and lifecycle.</summary>
public class Run
{
    public Guid Id { get; set; }
    public string? Name { get; set; }
    public required string OwnerId { get; set; }
    public User? Owner { get; set; }
    public Guid? SweepId { get; set; }
    public Sweep? Sweep { get; set; }

    /// <summary>The full run config as JSON; queried by path (<c>config.model.d_model</c>).</summary>
    public required string ConfigJson { get; set; }
    public RunStatus Status { get; set; }
    public int Attempt { get; set; }
    public int Priority { get; set; }

    public Guid? ParentRunId { get; set; }
    public Run? ParentRun { get; set; }
    public RunRelation? ParentRelation { get; set; }
    public Guid? CurrentCheckpointId { get; set; }
    public Checkpoint? CurrentCheckpoint { get; set; }

    /// <summary>"Dense", "MoT", "TokenChoice", "ExpertChoice": the leaderboard groups by it.</summary>
    public required string ModelFamily { get; set; }
    /// <summary>The run's own training compute in FLOPs, from its start step to its last (a double: budgets exceed 2^63).</summary>
    public double ComputeBudgetFlops { get; set; }
    /// <summary>The run's own training tokens, from its start step to its last.</summary>
    public long TrainingTokens { get; set; }
    /// <summary>For a run warm-started from a checkpoint: the checkpoint's step on the parent's step count; null from scratch.</summary>
    public long? WarmStartStep { get; set; }
    /// <summary>Training tokens the run's ancestors spent to reach the checkpoint it started from (every generation).</summary>
    public long InheritedTokens { get; set; }
    /// <summary>Training FLOPs the run's ancestors spent to reach the checkpoint it started from (every generation).</summary>
    public double InheritedFlops { get; set; }
    public double? BestEvalLoss { get; set; }
    /// <summary>Eval losses are comparable only on the same eval set and tokenizer.</summary>
    public required string EvalSetId { get; set; }
    public required string TokenizerId { get; set; }

    public List<RunTag> Tags { get; set; } = [];
    /// <summary>Free text its owner keeps about the run (what it tests, what was learned).</summary>
    public string? Notes { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>For a failed run: the class of failure (Diverged, OutOfMemory, CodeError, Unknown, Infrastructure, Storage, InvalidConfig).</summary>
    public string? FailureClass { get; set; }
    /// <summary>For a failed run: whose failure it is (run error, infrastructure, invalid config).</summary>
    public FailureKind? FailureKind { get; set; }
}

/// <summary>A free-form label on a run (<c>tag:baseline</c> in queries).</summary>
public class RunTag
{
    public Guid RunId { get; set; }
    public required string Tag { get; set; }
}
