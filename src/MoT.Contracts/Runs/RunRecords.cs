namespace MoT.Contracts.Runs;

/// <summary>
/// Where a run is in its life; the same names in grains, store, CLI, dashboard and API.
/// Queued -> Running -> Completed | Pruned | Cancelled | Failed, and Running -> Preempted -> Running when the platform
/// takes the slot back or loses it (the run resumes from its last checkpoint; never charged to the run).
/// </summary>
public enum RunStatus
{
    Queued,
    Running,
    Completed,
    /// <summary>Ended by an error; <see cref="FailureClass"/> says whose (run error, infrastructure, invalid config).</summary>
    Failed,
    /// <summary>Stopped by a person (or their sweep being cancelled); the status message says by whom.</summary>
    Cancelled,
    /// <summary>Stored by earlier versions only: divergence is now <see cref="Failed"/> with <see cref="FailureClass.Diverged"/>.</summary>
    Diverged,
    /// <summary>Stopped by the platform (higher-priority run, silo stopping or lost); waits to resume from its checkpoint.</summary>
    Preempted,
    /// <summary>Early-stopped by its sweep's rule (ASHA): a normal end of a weak trial, not a failure.</summary>
    Pruned,
}

/// <summary>Whose failure a <see cref="RunStatus.Failed"/> run is: the run's own, the platform's, or its config's.</summary>
public enum FailureKind
{
    /// <summary>The run's code, data or numerics (an exception, out of memory, divergence).</summary>
    RunError,
    /// <summary>The platform: silos, network, storage.</summary>
    Infrastructure,
    /// <summary>The config cannot be trained as written.</summary>
    InvalidConfig,
}

/// <summary>How a run derives from its parent run.</summary>
public enum RunRelation
{
    Resumed,
    Forked,
    TransitionTuned,
}

/// <summary>Why a training attempt failed; decides whether it is worth another attempt.</summary>
public enum FailureClass
{
    /// <summary>Out of device memory: the same config will fail the same way.</summary>
    OutOfMemory,
    /// <summary>Loss became NaN/inf or exploded: retrying the same config repeats it.</summary>
    Diverged,
    /// <summary>A bug or invalid config: retrying cannot help.</summary>
    CodeError,
    /// <summary>The slot or its silo disappeared: resume elsewhere.</summary>
    Infrastructure,
    /// <summary>The scheduler took the slot back: resume later.</summary>
    Preempted,
    /// <summary>Anything unclassified: retried within the restart budget.</summary>
    Unknown,
    /// <summary>The checkpoint storage refuses writes for a reason that recurs (no space, read-only, permission): fails at once.</summary>
    Storage,
    /// <summary>The config cannot be trained as written (caught by the trainer after the entry points' validation).</summary>
    InvalidConfig,
}

public static class RunStatusExtensions
{
    /// <summary>True when the run will never change status again.</summary>
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Completed or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Diverged or RunStatus.Pruned;

    /// <summary>True while the run waits for a slot: queued for the first time, or preempted and waiting to resume.</summary>
    public static bool IsWaiting(this RunStatus status) => status is RunStatus.Queued or RunStatus.Preempted;

    /// <summary>Whose failure this is.</summary>
    public static FailureKind Kind(this FailureClass failure) => failure switch
    {
        FailureClass.Infrastructure or FailureClass.Preempted or FailureClass.Storage => FailureKind.Infrastructure,
        FailureClass.InvalidConfig => FailureKind.InvalidConfig,
        _ => FailureKind.RunError,
    };

    /// <summary>The status as users read it: "Failed (infrastructure: Storage)", "Preempted", ...</summary>
    public static string Describe(this RunStatus status, FailureClass? failure) => status switch
    {
        RunStatus.Failed or RunStatus.Diverged when failure is { } f => $"Failed ({Words(f.Kind())}: {f})",
        RunStatus.Diverged => "Failed (run error: Diverged)",
        _ => status.ToString(),
    };

    private static string Words(FailureKind kind) => kind switch
    {
        FailureKind.RunError => "run error",
        FailureKind.Infrastructure => "infrastructure",
        _ => "invalid config",
    };

    /// <summary>True when another attempt of the same config may succeed.</summary>
    public static bool IsRetriable(this FailureClass failure) =>
        failure is FailureClass.Infrastructure or FailureClass.Preempted or FailureClass.Unknown;
}

/// <summary>What to train and on whose behalf.</summary>
/// <param name="ConfigJson">The run configuration as a JSON document.</param>
/// <param name="Owner">User who launched the run (fair share is per owner).</param>
/// <param name="Priority">Higher runs first.</param>
/// <param name="SweepId">The sweep that created the run, if any.</param>
/// <param name="ParentRunId">The run this one derives from (resume/fork/transition-tune).</param>
/// <param name="Relation">How it derives from <paramref name="ParentRunId"/>.</param>
/// <param name="SourceCheckpoint">Checkpoint path the first attempt starts from.</param>
/// <param name="WarmStart">Where in its ancestors' training the run starts (null for a run trained from scratch).</param>
[GenerateSerializer, Immutable]
public sealed record RunSpec(
    [property: Id(0)] string ConfigJson,
    [property: Id(1)] string Owner,
    [property: Id(2)] int Priority = 0,
    [property: Id(3)] Guid? SweepId = null,
    [property: Id(4)] Guid? ParentRunId = null,
    [property: Id(5)] RunRelation? Relation = null,
    [property: Id(6)] string? SourceCheckpoint = null,
    [property: Id(7)] WarmStart? WarmStart = null);

