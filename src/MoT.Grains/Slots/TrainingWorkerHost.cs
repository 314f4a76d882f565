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
    ILogger<TrainingWorkerHost> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    /// <summary>The run a slot is training, if any.</summary>
    public Guid? BusyRun(string slotKey) => _jobs.TryGetValue(slotKey, out var job) ? job.RunId : null;

    /// <summary>Starts training <paramref name="runId"/> on the slot unless it is busy; returns at once.</summary>
    public CommandResult TryStart(string slotKey, Guid runId)
    {
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

        job.StopKind = kind;
        job.Cancel();
        return new CommandResult(true, $"Slot {slotKey} is stopping run {runId} ({kind}).");
    }

    /// <summary>Each slot trains on its own device, so two GPUs of one silo never share cuda:0.</summary>
    private string DeviceOf(string slotKey)
    {
        var (_, index) = SlotInfo.ParseKey(slotKey);
        return devices.GetDevices().FirstOrDefault(d => d.Index == index)?.TrainerDevice ?? "auto";
    }

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

            var request = new TrainingRequest(
                job.RunId,
                ticket.ConfigJson,
                ticket.ResumeFromCheckpointPath,
                Path.Combine(options.Value.OutputRoot, job.RunId.ToString("N"), $"attempt-{ticket.Attempt}"),
                DeviceOf(slotKey));
            var reporter = new ThrottledRunReporter(run, ticket.Attempt, clock, options.Value.ProgressInterval, job.Cancellation, logger);
            TrainingOutcome outcome;
            try
            {
                // The executor's synchronous part (the training loop of a real trainer) runs on its own thread.
                outcome = await Task.Factory.StartNew(
                    () => executor.RunAsync(request, reporter, job.Cancellation.Token),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
            }
            catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
            {
                outcome = new TrainingOutcome(RunStatus.Cancelled, reporter.LastStep, reporter.BestEvalLoss, "Stopped", null);
            }
            catch (OutOfMemoryException ex)
            {
                outcome = new TrainingOutcome(RunStatus.Failed, reporter.LastStep, reporter.BestEvalLoss, ex.Message, FailureClass.OutOfMemory);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Executor failed run {RunId} on slot {Slot}", job.RunId, slotKey);
                outcome = new TrainingOutcome(RunStatus.Failed, reporter.LastStep, reporter.BestEvalLoss, $"{ex.GetType().Name}: {ex.Message}", FailureClass.Unknown);
            }

            if (job.StopKind == StopKind.Preempt && outcome.FinalStatus == RunStatus.Cancelled)
            {
                outcome = outcome with { FailureClass = FailureClass.Preempted, FailureReason = "Preempted" };
            }

            await reporter.FlushAsync();
            await run.ReportOutcomeAsync(ticket.Attempt, outcome);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Attempt of run {RunId} on slot {Slot} could not report back", job.RunId, slotKey);
        }
        finally
        {
            _jobs.TryRemove(new KeyValuePair<string, Job>(slotKey, job));
            job.MarkDisposed();
            try
            {
                await grains.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).ReleaseSlotAsync(slotKey, job.RunId, release);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not release slot {Slot}", slotKey);
            }
        }
    }

    /// <summary>
    /// Silo shutdown: preempts every attempt so that its run is re-queued and resumes elsewhere from its last
    /// checkpoint, and waits (up to <paramref name="timeout"/>) for the attempts to report back.
    /// </summary>
    public async Task PreemptAllAsync(TimeSpan timeout)
    {
        var jobs = _jobs.Values.ToList();
        foreach (var job in jobs)
        {
            job.StopKind = StopKind.Preempt;
            job.Cancel();
        }

        var pending = jobs.Select(j => j.Completion).OfType<Task>().ToArray();
        await Task.WhenAll(pending).WaitAsync(timeout).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var job in _jobs.Values)
        {
            job.Cancel();
        }

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
