using MoT.Contracts.Training;

namespace MoT.Contracts.Runs;

/// <summary>Owns one run's lifecycle: Queued -> Running -> Completed | Failed | Cancelled | Diverged, with attempts.</summary>
public interface IRunGrain : IGrainWithGuidKey
{
    /// <summary>Creates the run and queues it; calling again with the same spec returns the existing run.</summary>
    Task<RunSnapshot> CreateAsync(RunSpec spec);

    /// <summary>The run as it is now.</summary>
    Task<RunSnapshot> GetSnapshotAsync();

    /// <summary>Cancels a queued or running run; on a finished run it is a no-op that says so.</summary>
    Task<CommandResult> CancelAsync(string reason);

    /// <summary>Stops a run because its sweep's early-stopping rule said so (ends Cancelled).</summary>
    Task<CommandResult> StopEarlyAsync(string reason);

    /// <summary>
    /// New run, same config, continuing from this run's last checkpoint for <paramref name="additionalSteps"/> more steps
    /// (null: up to this run's own step count, refused when the checkpoint is already there).
    /// </summary>
    Task<Guid> ResumeAsync(string owner, long? additionalSteps);

    /// <summary>New run from this run's last checkpoint with an optional replacement config.</summary>
    Task<Guid> ForkAsync(string owner, string? configJson);

    /// <summary>New run that converts this run's last checkpoint to <paramref name="targetConfigJson"/> (e.g. MoT -> TokenChoice) and trains on.</summary>
    Task<Guid> TransitionTuneAsync(string owner, string targetConfigJson);

    /// <summary>Live progress until the run finishes (or the caller cancels).</summary>
    IAsyncEnumerable<RunProgress> WatchProgressAsync(CancellationToken cancellationToken = default);

    /// <summary>Slot side: a slot is about to train this run; returns what to train, or null when the run no longer wants to run.</summary>
    Task<AttemptTicket?> BeginAttemptAsync(string slotKey);

    /// <summary>Slot side: progress of an attempt; false tells the slot to stop (stale attempt or stopped run).</summary>
    Task<bool> ReportProgressAsync(int attempt, RunProgress progress);

    /// <summary>Slot side: a checkpoint an attempt wrote; false tells the slot to stop.</summary>
    Task<bool> ReportCheckpointAsync(int attempt, CheckpointInfo checkpoint);

    /// <summary>Slot side: how an attempt ended.</summary>
    Task ReportOutcomeAsync(int attempt, TrainingOutcome outcome);

    /// <summary>
    /// Scheduler side: the slot running this run is gone (silo dead, heartbeat lapsed, or the slot no longer trains it).
    /// The run records the decision and answers whether the scheduler should queue it again; the scheduler keeps the
    /// notice in its state and repeats it until answered, so the call never calls back into the scheduler.
    /// </summary>
    Task<bool> OnSlotLostAsync(string slotKey, string reason);
}
