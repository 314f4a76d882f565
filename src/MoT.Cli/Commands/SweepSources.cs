using MoT.Cli.Api;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;

namespace MoT.Cli.Commands;

/// <summary>A sweep as <c>mot sweep status</c> prints it, from either path.</summary>
internal sealed record SweepView(Guid SweepId, string? Name, SweepStatus Status, IReadOnlyList<TrialSnapshot> Trials, Guid? BestRunId, double? BestEvalLoss,
    string? Method = null, int? Seed = null)
{
    public SweepCounts Counts => SweepCounts.Of(Trials.Select(t => t.Status));
}

/// <summary>One sweep on the platform, reached through the HTTP API or the gateway.</summary>
internal interface ISweepSource
{
    Guid SweepId { get; }

    /// <summary>The sweep; throws naming it when no such sweep was submitted.</summary>
    Task<SweepView> GetAsync(CancellationToken cancel);

    /// <summary>The trial's run status as everywhere else (Queued, Running, Failed with its class ...).</summary>
    Task<string> TrialStatusAsync(TrialSnapshot trial, CancellationToken cancel);

    Task<string> CancelAsync(CancellationToken cancel);

    /// <summary>Pause, resume or extend: whether the sweep changed, and its one-line answer.</summary>
    Task<CommandResult> ControlAsync(SweepControl control, CancellationToken cancel);
}

/// <summary>A sweep control verb: pause, resume, or extend with a larger budget.</summary>
internal sealed record SweepControl(string Verb, SweepBudget? Budget = null);

/// <summary>Through the HTTP API, as the token's user.</summary>
internal sealed class ApiSweep(PlatformApi api, Guid sweepId) : ISweepSource
{
    public Guid SweepId => sweepId;

    public async Task<SweepView> GetAsync(CancellationToken cancel)
    {
        var sweep = await api.GetAsync<ApiSweepDocument>($"sweeps/{sweepId}", cancel);
        return new SweepView(sweep.SweepId, sweep.Spec?.Name, sweep.Status, sweep.Trials, sweep.BestRunId, sweep.BestEvalLoss,
            sweep.Spec?.Method?.ToLowerInvariant(), sweep.Spec?.Seed);
    }

    public async Task<string> TrialStatusAsync(TrialSnapshot trial, CancellationToken cancel)
    {
        try
        {
            var run = await api.GetAsync<ApiRun>($"runs/{trial.RunId}", cancel);
            return run.Status.Describe(run.FailureClass);
        }
        catch (ApiRefusedException)
        {
            return trial.Status == TrialStatus.Active ? "Queued" : trial.Status.ToString(); // its run is being created
        }
    }

    public async Task<string> CancelAsync(CancellationToken cancel) =>
        (await api.PostAsync<ApiOutcome>($"sweeps/{sweepId}/cancel", null, cancel)).Message;

    public async Task<CommandResult> ControlAsync(SweepControl control, CancellationToken cancel)
    {
        var body = control.Budget is null ? null : System.Net.Http.Json.JsonContent.Create(control.Budget, options: PlatformApi.Json);
        var outcome = await api.PostAsync<ApiOutcome>($"sweeps/{sweepId}/{control.Verb}", body, cancel);
        return new CommandResult(outcome.Changed, outcome.Message);
    }

    private sealed record ApiSweepDocument(Guid SweepId, SweepStatus Status, ApiSpec? Spec, IReadOnlyList<TrialSnapshot> Trials, Guid? BestRunId, double? BestEvalLoss);

    private sealed record ApiSpec(string? Name, string? Method, int? Seed);

    private sealed record ApiRun(RunStatus Status, FailureClass? FailureClass);

    private sealed record ApiOutcome(bool Changed, string Message);
}

/// <summary>Straight to the sweep grain (operators on a cluster host).</summary>
internal sealed class GatewaySweep(IGrainFactory grains, Guid sweepId, string by) : ISweepSource
{
    public Guid SweepId => sweepId;

    public async Task<SweepView> GetAsync(CancellationToken cancel)
    {
        var snapshot = await grains.GetGrain<ISweepGrain>(sweepId).GetSnapshotAsync();
        if (snapshot.Status == SweepStatus.NotSubmitted)
            throw new InvalidOperationException($"no sweep {sweepId} was submitted to this cluster");
        return new SweepView(snapshot.SweepId, snapshot.Spec?.Name, snapshot.Status, snapshot.Trials, snapshot.BestRunId, snapshot.BestEvalLoss,
            snapshot.Spec?.Method.ToString().ToLowerInvariant(), snapshot.Spec?.Seed);
    }

    public async Task<string> TrialStatusAsync(TrialSnapshot trial, CancellationToken cancel)
    {
        try
        {
            var run = await grains.GetGrain<IRunGrain>(trial.RunId).GetSnapshotAsync();
            return run.Status.Describe(run.FailureClass);
        }
        catch (KeyNotFoundException)
        {
            return trial.Status == TrialStatus.Active ? "Queued" : trial.Status.ToString(); // its run is being created
        }
    }

    public async Task<string> CancelAsync(CancellationToken cancel) =>
        (await grains.GetGrain<ISweepGrain>(sweepId).CancelAsync($"cancelled by {by}")).Message;

    public Task<CommandResult> ControlAsync(SweepControl control, CancellationToken cancel)
    {
        var sweep = grains.GetGrain<ISweepGrain>(sweepId);
        return control.Verb switch
        {
            "pause" => sweep.PauseAsync(by),
            "resume" => sweep.ResumeAsync(by),
            _ => sweep.ExtendAsync(control.Budget!, by),
        };
    }
}