/// <summary>
/// Where a run derived from a checkpoint starts, so its compute is counted fairly and its curve drawn where it belongs.
/// </summary>
/// <param name="FromStep">The step of the parent's checkpoint the run starts from.</param>
/// <param name="StartStep">The step the run's own step count begins at: <paramref name="FromStep"/> when it continues the
/// parent's training (resume, or a fork that changes only the step count), 0 when a new optimizer and schedule start
/// (a fork with other settings, transition tuning).</param>
/// <param name="InheritedTokens">Training tokens its ancestors spent to reach the checkpoint, over every generation.</param>
/// <param name="StepOffset">Where the run's step 0 lies on the step axis of the run its lineage began with (the sum of
/// every generation's <c>FromStep - StartStep</c>): curves of a whole lineage line up on one axis.</param>
[GenerateSerializer, Immutable]
public sealed record WarmStart(
    [property: Id(0)] long FromStep,
    [property: Id(1)] long StartStep,
    [property: Id(2)] long InheritedTokens,
    [property: Id(3)] long StepOffset)
{
    /// <summary>Where step <paramref name="ownStep"/> of this run lies on its lineage's step axis.</summary>
    public long OnLineageAxis(long ownStep) => ownStep + StepOffset;

    /// <summary>Training tokens seen, inherited ones included, once the run has reached its own step <paramref name="ownStep"/>.</summary>
    public long TokensAt(long ownStep, long tokensPerStep) => InheritedTokens + (Math.Max(0, ownStep - StartStep) * tokensPerStep);
}

/// <summary>One progress report of a training run.</summary>
/// <param name="Routing">Per-block routing diagnostics of MoT/MoE layers at this step; null for dense models and eval reports.</param>
[GenerateSerializer, Immutable]
public sealed record RunProgress(
    [property: Id(0)] long Step,
    [property: Id(1)] double TrainLoss,
    [property: Id(2)] double? EvalLoss,
    [property: Id(3)] double LearningRate,
    [property: Id(4)] double TokensPerSecond,
    [property: Id(5)] TimeSpan WallTime,
    [property: Id(6)] IReadOnlyList<BlockRouting>? Routing = null);

/// <summary>Routing diagnostics of one MoT/MoE block at one step.</summary>
/// <param name="Block">0-based block index.</param>
/// <param name="Entropy">Mean entropy of the routing weights.</param>
/// <param name="DroppedFraction">Fraction of tokens no expert processed (0 for MoT, which drops none).</param>
/// <param name="MaxExpertLoad">Share of the work taken by the busiest expert.</param>
[GenerateSerializer, Immutable]
public sealed record BlockRouting(
    [property: Id(0)] int Block,
    [property: Id(1)] double Entropy,
    [property: Id(2)] double DroppedFraction,
    [property: Id(3)] double MaxExpertLoad);

/// <summary>A checkpoint written by a training attempt.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointInfo(
    [property: Id(0)] long Step,
    [property: Id(1)] string Path,
    [property: Id(2)] long Bytes,
    [property: Id(3)] string Sha256);

/// <summary>An eval-loss measurement.</summary>
[GenerateSerializer, Immutable]
public sealed record EvalPoint([property: Id(0)] long Step, [property: Id(1)] double EvalLoss);

/// <summary>One attempt at training a run on one slot.</summary>
[GenerateSerializer, Immutable]
public sealed record AttemptRecord(
    [property: Id(0)] int Number,
    [property: Id(1)] string SlotKey,
    [property: Id(2)] string? ResumedFromCheckpoint,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] DateTimeOffset? EndedAt = null,
    [property: Id(5)] string? EndReason = null);

/// <summary>What a run looks like now.</summary>
[GenerateSerializer, Immutable]
public sealed record RunSnapshot(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] RunSpec Spec,
    [property: Id(2)] RunStatus Status,
    [property: Id(3)] IReadOnlyList<AttemptRecord> Attempts,
    [property: Id(4)] RunProgress? LastProgress,
    [property: Id(5)] double? BestEvalLoss,
    [property: Id(6)] CheckpointInfo? LastCheckpoint,
    [property: Id(7)] string? SlotKey,
    [property: Id(8)] string? StatusMessage,
    [property: Id(9)] FailureClass? FailureClass,
    [property: Id(10)] DateTimeOffset CreatedAt,
    [property: Id(11)] DateTimeOffset? FinishedAt,
    [property: Id(12)] IReadOnlyList<EvalPoint> EvalHistory,
    [property: Id(13)] IReadOnlyList<Guid> Children,
    [property: Id(14)] int ProgressReports);

/// <summary>The answer to a command that may or may not change anything.</summary>
/// <param name="Changed">False when the command was a no-op.</param>
/// <param name="Message">What happened, in words a user can act on.</param>
[GenerateSerializer, Immutable]
public sealed record CommandResult([property: Id(0)] bool Changed, [property: Id(1)] string Message);

/// <summary>What a slot needs to start an attempt; null from <see cref="IRunGrain.BeginAttemptAsync"/> means "do not start".</summary>
[GenerateSerializer, Immutable]
public sealed record AttemptTicket(
    [property: Id(0)] int Attempt,
    [property: Id(1)] string ConfigJson,
    [property: Id(2)] string? ResumeFromCheckpointPath);
