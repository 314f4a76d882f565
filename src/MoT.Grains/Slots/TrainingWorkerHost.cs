using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Training;
using MoT.Grains.Hosting;

namespace MoT.Grains.Slots;

/// <summary>
/// Runs training attempts for this silo's slots, outside the Orleans scheduler: each attempt starts on a dedicated
/// (long-running) thread with no grain context flowing into it, and reports back through grain calls. Outlives slot
/// grain activations, so an idle slot grain can be collected while its run trains.
/// </summary>
public sealed class TrainingWorkerHost(
    IGrainFactory grains,
    ITrainingExecutor executor,
    IOptions<GpuSlotOptions> options,
    IDeviceInventory devices,
    [FromKeyedServices(ServiceKeys.Clock)] TimeProvider clock,
    ILogger<TrainingWorkerHost> logger,
    IRunConsoleSink? consoleSink = null) : IAsyncDisposable
{
    /// <summary>How long an attempt's end waits for its console lines to reach the store before reporting its outcome.</summary>
    private static readonly TimeSpan ConsoleFlushTimeout = TimeSpan.FromSeconds(5);

    private readonly IRunConsoleSink _console = consoleSink ?? new NullRunConsoleSink();

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    /// <summary>Fires when the silo stops waiting for reports to be taken (drain timed out, or disposal).</summary>
    private readonly CancellationTokenSource _abandon = new();

    private volatile bool _draining;

    private GpuSlotOptions Options => options.Value;

    /// <summary>The run a slot is training, if any (also while its outcome is still being delivered).</summary>
    public Guid? BusyRun(string slotKey) => _jobs.TryGetValue(slotKey, out var job) ? job.RunId : null;

    /// <summary>Starts training <paramref name="runId"/> on the slot unless it is busy; returns at once.</summary>
    public CommandResult TryStart(string slotKey, Guid runId)
    {
        if (_draining)
        {
            return new CommandResult(false, $"Slot {slotKey} is on a silo that is stopping.");
        }

        var job = new Job(runId);
        if (!_jobs.TryAdd(slotKey, job))
        {
            return new CommandResult(false, $"Slot {slotKey} is busy with run {_jobs[slotKey].RunId}.");
        }

        // No ExecutionContext flow: the attempt must not inherit the calling grain's context or request context.
        using (ExecutionContext.SuppressFlow())
        {
            job.Completion = Task.Factory.StartNew(
                () => RunJobAsync(slotKey, job), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }

        return new CommandResult(true, $"Slot {slotKey} started run {runId}.");
    }

    /// <summary>Stops the slot's attempt if it is training <paramref name="runId"/>.</summary>
    public CommandResult Stop(string slotKey, Guid runId, StopKind kind)
    {
        if (!_jobs.TryGetValue(slotKey, out var job) || job.RunId != runId)
        {
            return new CommandResult(false, $"Slot {slotKey} is not training run {runId}.");
        }

        job.StopKind ??= kind;
        job.Cancel();
        return new CommandResult(true, $"Slot {slotKey} is stopping run {runId} ({kind}).");
    }

    /// <summary>Each slot trains on its own device, so two GPUs of one silo never share cuda:0.</summary>
    private string DeviceOf(string slotKey)
    {
        var (_, index) = SlotInfo.ParseKey(slotKey);
        return devices.GetDevices().FirstOrDefault(d => d.Index == index)?.TrainerDevice ?? "auto";
    }

    private Task<T> DeliverAsync<T>(Func<Task<T>> send, string what) =>
        ReportDelivery.UntilTakenAsync(send, Options, TimeProvider.System, logger, what, _abandon.Token);

    private async Task RunJobAsync(string slotKey, Job job)
    {
        var run = grains.GetGrain<IRunGrain>(job.RunId);
        var release = SlotRelease.NotStarted;
        try
        {
            var ticket = await run.BeginAttemptAsync(slotKey);
            if (ticket is null)
            {
                release = SlotRelease.Declined;
                logger.LogInformation("Run {RunId} no longer wants slot {Slot}", job.RunId, slotKey);
                return;
            }

            release = SlotRelease.Finished;
            var runFolder = Path.Combine(Options.OutputRoot, job.RunId.ToString("N"));
            await RecordEarlierCheckpointsAsync(run, runFolder, ticket.Attempt);
            var outputDirectory = Path.Combine(runFolder, $"attempt-{ticket.Attempt}");
            var request = new TrainingRequest(job.RunId, ticket.ConfigJson, ticket.ResumeFromCheckpointPath, outputDirectory, DeviceOf(slotKey));
            var console = new AttemptConsole(_console, job.RunId, ticket.Attempt, TimeProvider.System, Options.ConsoleProgressInterval);
            console.Info($"Attempt {ticket.Attempt} started on slot {slotKey} (silo {SlotInfo.ParseKey(slotKey).SiloName}, device {request.Device})" +
                (ticket.ResumeFromCheckpointPath is { } resume ? $", starting from checkpoint {Path.GetFileName(resume)}" : ""));
            var reporter = new ThrottledRunReporter(run, job.RunId, ticket.Attempt, clock, TimeProvider.System, Options, job.Cancellation, _abandon.Token, logger);
            var outcome = StorageFaults.CheckWritable(outputDirectory) is { } notWritable
                ? new TrainingOutcome(RunStatus.Failed, 0, null, notWritable, FailureClass.Storage)
                : await TrainAsync(slotKey, job, request, reporter, console.Observe(reporter));
            if (job.StopKind == StopKind.Preempt && outcome.FinalStatus == RunStatus.Cancelled)
            {
                outcome = outcome with { FailureClass = FailureClass.Preempted, FailureReason = "Preempted" };
            }

            // The console's last line is in the store before the run's status changes: a reader who sees "Failed" finds
            // the reason, and a retry or a silo restart right after cannot lose it.
            console.Outcome(outcome, job.StopKind);
            await FlushConsoleAsync(job.RunId);

            // Checkpoints and eval points first, then the outcome: the run must know the checkpoint it resumes from.
            await reporter.FlushAsync();
            await DeliverAsync(async () => { await run.ReportOutcomeAsync(ticket.Attempt, outcome); return true; },
                $"the outcome of run {job.RunId} attempt {ticket.Attempt} ({outcome.FinalStatus})");
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            logger.LogWarning("Run {RunId} on slot {Slot}: the silo stopped before the control side took the attempt's outcome; the control side re-queues it", job.RunId, slotKey);
        }
        catch (Exception ex)
        {
            // Only BeginAttemptAsync gets here (every later report is retried): the run never started, it goes back to the queue.
            logger.LogWarning("Run {RunId} could not start on slot {Slot}: {Message}", job.RunId, slotKey, ex.Message);
        }
        finally
        {
            _jobs.TryRemove(new KeyValuePair<string, Job>(slotKey, job));
            job.MarkDisposed();
            try
            {
                await DeliverAsync(async () =>
                {
                    await grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).ReleaseSlotAsync(slotKey, job.RunId, release);
                    return true;
                }, $"the release of slot {slotKey}");
            }
            catch (OperationCanceledException)
            {
                // The silo is going away; the scheduler frees the slot when its lease lapses or the silo registers again.
            }
        }
    }

    /// <summary>
    /// Reports the files earlier attempts left in the run's folder (the run records each path once): an attempt that
    /// died during a control outage never reported its last checkpoints.
    /// </summary>
    private async Task RecordEarlierCheckpointsAsync(IRunGrain run, string runFolder, int attempt)
    {
        IReadOnlyList<(int Attempt, CheckpointInfo Checkpoint)> earlier;
        try
        {
            earlier = CheckpointFolder.EarlierAttempts(runFolder, attempt);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Run {RunId}: could not read its checkpoint folder {Folder} ({Message})", run.GetPrimaryKey(), runFolder, error.Message);
            return;
        }

        foreach (var (earlierAttempt, checkpoint) in earlier)
        {
            await DeliverAsync(() => run.ReportCheckpointAsync(earlierAttempt, checkpoint),
                $"checkpoint {checkpoint.Path} of attempt {earlierAttempt}");
        }
    }

    /// <summary>Writes the queued console lines, waiting at most <see cref="ConsoleFlushTimeout"/>: a store that is down
    /// keeps them queued (written when it is back) and must not hold up the outcome.</summary>
    private async Task FlushConsoleAsync(Guid runId)
    {
        using var timeout = new CancellationTokenSource(ConsoleFlushTimeout);
        try
        {
            await _console.FlushAsync(timeout.Token);
        }
        catch (Exception error)
        {
            logger.LogWarning("Run {RunId}: its console lines stay queued, the store did not take them ({Message})", runId, error.Message);
        }
    }

    private async Task<TrainingOutcome> TrainAsync(string slotKey, Job job, TrainingRequest request, ThrottledRunReporter reporter, ITrainingObserver observer)
    {
        try
        {
            // The executor's synchronous part (the training loop of a real trainer) runs on its own thread.
            return await Task.Factory.StartNew(
                () => executor.RunAsync(request, observer, job.Cancellation.Token),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }
        catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
        {
            return new TrainingOutcome(RunStatus.Cancelled, reporter.LastStep, reporter.BestEvalLoss, "Stopped", null);
        }
        catch (OutOfMemoryException ex)
        {
            return new TrainingOutcome(RunStatus.Failed, reporter.LastStep, reporter.BestEvalLoss, ex.Message, FailureClass.OutOfMemory);
        }
        catch (Exception ex) when (StorageFaults.Describe(ex) is { } storage)
        {
            logger.LogError("Run {RunId} on slot {Slot}: checkpoint storage failed: {Reason}", job.RunId, slotKey, storage);
            return new TrainingOutcome(RunStatus.Failed, reporter.LastStep, reporter.BestEvalLoss, $"Checkpoint storage failed: {storage}", FailureClass.Storage);
        }
        catch (Exception ex)
        {
            // Users read the reason (run page, console, API): its first line only, no exception type or trace; the trace
            // stays in this host's log at Debug for whoever debugs the trainer.
            var reason = FirstLine(ex.Message);
            logger.LogError("Executor failed run {RunId} on slot {Slot}: {Reason}", job.RunId, slotKey, reason);
            logger.LogDebug(ex, "Executor failure of run {RunId}", job.RunId);
            return new TrainingOutcome(RunStatus.Failed, reporter.LastStep, reporter.BestEvalLoss, reason, FailureClass.Unknown);
        }
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "the trainer stopped with an error and gave no reason" : line;
    }

    /// <summary>
    /// Graceful stop of the silo: takes no new attempts, preempts every running one (it checkpoints and its run is
    /// re-queued to resume elsewhere), and waits up to <paramref name="timeout"/> for the attempts' checkpoints and
    /// outcomes to reach the control side; then gives up on what is left (the control side re-queues those runs).
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        _draining = true;
        var jobs = _jobs.Values.ToList();
        foreach (var job in jobs)
        {
            job.StopKind = StopKind.Preempt;
            job.Cancel();
        }

        var pending = Task.WhenAll(jobs.Select(j => j.Completion).OfType<Task>());
        await pending.WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
        await _abandon.CancelAsync();
        await pending.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        _draining = true;
        foreach (var job in _jobs.Values)
        {
            job.Cancel();
        }

        await _abandon.CancelAsync();
        await Task.WhenAll(_jobs.Values.Select(j => j.Completion).Where(t => t is not null).Select(t => t!.ContinueWith(_ => { }, TaskScheduler.Default)));
    }

    private sealed class Job(Guid runId)
    {
        private readonly Lock _gate = new();
        private bool _disposed;

        public Guid RunId { get; } = runId;

        public CancellationTokenSource Cancellation { get; } = new();

        public StopKind? StopKind { get; set; }

        public Task? Completion { get; set; }

        public void Cancel()
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    Cancellation.Cancel();
                }
            }
        }

        public void MarkDisposed()
        {
            lock (_gate)
            {
                _disposed = true;
            }
        }
    }
}
