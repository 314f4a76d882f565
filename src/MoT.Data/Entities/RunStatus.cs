namespace MoT.Data.Entities;

/// <summary>
/// Lifecycle of a training run, the same names as the grains': Queued -> Running -> Completed | Pruned | Cancelled |
/// Failed, with Preempted while a run stopped by the platform waits to resume. Stored as its name.
/// </summary>
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    /// <summary>See <see cref="Run.FailureClass"/> for whose failure.</summary>
    Failed,
    Cancelled,
    /// <summary>Rows of earlier versions only; the Unified run status migration turned them into Failed (class Diverged).</summary>
    Diverged,
    Preempted,
    /// <summary>Early-stopped by the sweep's rule.</summary>
    Pruned,
}

/// <summary>Whose failure a failed run is: the run's (its code, data, numerics), the platform's, or its config's.</summary>
public enum FailureKind
{
    RunError,
    Infrastructure,
    InvalidConfig,
}

/// <summary>How a run was derived from its parent run's checkpoint.</summary>
public enum RunRelation
{
    Resumed,
    Forked,
    TransitionTuned,
}

/// <summary>Lifecycle of a hyperparameter sweep.</summary>
public enum SweepStatus
{
    Pending,
    Running,
    Completed,
    Cancelled,
    Failed,
    CompletedWithFailures,
    /// <summary>Held by a person: no new trial starts, trials already training go on.</summary>
    Paused,
}
