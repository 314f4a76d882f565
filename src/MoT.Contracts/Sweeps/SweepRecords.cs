using MoT.Contracts.Runs;

namespace MoT.Contracts.Sweeps;

/// <summary>How a sweep picks its trials.</summary>
public enum SearchMethod
{
    /// <summary>Every combination of the discrete values (choices and stepped ints).</summary>
    Grid,
    /// <summary>Independent samples, reproducible from <see cref="SweepSpec.Seed"/>.</summary>
    Random,
    /// <summary>Tree-structured Parzen Estimator: random start-up trials, then proposals that favour good regions.</summary>
    Tpe,
}

/// <summary>The shape of one searched parameter.</summary>
public enum ParameterKind
{
    /// <summary>One of <see cref="SearchParameter.Values"/>.</summary>
    Choice,
    /// <summary>Real number in [Low, High].</summary>
    Uniform,
    /// <summary>Real number in [Low, High], uniform in log space (Low &gt; 0).</summary>
    LogUniform,
    /// <summary>Integer Low, Low+Step, ... &lt;= High.</summary>
    Int,
}

/// <summary>A parameter is searched only when the config value at <paramref name="Path"/> is one of <paramref name="Values"/>.</summary>
/// <param name="Path">Dotted config path, set by the base config or an earlier parameter (e.g. <c>model.family</c>).</param>
/// <param name="Values">JSON literals or plain strings (e.g. <c>MoT</c>, <c>TokenChoice</c>).</param>
[GenerateSerializer, Immutable]
public sealed record ParameterCondition([property: Id(0)] string Path, [property: Id(1)] IReadOnlyList<string> Values);

/// <summary>One dimension of a search space.</summary>
/// <param name="Path">Dotted config path to set, e.g. <c>training.lr</c>.</param>
/// <param name="Values">For <see cref="ParameterKind.Choice"/>: JSON literals (<c>32</c>, <c>true</c>) or plain strings (<c>MoT</c>).</param>
/// <param name="Step">For <see cref="ParameterKind.Int"/>: the spacing (default 1).</param>
[GenerateSerializer, Immutable]
public sealed record SearchParameter(
    [property: Id(0)] string Path,
    [property: Id(1)] ParameterKind Kind,
    [property: Id(2)] IReadOnlyList<string>? Values = null,
    [property: Id(3)] double? Low = null,
    [property: Id(4)] double? High = null,
    [property: Id(5)] double? Step = null,
    [property: Id(6)] ParameterCondition? Condition = null);

/// <summary>Asynchronous successive halving on eval loss: rungs at MinSteps * ReductionFactor^k up to MaxSteps.</summary>
/// <param name="MinSteps">The first rung (steps).</param>
/// <param name="ReductionFactor">Keep the best 1/ReductionFactor at each rung (&gt;= 2).</param>
/// <param name="MaxSteps">No rung beyond this step.</param>
[GenerateSerializer, Immutable]
public sealed record AshaSettings(
    [property: Id(0)] long MinSteps,
    [property: Id(1)] int ReductionFactor,
    [property: Id(2)] long MaxSteps);

/// <summary>A hyperparameter sweep: base config, search space, method, budget.</summary>
/// <param name="BaseConfigJson">Run config every trial starts from (a JSON object).</param>
/// <param name="MaxConcurrentRuns">At most this many of the sweep's runs train at once.</param>
/// <param name="MaxRuns">Budget: most trials to create (required for random and tpe).</param>
/// <param name="Seed">Seeds random sampling and TPE: same seed, same trials. Null at submission draws a fresh seed, which
/// the sweep records in its spec (so every accepted sweep has one, to be given again for reproduction).</param>
/// <param name="EarlyStopping">ASHA settings, or null for none.</param>
[GenerateSerializer, Immutable]
public sealed record SweepSpec(
    [property: Id(0)] string Owner,
    [property: Id(1)] string BaseConfigJson,
    [property: Id(2)] IReadOnlyList<SearchParameter> SearchSpace,
    [property: Id(3)] SearchMethod Method,
    [property: Id(4)] int MaxConcurrentRuns = 4,
    [property: Id(5)] int? MaxRuns = null,
    [property: Id(6)] int? Seed = null,
    [property: Id(7)] AshaSettings? EarlyStopping = null,
    [property: Id(8)] int Priority = 0,
    [property: Id(9)] string? Name = null,
    [property: Id(10)] int TpeStartupTrials = 8);

