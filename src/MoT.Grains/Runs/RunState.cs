using MoT.Contracts.Runs;

namespace MoT.Grains.Runs;

/// <summary>What a <see cref="RunGrain"/> persists.</summary>
[GenerateSerializer]
public sealed class RunState
{
    [Id(0)] public RunSpec? Spec { get; set; }
    [Id(1)] public RunStatus Status { get; set; }
    [Id(2)] public List<AttemptRecord> Attempts { get; set; } = [];
    [Id(3)] public RunProgress? LastProgress { get; set; }
    [Id(4)] public double? BestEvalLoss { get; set; }
    [Id(5)] public CheckpointInfo? LastCheckpoint { get; set; }
    [Id(6)] public string? SlotKey { get; set; }
    [Id(7)] public string? StatusMessage { get; set; }
    [Id(8)] public FailureClass? FailureClass { get; set; }
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    [Id(10)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(11)] public List<EvalPoint> EvalHistory { get; set; } = [];
    [Id(12)] public List<Guid> Children { get; set; } = [];
    [Id(13)] public int ProgressReports { get; set; }

    /// <summary>Attempts that ended in a retriable failure and were re-queued (preemptions not counted).</summary>
    [Id(14)] public int Restarts { get; set; }

    /// <summary>Attempts ended by a silo, network or control-plane fault and re-queued; they never spend <see cref="Restarts"/>.</summary>
    [Id(15)] public int InfrastructureRestarts { get; set; }
}

/// <summary>Run lifecycle settings (configuration section "Runs").</summary>
public sealed class RunOptions
{
    public const string Section = "Runs";

    /// <summary>How often a run is re-queued after a failure of its own that may not recur (an unclassified error) before it
    /// fails for good. Silo, network and control-plane faults never count against it.</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>
    /// A safety valve, not a budget: a run whose attempts keep losing their silo (e.g. a run that crashes the process
    /// natively) fails after this many infrastructure re-queues instead of cycling forever.
    /// </summary>
    public int MaxInfrastructureRestarts { get; set; } = 25;

    /// <summary>
    /// Period of the persistent reminder a running run keeps: it reactivates the run after a control-silo restart so the
    /// run checks its attempt even when nothing calls it. Orleans' minimum reminder period applies (1 minute by default).
    /// </summary>
    public TimeSpan AttemptReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a waiting run repeats an enqueue the scheduler did not take (scheduler moving or busy).</summary>
    public TimeSpan EnqueueRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running run asks its slot whether it is still training it.</summary>
    public TimeSpan AttemptCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed checks (slot unreachable) after which the attempt counts as lost.</summary>
    public int AttemptCheckFailures { get; set; } = 3;
}
