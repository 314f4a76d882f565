using Microsoft.Extensions.Logging;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Grains.Runs;

namespace MoT.Grains.Sweeps;

/// <summary>
/// Creating a trial's run costs a run write and a scheduler write, so a sweep of hundreds of trials took longer than a
/// caller waits (the dashboard's Launch hung, then showed a response timeout while the sweep went on). A submission now
/// records every trial, creates the runs of the first <see cref="RunsCreatedPerTurn"/> at once (a small sweep is complete
/// when it is accepted, as before) and the rest in later turns of its own, a batch per turn, so the caller gets its answer
/// at once and run reports and a cancel are served between batches. A trial records <c>RunCreated</c> only once its run
/// exists; activation resumes what a crash left (run creation is idempotent). A cancel stops the runs the same way.
/// Every listed run id is readable before its run exists: the store gets a Queued row for each at once (one write for
/// the whole sweep), and <see cref="GetUncreatedRunAsync"/> answers for it until the run grain does.
/// </summary>
public sealed partial class SweepGrain
{
    /// <summary>Most runs one turn of the sweep creates (or cancels).</summary>
    internal const int RunsCreatedPerTurn = 16;

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    private BatchPerTurn? _runCreation;
    private BatchPerTurn? _runCancellation;

    private BatchPerTurn RunCreation => _runCreation ??= new BatchPerTurn(this, "create the runs of its trials", CreateRunsBatchAsync);

    private BatchPerTurn RunCancellation => _runCancellation ??= new BatchPerTurn(this, "cancel all of its runs", CancelRunsBatchAsync);

    private List<TrialState> PendingTrials() => S.Trials.Where(t => t.Status == TrialStatus.Active && !t.RunCreated).ToList();

    /// <summary>Creates the runs of the first batch of recorded trials in this turn; later turns do the rest.</summary>
    private async Task CreatePendingRunsAsync()
    {
        if (await CreateRunsBatchAsync()) RunCreation.Schedule();
    }

    /// <summary>Creates the runs of up to <see cref="RunsCreatedPerTurn"/> trials; true when some are left for another turn.</summary>
    private async Task<bool> CreateRunsBatchAsync()
    {
        if (!S.Status.IsLive()) return false;
        var batch = PendingTrials().Take(RunsCreatedPerTurn).ToList();
        foreach (var trial in batch)
        {
            await CreateRunAsync(trial, PlanFor(trial));
        }

        if (batch.Count > 0) await SaveAsync();
        return PendingTrials().Count > 0;
    }

    /// <summary>Runs already sent a cancel by this activation (a run tells the sweep when it has stopped).</summary>
    private readonly HashSet<Guid> _cancelSent = [];

    private string _cancelReason = "sweep cancelled";

    private IEnumerable<TrialState> RunsToCancel() => S.Trials.Where(t => t.Status == TrialStatus.Active && t.RunCreated && !_cancelSent.Contains(t.RunId));

    /// <summary>
    /// Cancels the runs of the first batch of unfinished trials in this turn and the rest in later turns: a cancel of a
    /// sweep with hundreds of queued runs is answered at once, as its submission is.
    /// </summary>
    private async Task CancelCreatedRunsAsync()
    {
        if (await CancelRunsBatchAsync()) RunCancellation.Schedule();
    }

    private async Task<bool> CancelRunsBatchAsync()
    {
        foreach (var trial in RunsToCancel().Take(RunsCreatedPerTurn).ToList())
        {
            await GrainFactory.GetGrain<IRunGrain>(trial.RunId).CancelAsync(_cancelReason);
            _cancelSent.Add(trial.RunId);
        }

        return RunsToCancel().Any();
    }

    /// <summary>A cancelled sweep creates no more runs: its trials still waiting for one are cancelled with it.</summary>
    /// <returns>Those trials (their runs will never exist).</returns>
    private List<TrialState> CancelPendingTrials()
    {
        var pending = PendingTrials();
        foreach (var trial in pending) trial.Status = TrialStatus.Cancelled;
        return pending;
    }

    public Task<RunSnapshot?> GetUncreatedRunAsync(Guid runId) =>
        Task.FromResult(Find(runId) is { RunCreated: false } trial && S.Spec is not null ? UncreatedRun(trial) : null);

    /// <summary>A trial's run as it will look once created: Queued, or Cancelled when the sweep was cancelled first.</summary>
    private RunSnapshot UncreatedRun(TrialState trial)
    {
        var live = trial.Status == TrialStatus.Active;
        var message = live
            ? $"Queued: sweep {ShortIds.Of(SweepId)} is creating the runs of its trials (this is trial #{trial.Index})"
            : $"Cancelled: sweep {ShortIds.Of(SweepId)} was cancelled before it created this run (trial #{trial.Index})";
        var submitted = S.SubmittedAt ?? DateTimeOffset.UtcNow;
        return new RunSnapshot(trial.RunId, RunSpecFor(PlanFor(trial)), live ? RunStatus.Queued : RunStatus.Cancelled, [], null, null, null,
            null, message, null, submitted, live ? null : S.FinishedAt ?? submitted, [], [], 0);
    }

    /// <summary>
    /// Writes the store's rows of runs this sweep has listed but not created (Queued, or Cancelled with the sweep) in one
    /// write, so the runs list and a read by id know them at once. Best effort, as every store projection: a failure is
    /// logged and each run's own record writes its row when the run is created.
    /// </summary>
    private async Task RecordUncreatedRunsAsync(IReadOnlyCollection<TrialState> trials)
    {
        if (trials.Count == 0) return;
        var runs = trials.Select(UncreatedRun)
            .Select(r => new RunRecord(r.RunId, r.Spec, r.Status, 0, null, null, r.CreatedAt, null, r.FinishedAt, r.StatusMessage))
            .ToList();
        try
        {
            await runRecords.RecordUncreatedAsync(runs);
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Sweep {SweepId}: could not write the store rows of {Count} run(s) not created yet", SweepId, runs.Count);
        }
    }

    private void LogRetry(Exception error, string work) =>
        logger.LogWarning(error, "Sweep {SweepId} could not {Work}; trying again in {Delay}", SweepId, work, RetryDelay);

    /// <summary>
    /// Work a grain does a batch per turn, each turn after the messages already waiting, until a batch says nothing is
    /// left. Nobody awaits these turns: a failure (the store or the scheduler unavailable) is logged and the batch tried
    /// again after <see cref="RetryDelay"/>.
    /// </summary>
    private sealed class BatchPerTurn(SweepGrain grain, string work, Func<Task<bool>> batch)
    {
        private IGrainTimer? _timer;

        public void Schedule(TimeSpan? delay = null)
        {
            _timer?.Dispose();
            _timer = grain.RegisterGrainTimer(_ => RunAsync(), delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        private async Task RunAsync()
        {
            try
            {
                if (await batch()) Schedule();
            }
            catch (Exception error)
            {
                grain.LogRetry(error, work);
                Schedule(RetryDelay);
            }
        }
    }
}
