namespace MoT.Data.Entities;

/// <summary>Lifecycle of a training run: Queued -> Running -> one of the terminal states.</summary>
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
    Diverged,
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
}
