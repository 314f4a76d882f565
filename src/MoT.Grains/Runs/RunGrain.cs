using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MoT.Contracts;
using MoT.Contracts.Leaderboards;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;
using MoT.Contracts.Training;
using MoT.Grains.Configs;
using MoT.Grains.Hosting;
using MoT.Grains.Placement;

namespace MoT.Grains.Runs;

/// <summary>
/// One run's lifecycle. Calls the scheduler, slots, child runs and the leaderboard; tells its sweep only by one-way
/// messages, so no call ever comes back to a run that is waiting.
/// </summary>
[RequireSiloRole(SiloRoles.Control)]
public sealed class RunGrain(
    [PersistentState(StateNames.Run, StorageNames.Main)] IPersistentState<RunState> state,
    [FromKeyedServices(ServiceKeys.Clock)] TimeProvider clock,
    IOptions<RunOptions> options,
    IRunRecordSink records,
    IRunConfigRules rules,
    ILogger<RunGrain> logger) : Grain, IRunGrain, IRemindable
{
    /// <summary>The persistent reminder of a running run (see <see cref="RunOptions.AttemptReminderPeriod"/>).</summary>
    public const string AttemptReminder = "attempt-check";

    private readonly List<Channel<RunProgress>> _watchers = [];
    private IGrainTimer? _attemptCheck;
    private IGrainTimer? _enqueueRetry;
    private readonly List<CheckpointInfo> _unrecordedCheckpoints = [];
    private int _failedChecks;

    private RunState S => state.State;

    /// <summary>Persists the grain state, then projects it into the run history store.</summary>
    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        if (S.Spec is null) return;
        try
        {
            await records.RecordAsync(new RunRecord(RunId, S.Spec, S.Status, S.Attempts.Count, S.BestEvalLoss, S.LastCheckpoint,
                S.CreatedAt, S.Attempts.FirstOrDefault()?.StartedAt, S.FinishedAt, S.StatusMessage, S.FailureClass));
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Run {RunId}: could not write its history record; the next state change retries", RunId);
        }
    }

    private Guid RunId => this.GetPrimaryKey();

    private ISchedulerGrain Scheduler => GrainFactory.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Status == RunStatus.Diverged)
        {
            // Stored by an earlier version: the one status model says Failed, class Diverged (written with the next change).
            (S.Status, S.FailureClass) = (RunStatus.Failed, FailureClass.Diverged);
        }

        if (S.Status == RunStatus.Running)
        {
            // Activated after a control-silo restart (by its reminder, a report or a query): check the attempt at once,
            // do not trust that the slot stored in the state still trains it.
            StartAttemptCheck(firstCheck: TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AttemptReminder)
        {
            return;
        }

        if (S.Status != RunStatus.Running)
        {
            await StopReminderAsync();
            return;
        }

        _attemptCheck ??= this.RegisterGrainTimer(CheckAttemptAsync, options.Value.AttemptCheckInterval, options.Value.AttemptCheckInterval);
    }

    private async Task StartReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(AttemptReminder, options.Value.AttemptReminderPeriod, options.Value.AttemptReminderPeriod);
        }
        catch (Exception error)
        {
            // The grain timer still checks while this activation lives; the scheduler's reconciliation covers a restart.
            logger.LogWarning("Run {RunId}: could not register its attempt reminder ({Message})", RunId, error.Message);
        }
    }

    private async Task StopReminderAsync()
    {
        try
        {
            if (await this.GetReminder(AttemptReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception error)
        {
            // A leftover reminder only wakes a finished run, which then removes it.
            logger.LogInformation("Run {RunId}: could not remove its attempt reminder ({Message})", RunId, error.Message);
        }
    }

    public async Task<RunSnapshot> CreateAsync(RunSpec spec)
    {
        if (S.Spec is not null)
        {
            if (S.Status.IsWaiting())
            {
                // A retried create after a failed enqueue must not leave the run queued nowhere (enqueue is idempotent).
                await Scheduler.EnqueueAsync(new ScheduleRequest(RunId, S.Spec.Owner, S.Spec.Priority, S.Spec.SweepId));
            }

            return Snapshot();
        }

        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Owner))
        {
            throw new ArgumentException("owner: is required", nameof(spec));
        }

        if (!JsonConfig.TryParseObject(spec.ConfigJson, out _, out var configError))
        {
            throw new ArgumentException($"configJson: {configError}", nameof(spec));
        }

        RequireValidConfig(spec.ConfigJson);

        S.Spec = spec;
        S.Status = RunStatus.Queued;
        S.CreatedAt = clock.GetUtcNow();
        S.StatusMessage = "Queued";
        await SaveAsync();
        await Scheduler.EnqueueAsync(new ScheduleRequest(RunId, spec.Owner, spec.Priority, spec.SweepId));
        return Snapshot();
    }

    public Task<RunSnapshot> GetSnapshotAsync()
    {
        EnsureExists();
        return Task.FromResult(Snapshot());
    }

    public Task<CommandResult> CancelAsync(string reason) => StopAsync(StopKind.Cancel, $"Cancelled: {reason}");

    public Task<CommandResult> StopEarlyAsync(string reason) => StopAsync(StopKind.EarlyStop, $"Pruned: {reason}");

    private async Task<CommandResult> StopAsync(StopKind kind, string message)
    {
        EnsureExists();
        if (S.Status.IsTerminal())
        {
            return new CommandResult(false, $"Run {ShortIds.Of(RunId)} already finished as {S.Status}; nothing to stop.");
        }

        var wasRunningOn = S.Status == RunStatus.Running ? S.SlotKey : null;
        if (S.Status.IsWaiting())
        {
            await Scheduler.RemoveAsync(RunId);
        }

        await FinishAsync(kind == StopKind.EarlyStop ? RunStatus.Pruned : RunStatus.Cancelled, message, failure: null);
        if (wasRunningOn is not null)
        {
            try
            {
                await GrainFactory.GetGrain<IGpuSlotGrain>(wasRunningOn).StopAsync(RunId, kind);
            }
            catch (Exception ex)
            {
                // The slot also learns from its next report (which now answers "stop"); a dead slot needs nothing.
                logger.LogWarning(ex, "Could not tell slot {Slot} to stop run {RunId}", wasRunningOn, RunId);
            }
        }

        return new CommandResult(true, $"Run {ShortIds.Of(RunId)}: {message}");
    }

    public Task<Guid> ResumeAsync(string owner, long? additionalSteps)
    {
        EnsureExists();
        var (_, checkpointStep) = WarmStartCheckpoint(RunRelation.Resumed);
        var config = JsonConfig.ParseObject(S.Spec!.ConfigJson);
        var plannedSteps = JsonConfig.GetLong(config, "training.steps") ?? 0;
        long total;
        if (additionalSteps is { } more)
        {
            if (more < 1)
            {
                throw new ArgumentException($"steps: the number of additional steps must be at least 1 (was {more}).");
            }

            total = checkpointStep + more;
        }
        else if (checkpointStep < plannedSteps)
        {
            total = plannedSteps; // an interrupted run: finish what it planned
        }
        else
        {
            // Resuming a finished run with nothing more to train would only copy its result: refused, never a no-op run.
            throw new ArgumentException(
                $"steps: run {ShortIds.Of(RunId)} already trained all {plannedSteps} steps; give the number of additional steps to train.");
        }

        JsonConfig.Set(config, "training.steps", total);
        return DeriveAsync(owner, RunRelation.Resumed, config.ToJsonString());
    }

    public Task<Guid> ForkAsync(string owner, string? configJson) => DeriveAsync(owner, RunRelation.Forked, configJson);

    public Task<Guid> TransitionTuneAsync(string owner, string targetConfigJson)
    {
        EnsureExists();
        var sourceFamily = RunFacts.FromConfig(S.Spec!.ConfigJson, rules).Family;
        if (!string.Equals(sourceFamily, "MoT", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Transition tuning converts a MoT checkpoint; run {ShortIds.Of(RunId)} is model.family '{sourceFamily}'.");
        }

        if (!JsonConfig.TryParseObject(targetConfigJson, out _, out var error))
        {
            throw new ArgumentException($"targetConfigJson: {error}");
        }

        var targetFamily = RunFacts.FromConfig(targetConfigJson, rules).Family;
        if (!string.Equals(targetFamily, "TokenChoice", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"targetConfigJson: model.family must be TokenChoice for transition tuning (was '{targetFamily}').");
        }

        return DeriveAsync(owner, RunRelation.TransitionTuned, targetConfigJson);
    }

    /// <summary>The checkpoint a child starts from and its step on this run's own step count.</summary>
    private (string Path, long Step) WarmStartCheckpoint(RunRelation relation)
    {
        if (S.LastCheckpoint is { } checkpoint)
        {
            return (checkpoint.Path, checkpoint.Step);
        }

        // No checkpoint of its own yet: the child starts where this run started.
        return S.Spec!.SourceCheckpoint is { } source
            ? (source, S.Spec.WarmStart?.StartStep ?? 0)
            : throw new InvalidOperationException($"Run {ShortIds.Of(RunId)} has no checkpoint yet to {relation.ToString().ToLowerInvariant()} from.");
    }

    private async Task<Guid> DeriveAsync(string owner, RunRelation relation, string? configJson)
    {
        EnsureExists();
        var (checkpoint, checkpointStep) = WarmStartCheckpoint(relation);
        if (configJson is not null && !JsonConfig.TryParseObject(configJson, out _, out var error))
        {
            throw new ArgumentException($"configJson: {error}");
        }

        if (configJson is not null)
        {
            RequireValidConfig(configJson);
        }

        var childConfig = configJson ?? S.Spec!.ConfigJson;
        var continues = relation != RunRelation.TransitionTuned && WarmStarts.ContinuesTraining(S.Spec!.ConfigJson, childConfig);
        var warmStart = WarmStarts.ForChild(S.Spec!, checkpointStep, continues, rules);
        if (continues && RunFacts.FromConfig(childConfig, rules).Steps <= checkpointStep)
        {
            throw new ArgumentException(
                $"training.steps: must be more than {checkpointStep}, the step of the checkpoint the run continues from.");
        }

        var childId = Guid.NewGuid();
        var childSpec = new RunSpec(childConfig, owner, S.Spec!.Priority, SweepId: null, ParentRunId: RunId, relation, checkpoint, warmStart);
        S.Children.Add(childId);
        await SaveAsync();
        await GrainFactory.GetGrain<IRunGrain>(childId).CreateAsync(childSpec);
        return childId;
    }

    /// <summary>Nothing invalid is queued: a config the rules reject is refused with every problem, by path.</summary>
    private void RequireValidConfig(string configJson)
    {
        var problems = rules.CheckConfig(configJson);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid run config: {string.Join("; ", problems)}");
        }
    }

    public async IAsyncEnumerable<RunProgress> WatchProgressAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        EnsureExists();
        if (S.Status.IsTerminal())
        {
            yield break;
        }

        var channel = Channel.CreateBounded<RunProgress>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        _watchers.Add(channel);
        try
        {
            await foreach (var progress in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return progress;
            }
        }
        finally
        {
            _watchers.Remove(channel);
        }
    }

    public async Task<AttemptTicket?> BeginAttemptAsync(string slotKey)
    {
        if (S.Spec is null || !S.Status.IsWaiting())
        {
            return null;
        }

        var number = S.Attempts.Count + 1;
        var resumeFrom = S.LastCheckpoint?.Path ?? S.Spec.SourceCheckpoint;
        if (S.LastCheckpoint is { } checkpoint && S.EvalHistory.RemoveAll(e => e.Step > checkpoint.Step) > 0)
        {
            // Steps after the checkpoint are trained again: their earlier measurements are superseded.
            S.BestEvalLoss = S.EvalHistory.Count > 0 ? S.EvalHistory.Min(e => e.EvalLoss) : null;
        }

        S.Attempts.Add(new AttemptRecord(number, slotKey, resumeFrom, clock.GetUtcNow()));
        S.Status = RunStatus.Running;
        S.SlotKey = slotKey;
        S.StatusMessage = resumeFrom is null ? $"Running on {slotKey}" : $"Running on {slotKey} from {resumeFrom}";
        await SaveAsync();
        StartAttemptCheck(firstCheck: options.Value.AttemptCheckInterval);
        await StartReminderAsync();
        return new AttemptTicket(number, S.Spec.ConfigJson, resumeFrom);
    }

    /// <summary>
    /// While running, asks the slot now and then whether it still trains this run: an attempt whose outcome never
    /// arrived (worker lost its messages, slot silo replaced) would otherwise leave the run Running forever.
    /// </summary>
    private void StartAttemptCheck(TimeSpan firstCheck)
    {
        _attemptCheck?.Dispose();
        _failedChecks = 0;
        _attemptCheck = this.RegisterGrainTimer(CheckAttemptAsync, firstCheck, options.Value.AttemptCheckInterval);
    }

    private async Task CheckAttemptAsync(CancellationToken cancellationToken)
    {
        if (S.Status != RunStatus.Running || S.SlotKey is not { } slotKey)
        {
            _attemptCheck?.Dispose();
            _attemptCheck = null;
            return;
        }

        string? lost = null;
        try
        {
            var slot = await GrainFactory.GetGrain<IGpuSlotGrain>(slotKey).GetInfoAsync();
            _failedChecks = 0;
            if (slot.BusyRunId != RunId)
            {
                lost = $"slot {slotKey} is no longer training this run";
            }
        }
        catch (Exception ex)
        {
            if (++_failedChecks >= options.Value.AttemptCheckFailures)
            {
                lost = $"slot {slotKey} unreachable ({ex.GetType().Name})";
            }
        }

        if (lost is null || S.Status != RunStatus.Running || S.SlotKey != slotKey)
        {
            return;
        }

        logger.LogWarning("Run {RunId}: {Reason}", RunId, lost);
        CloseAttempt($"attempt lost: {lost}");
        await FailOrRetryAsync(FailureClass.Infrastructure, $"Attempt lost ({lost})");
        try
        {
            await Scheduler.ReleaseSlotAsync(slotKey, RunId, SlotRelease.Finished);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {RunId} could not release slot {Slot}", RunId, slotKey);
        }
    }

    public async Task<bool> ReportProgressAsync(int attempt, RunProgress progress)
    {
        if (!IsCurrentAttempt(attempt))
        {
            return false;
        }

        S.LastProgress = progress;
        S.ProgressReports++;
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryWrite(progress);
        }

        if (progress.EvalLoss is { } evalLoss)
        {
            S.EvalHistory.Add(new EvalPoint(progress.Step, evalLoss));
            S.BestEvalLoss = S.BestEvalLoss is { } best ? Math.Min(best, evalLoss) : evalLoss;
            await SaveAsync();
            if (S.Spec!.SweepId is { } sweepId)
            {
                await GrainFactory.GetGrain<ISweepGrain>(sweepId).OnRunEvalAsync(RunId, progress.Step, evalLoss);
            }
        }

        return S.Status == RunStatus.Running;
    }

    public async Task<bool> ReportCheckpointAsync(int attempt, CheckpointInfo checkpoint)
    {
        if (S.Spec is null)
        {
            return false;
        }

        if (IsCurrentAttempt(attempt) && (S.LastCheckpoint is null || checkpoint.Step >= S.LastCheckpoint.Step))
        {
            S.LastCheckpoint = checkpoint;
            await SaveAsync();
        }

        // Every file gets its row, whenever it arrives (a stale attempt's too: rotation and resume must see it).
        await RecordCheckpointAsync(checkpoint);
        return IsCurrentAttempt(attempt) && S.Status == RunStatus.Running;
    }

    /// <summary>
    /// Writes the checkpoint's row; a failure is kept and retried with every later state change of this activation,
    /// never thrown back at the slot (whose reports would stall behind a row that cannot be written).
    /// </summary>
    private async Task RecordCheckpointAsync(CheckpointInfo checkpoint)
    {
        if (!_unrecordedCheckpoints.Contains(checkpoint))
        {
            _unrecordedCheckpoints.Add(checkpoint);
        }

        foreach (var pending in _unrecordedCheckpoints.ToList())
        {
            try
            {
                await records.RecordCheckpointAsync(RunId, pending);
                _unrecordedCheckpoints.Remove(pending);
            }
            catch (Exception error)
            {
                logger.LogWarning("Run {RunId}: could not record checkpoint {Path} yet ({Message}); retried with the next change",
                    RunId, pending.Path, error.Message);
                return;
            }
        }
    }

    public async Task ReportOutcomeAsync(int attempt, TrainingOutcome outcome)
    {
        if (S.Spec is null || attempt != S.Attempts.Count)
        {
            return; // a stale attempt: the run already moved on
        }

        CloseAttempt(outcome.FinalStatus == RunStatus.Completed ? "completed" : outcome.FailureReason ?? outcome.FinalStatus.ToString());
        if (outcome.BestEvalLoss is { } outcomeBest)
        {
            S.BestEvalLoss = S.BestEvalLoss is { } best ? Math.Min(best, outcomeBest) : outcomeBest;
        }

        if (S.Status != RunStatus.Running)
        {
            await SaveAsync(); // already cancelled or stopped early: only the attempt record changes
            return;
        }

        switch (outcome.FinalStatus)
        {
            case RunStatus.Completed:
                await FinishAsync(RunStatus.Completed, $"Completed at step {outcome.FinalStep}", failure: null);
                break;
            case RunStatus.Diverged:
                // A run error like any other, with its class: one Failed status, whose reason says what happened.
                await FinishAsync(RunStatus.Failed, $"Diverged: {outcome.FailureReason ?? $"non-finite loss at step {outcome.FinalStep}"}", FailureClass.Diverged);
                break;
            case RunStatus.Cancelled:
                // Every user or sweep stop changes this grain's status first, so a stop that arrives while the run is
                // still Running came from the platform (preemption, a silo stopping): never a cancel, always a re-queue.
                await RequeueAsync($"Preempted at step {outcome.FinalStep} ({outcome.FailureReason ?? "stopped by the platform"}); resumes from its last checkpoint",
                    RestartKind.Preemption);
                break;
            default:
                await FailOrRetryAsync(outcome.FailureClass ?? FailureClass.Unknown, outcome.FailureReason ?? "Training failed");
                break;
        }
    }

    public async Task<bool> OnSlotLostAsync(string slotKey, string reason)
    {
        if (S.Spec is not null && S.Status.IsWaiting())
        {
            // Already re-queued (by its own attempt check, possibly while this notice timed out): "queue me" again is
            // harmless to the scheduler and covers an enqueue of its own that did not arrive.
            return true;
        }

        if (S.Spec is null || S.Status != RunStatus.Running || S.SlotKey != slotKey)
        {
            return false;
        }

        CloseAttempt($"slot lost: {reason}");
        // The scheduler is waiting for this answer and queues the run itself: no call back into it from here.
        return await FailOrRetryAsync(FailureClass.Infrastructure, $"Slot {slotKey} lost ({reason})", enqueue: false);
    }

    /// <summary>Fails the run or re-queues it; true when it was re-queued.</summary>
    private async Task<bool> FailOrRetryAsync(FailureClass failure, string reason, bool enqueue = true)
    {
        var kind = failure is FailureClass.Infrastructure or FailureClass.Preempted ? RestartKind.Infrastructure : RestartKind.RunFailure;
        if (!failure.IsRetriable())
        {
            await FinishAsync(RunStatus.Failed, $"{reason} ({failure}: not retried)", failure);
            return false;
        }

        if (kind == RestartKind.RunFailure && S.Restarts >= options.Value.MaxRestarts)
        {
            await FinishAsync(RunStatus.Failed, $"{reason} (restart budget of {options.Value.MaxRestarts} used up)", failure);
            return false;
        }

        if (kind == RestartKind.Infrastructure && S.InfrastructureRestarts >= options.Value.MaxInfrastructureRestarts)
        {
            await FinishAsync(RunStatus.Failed, $"{reason} (lost its slot {S.InfrastructureRestarts} times; giving up)", FailureClass.Infrastructure);
            return false;
        }

        await RequeueAsync($"{reason}; re-queued to resume from its last checkpoint", kind, enqueue);
        return true;
    }

    private enum RestartKind
    {
        /// <summary>The scheduler took the slot back or a silo stopped it on purpose: free.</summary>
        Preemption,
        /// <summary>A silo, the network or the control plane failed: never charged to the run.</summary>
        Infrastructure,
        /// <summary>The run's own failure that may not recur: spends the restart budget.</summary>
        RunFailure,
    }

    private async Task RequeueAsync(string message, RestartKind kind, bool enqueue = true)
    {
        if (kind == RestartKind.RunFailure)
        {
            S.Restarts++;
        }
        else if (kind == RestartKind.Infrastructure)
        {
            S.InfrastructureRestarts++;
        }

        // Stopped or lost by the platform: Preempted (it resumes); its own failure: Queued for another try.
        S.Status = kind == RestartKind.RunFailure ? RunStatus.Queued : RunStatus.Preempted;
        S.SlotKey = null;
        S.StatusMessage = message;
        await SaveAsync();
        StopAttemptCheck();
        await StopReminderAsync();
        logger.LogInformation("Run {RunId} re-queued: {Message}", RunId, message);
        if (enqueue)
        {
            await EnqueueAsync();
        }
    }

    /// <summary>
    /// Puts the waiting run in the scheduler's queue (idempotent there). The state already says it waits, so a failed
    /// call must not leave it waiting nowhere: it is repeated on a timer until the scheduler has it.
    /// </summary>
    private async Task EnqueueAsync()
    {
        try
        {
            await Scheduler.EnqueueAsync(new ScheduleRequest(RunId, S.Spec!.Owner, S.Spec.Priority, S.Spec.SweepId));
            _enqueueRetry?.Dispose();
            _enqueueRetry = null;
        }
        catch (Exception error)
        {
            logger.LogWarning("Run {RunId} could not reach the scheduler to queue itself ({Message}); retrying", RunId, error.Message);
            _enqueueRetry ??= this.RegisterGrainTimer(async _ =>
            {
                if (S.Status.IsWaiting()) await EnqueueAsync();
                else { _enqueueRetry?.Dispose(); _enqueueRetry = null; }
            }, options.Value.EnqueueRetryInterval, options.Value.EnqueueRetryInterval);
        }
    }

    private void StopAttemptCheck()
    {
        _attemptCheck?.Dispose();
        _attemptCheck = null;
    }

    private async Task FinishAsync(RunStatus status, string message, FailureClass? failure)
    {
        S.Status = status;
        S.StatusMessage = message;
        S.FailureClass = failure;
        S.FinishedAt = clock.GetUtcNow();
        S.SlotKey = null;
        await SaveAsync();
        StopAttemptCheck();
        await StopReminderAsync();
        foreach (var watcher in _watchers)
        {
            watcher.Writer.TryComplete();
        }

        if (S.Spec!.SweepId is { } sweepId)
        {
            await GrainFactory.GetGrain<ISweepGrain>(sweepId).OnRunFinishedAsync(RunId, status, S.BestEvalLoss);
        }

        if (status == RunStatus.Completed && S.BestEvalLoss is { } loss)
        {
            await SubmitToLeaderboardAsync(loss);
        }
    }

    private async Task SubmitToLeaderboardAsync(double loss)
    {
        try
        {
            var facts = RunFacts.FromConfig(S.Spec!.ConfigJson, rules);
            var totalTokens = WarmStarts.TotalTokens(S.Spec, rules);
            var entry = new LeaderboardEntry(RunId, S.Spec.Owner, facts.Family, LeaderboardKeys.ComputeBucket(totalTokens), loss, facts.EvalSetId,
                facts.TokenizerId, S.LastProgress?.Step ?? 0, clock.GetUtcNow())
            {
                TotalTokens = totalTokens,
                InheritedTokens = S.Spec.WarmStart?.InheritedTokens ?? 0,
                WarmStartedBy = S.Spec.WarmStart is null ? null : S.Spec.Relation,
                ParentRunId = S.Spec.WarmStart is null ? null : S.Spec.ParentRunId,
            };
            await GrainFactory.GetGrain<ILeaderboardGrain>(facts.BoardKey).SubmitAsync(entry);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Run {RunId} finished but could not be put on its leaderboard", RunId);
        }
    }

    private void CloseAttempt(string reason)
    {
        if (S.Attempts.Count > 0 && S.Attempts[^1].EndedAt is null)
        {
            S.Attempts[^1] = S.Attempts[^1] with { EndedAt = clock.GetUtcNow(), EndReason = reason };
        }
    }

    private bool IsCurrentAttempt(int attempt) => S.Spec is not null && attempt == S.Attempts.Count && S.Attempts[^1].EndedAt is null;

    private void EnsureExists()
    {
        if (S.Spec is null)
        {
            throw new KeyNotFoundException($"Run {ShortIds.Of(RunId)} does not exist.");
        }
    }

    private RunSnapshot Snapshot() => new(
        RunId, S.Spec!, S.Status, S.Attempts.ToArray(), S.LastProgress, S.BestEvalLoss, S.LastCheckpoint, S.SlotKey, S.StatusMessage,
        S.FailureClass, S.CreatedAt, S.FinishedAt, S.EvalHistory.ToArray(), S.Children.ToArray(), S.ProgressReports);
}
