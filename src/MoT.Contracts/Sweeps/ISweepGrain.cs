using MoT.Contracts.Runs;

namespace MoT.Contracts.Sweeps;

/// <summary>Expands a search space into runs, stops bad runs early (ASHA) and tracks the best run.</summary>
public interface ISweepGrain : IGrainWithGuidKey
{
    /// <summary>Validates and starts the sweep; on any error lists every problem and queues nothing.</summary>
    Task<SweepSubmission> SubmitAsync(SweepSpec spec);

    Task<SweepSnapshot> GetSnapshotAsync();

    /// <summary>
    /// The run of a trial this sweep has listed but not created yet (a large sweep creates its runs a batch per turn), as
    /// the run will look once created: its config, owner and sweep, Queued (Cancelled when the sweep was cancelled first).
    /// Null when <paramref name="runId"/> is not such a trial: unknown here, or its run exists (ask the run).
    /// </summary>
    Task<RunSnapshot?> GetUncreatedRunAsync(Guid runId);

    /// <summary>Cancels every unfinished trial and creates no more.</summary>
    Task<CommandResult> CancelAsync(string reason);

    /// <summary>Holds the sweep: no new trial starts (queued ones wait), trials already training go on.</summary>
    /// <param name="by">Who paused it (recorded in the log and the answer).</param>
    Task<CommandResult> PauseAsync(string by);

    /// <summary>Lets a paused sweep go on where it left: held trials start, new ones are proposed.</summary>
    Task<CommandResult> ResumeAsync(string by);

    /// <summary>Raises a running or paused sweep's budget (more trials, more at once); every problem in one line per field.</summary>
    Task<CommandResult> ExtendAsync(SweepBudget budget, string by);

    /// <summary>Run side: a trial measured its eval loss (drives early stopping).</summary>
    [OneWay]
    Task OnRunEvalAsync(Guid runId, long step, double evalLoss);

    /// <summary>Run side: a trial finished (drives TPE and the best run).</summary>
    [OneWay]
    Task OnRunFinishedAsync(Guid runId, RunStatus status, double? bestEvalLoss);
}
