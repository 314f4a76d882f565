using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;

namespace MoT.Grains.Sweeps;

/// <summary>
/// Creating a trial's run costs a run write and a scheduler write, so a sweep of hundreds of trials took longer than a
/// caller waits (the dashboard's Launch hung, then showed a response timeout while the sweep went on). A submission now
/// records every trial, creates the runs of the first <see cref="RunsCreatedPerTurn"/> at once (a small sweep is complete
/// when it is accepted, as before) and the rest in later turns of its own, a batch per turn, so the caller gets its answer
/// at once and run reports and a cancel are served between batches. A trial records <c>RunCreated</c> only once its run
/// exists; activation resumes what a crash left (run creation is idempotent). A cancel stops the runs the same way.
/// </summary>
public sealed partial class SweepGrain
{
    /// <summary>Most runs one turn of the sweep creates (or cancels).</summary>
    internal const int RunsCreatedPerTurn = 16;

    private IGrainTimer? _runCreation;

    private List<TrialState> PendingTrials() => S.Trials.Where(t => t.Status == TrialStatus.Active && !t.RunCreated).ToList();

    /// <summary>Creates the runs of up to <see cref="RunsCreatedPerTurn"/> recorded trials in this turn; later turns do the rest.</summary>
    private async Task CreatePendingRunsAsync()
    {
        if (!S.Status.IsLive()) return;
        var batch = PendingTrials().Take(RunsCreatedPerTurn).ToList();
        foreach (var trial in batch)
        {
            await CreateRunAsync(trial, PlanFor(trial));
        }

        if (batch.Count > 0) await SaveAsync();
        if (PendingTrials().Count > 0) ScheduleRunCreation();
    }

    /// <summary>One more turn of run creation, after the messages already waiting for this grain.</summary>
    private void ScheduleRunCreation(TimeSpan? delay = null)
    {
        _runCreation?.Dispose();
        _runCreation = this.RegisterGrainTimer(_ => CreatePendingRunsInTurnAsync(), delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A batch nobody awaits: a failure (the store or the scheduler unavailable) is logged and the batch tried again later.</summary>
    private async Task CreatePendingRunsInTurnAsync()
    {
        try
        {
            await CreatePendingRunsAsync();
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Sweep {SweepId} could not create the runs of {Count} trial(s); trying again", SweepId, PendingTrials().Count);
            ScheduleRunCreation(RetryDelay);
        }
    }

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private IGrainTimer? _runCancellation;

    /// <summary>Runs already sent a cancel by this activation (a run tells the sweep when it has stopped).</summary>
    private readonly HashSet<Guid> _cancelSent = [];

    private string _cancelReason = "sweep cancelled";

    /// <summary>
    /// Cancels the runs of up to <see cref="RunsCreatedPerTurn"/> unfinished trials in this turn and the rest in later
    /// turns: a cancel of a sweep with hundreds of queued runs is answered at once, as its submission is.
    /// </summary>
    private async Task CancelCreatedRunsAsync()
    {
        var batch = S.Trials.Where(t => t.Status == TrialStatus.Active && t.RunCreated && !_cancelSent.Contains(t.RunId)).Take(RunsCreatedPerTurn).ToList();
        foreach (var trial in batch)
        {
            await GrainFactory.GetGrain<IRunGrain>(trial.RunId).CancelAsync(_cancelReason);
            _cancelSent.Add(trial.RunId);
        }

        if (S.Trials.Any(t => t.Status == TrialStatus.Active && t.RunCreated && !_cancelSent.Contains(t.RunId))) ScheduleRunCancellation();
    }

    private void ScheduleRunCancellation(TimeSpan? delay = null)
    {
        _runCancellation?.Dispose();
        _runCancellation = this.RegisterGrainTimer(_ => CancelCreatedRunsInTurnAsync(), delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task CancelCreatedRunsInTurnAsync()
    {
        try
        {
            await CancelCreatedRunsAsync();
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Sweep {SweepId} could not cancel all of its runs; trying again", SweepId);
            ScheduleRunCancellation(RetryDelay);
        }
    }

    /// <summary>A cancelled sweep creates no more runs: its trials still waiting for one are cancelled with it.</summary>
    private void CancelPendingTrials()
    {
        foreach (var trial in PendingTrials()) trial.Status = TrialStatus.Cancelled;
    }
}
