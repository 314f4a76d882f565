using MoT.Contracts.Runs;

namespace MoT.Contracts.Sweeps;

/// <summary>Expands a search space into runs, stops bad runs early (ASHA) and tracks the best run.</summary>
public interface ISweepGrain : IGrainWithGuidKey
{
    /// <summary>Validates and starts the sweep; on any error lists every problem and queues nothing.</summary>
    Task<SweepSubmission> SubmitAsync(SweepSpec spec);

    Task<SweepSnapshot> GetSnapshotAsync();

    /// <summary>Cancels every unfinished trial and creates no more.</summary>
    Task<CommandResult> CancelAsync(string reason);

    /// <summary>Run side: a trial measured its eval loss (drives early stopping).</summary>
    [OneWay]
    Task OnRunEvalAsync(Guid runId, long step, double evalLoss);

    /// <summary>Run side: a trial finished (drives TPE and the best run).</summary>
    [OneWay]
    Task OnRunFinishedAsync(Guid runId, RunStatus status, double? bestEvalLoss);
}
