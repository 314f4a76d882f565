using MoT.Contracts.Sweeps;

namespace MoT.Grains.Sweeps;

/// <summary>A sweep as the history store sees it: its spec (with the seed it drew), status and best run.</summary>
public sealed record SweepRecord(
    Guid SweepId, SweepSpec Spec, SweepStatus Status, Guid? BestRunId, DateTimeOffset SubmittedAt, DateTimeOffset? FinishedAt);

/// <summary>Where sweep grains project their state for the store (the sweeps table), as run grains do with
/// <see cref="Runs.IRunRecordSink"/>. The grain state stays the source of truth: a failed write is logged and the next
/// change writes the whole record again.</summary>
public interface ISweepRecordSink
{
    Task RecordAsync(SweepRecord record, CancellationToken cancellationToken = default);
}

/// <summary>No history store (tests, simulations).</summary>
public sealed class NullSweepRecordSink : ISweepRecordSink
{
    public Task RecordAsync(SweepRecord record, CancellationToken cancellationToken = default) => Task.CompletedTask;
}