/// <summary>One problem with a spec, named by its field path (e.g. <c>searchSpace[1].low</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record SpecError([property: Id(0)] string Path, [property: Id(1)] string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The answer to a sweep submission: accepted with its runs, or every problem found.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepSubmission(
    [property: Id(0)] bool Accepted,
    [property: Id(1)] IReadOnlyList<SpecError> Errors,
    [property: Id(2)] IReadOnlyList<Guid> RunIds,
    [property: Id(3)] int? Seed = null);

/// <summary>Where a sweep is; once it is not Running, the counts of <see cref="SweepSnapshot.Counts"/> say how its trials ended.</summary>
public enum SweepStatus
{
    /// <summary>Never submitted, or rejected.</summary>
    NotSubmitted,
    Running,
    /// <summary>Every trial completed or was pruned by the sweep's early-stopping rule, and at least one completed.</summary>
    Completed,
    /// <summary>Cancelled as a whole (or every trial was cancelled).</summary>
    Cancelled,
    /// <summary>Finished with some trials completed and some failed or cancelled.</summary>
    CompletedWithFailures,
    /// <summary>Finished with no trial completed: every trial failed (or failed and was cancelled).</summary>
    Failed,
    /// <summary>Held by a person: no new trial starts; trials already training go on. Resuming continues where it left.</summary>
    Paused,
}

/// <summary>How one trial stands; a trial's run carries the finer status (Queued, Running, Preempted).</summary>
public enum TrialStatus
{
    /// <summary>Not finished: its run is queued, running or preempted (ask the run which).</summary>
    Active,
    Completed,
    /// <summary>Early-stopped by the sweep's rule (ASHA); its run is Pruned too.</summary>
    Pruned,
    Failed,
    Cancelled,
}

/// <summary>How many trials of a sweep stand where.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepCounts(
    [property: Id(0)] int Active,
    [property: Id(1)] int Completed,
    [property: Id(2)] int Pruned,
    [property: Id(3)] int Failed,
    [property: Id(4)] int Cancelled)
{
    public int Total => Active + Completed + Pruned + Failed + Cancelled;

    public static SweepCounts Of(IEnumerable<TrialStatus> trials)
    {
        var list = trials.ToList();
        return new SweepCounts(list.Count(t => t == TrialStatus.Active), list.Count(t => t == TrialStatus.Completed),
            list.Count(t => t == TrialStatus.Pruned), list.Count(t => t == TrialStatus.Failed), list.Count(t => t == TrialStatus.Cancelled));
    }

    /// <summary>The status of a sweep none of whose trials is active any more.</summary>
    public SweepStatus FinalStatus() =>
        Completed + Pruned > 0 && Failed + Cancelled == 0 && Completed > 0 ? SweepStatus.Completed
        : Completed > 0 ? SweepStatus.CompletedWithFailures
        : Failed > 0 ? SweepStatus.Failed
        : Cancelled > 0 ? SweepStatus.Cancelled
        : SweepStatus.Failed; // only pruned trials: nothing was trained to the end

    public override string ToString() =>
        $"{Completed} completed, {Pruned} pruned, {Failed} failed, {Cancelled} cancelled, {Active} not finished";
}

public static class SweepStatusExtensions
{
    /// <summary>True once the sweep will never change again.</summary>
    public static bool IsFinished(this SweepStatus status) => status is not (SweepStatus.NotSubmitted or SweepStatus.Running or SweepStatus.Paused);

    /// <summary>True while the sweep may still change: running or paused.</summary>
    public static bool IsLive(this SweepStatus status) => status is SweepStatus.Running or SweepStatus.Paused;
}

/// <summary>One trial of a sweep.</summary>
/// <param name="ParametersJson">The sampled values as a JSON object keyed by config path.</param>
/// <param name="StoppedAtStep">For early-stopped trials: the rung step it was stopped at.</param>
[GenerateSerializer, Immutable]
public sealed record TrialSnapshot(
    [property: Id(0)] int Index,
    [property: Id(1)] Guid RunId,
    [property: Id(2)] string ParametersJson,
    [property: Id(3)] TrialStatus Status,
    [property: Id(4)] double? BestEvalLoss,
    [property: Id(5)] long? StoppedAtStep);

/// <summary>What a sweep looks like now.</summary>
[GenerateSerializer, Immutable]
public sealed record SweepSnapshot(
    [property: Id(0)] Guid SweepId,
    [property: Id(1)] SweepSpec? Spec,
    [property: Id(2)] SweepStatus Status,
    [property: Id(3)] IReadOnlyList<TrialSnapshot> Trials,
    [property: Id(4)] Guid? BestRunId,
    [property: Id(5)] double? BestEvalLoss)
{
    /// <summary>How many trials stand where.</summary>
    public SweepCounts Counts => SweepCounts.Of(Trials.Select(t => t.Status));
}
