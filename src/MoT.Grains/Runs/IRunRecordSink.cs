using MoT.Contracts.Runs;

namespace MoT.Grains.Runs;

/// <summary>A run as the history store sees it: written after every state change of its grain.</summary>
public sealed record RunRecord(
    Guid RunId, RunSpec Spec, RunStatus Status, int Attempts, double? BestEvalLoss, CheckpointInfo? LastCheckpoint,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? StatusMessage,
    FailureClass? FailureClass = null);

/// <summary>Where run grains project their state for history queries, the dashboard and the leaderboard
/// (the run table of the database). The grain state stays the source of truth: a failed write is logged
/// and the next state change writes the whole record again.</summary>
public interface IRunRecordSink
{
    Task RecordAsync(RunRecord record, CancellationToken cancellationToken = default);

    /// <summary>Records one checkpoint file of the run (idempotent per path), whichever attempt wrote it and whenever it arrives.</summary>
    Task RecordCheckpointAsync(Guid runId, CheckpointInfo checkpoint, CancellationToken cancellationToken = default);

    /// <summary>
    /// Rows for runs a sweep has listed but not created yet, all in one write: inserted where missing, their status
    /// updated where a row exists (a sweep cancelled before creating them). A run's own records replace them once it exists.
    /// </summary>
    Task RecordUncreatedAsync(IReadOnlyCollection<RunRecord> records, CancellationToken cancellationToken = default);
}

/// <summary>No history store (tests, simulations).</summary>
public sealed class NullRunRecordSink : IRunRecordSink
{
    public Task RecordAsync(RunRecord record, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RecordCheckpointAsync(Guid runId, CheckpointInfo checkpoint, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task RecordUncreatedAsync(IReadOnlyCollection<RunRecord> records, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
