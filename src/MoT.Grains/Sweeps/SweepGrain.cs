using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;
using MoT.Grains.Placement;
using MoT.Grains.Runs;

namespace MoT.Grains.Sweeps;

/// <summary>
/// Validates a sweep, expands it into runs (grid, random, TPE), stops bad runs early (ASHA) and tracks the best run.
/// Runs talk back only by one-way messages, so the sweep may call them freely.
/// </summary>
[RequireSiloRole(SiloRoles.Control)]
public sealed partial class SweepGrain(
    [PersistentState(StateNames.Sweep, StorageNames.Main)] IPersistentState<SweepState> state,
    IRunConfigRules rules,
    ISweepRecordSink records,
    IRunRecordSink runRecords,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain
{
    private SweepState S => state.State;

    /// <summary>What was last written to the store; a state change that leaves it the same (an eval) writes no row.</summary>
    private SweepRecord? _recorded;

    private Guid SweepId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Trials are recorded before their runs: finish what a crash interrupted (run creation is idempotent).
        if (S.Status.IsLive())
        {
            await CreatePendingRunsAsync();
        }
        else if (S.Status == SweepStatus.Cancelled)
        {
            await CancelCreatedRunsAsync(); // a cancel a crash interrupted (cancelling a run twice changes nothing)
        }

        await RestoreHoldAsync();
    }

    public async Task<SweepSubmission> SubmitAsync(SweepSpec spec)
    {
        if (S.Status != SweepStatus.NotSubmitted)
        {
            return new SweepSubmission(false, [new SpecError("sweepId", $"sweep {ShortIds.Of(SweepId)} was already submitted; submit under a new id")], []);
        }

        var errors = spec is null ? [new SpecError("spec", "is required")] : SearchSpace.Validate(spec, rules);
        if (errors.Count > 0)
        {
            return new SweepSubmission(false, errors, []);
        }

        // No seed given: a fresh one, recorded in the spec, so two sweeps differ and either can be reproduced.
        spec = spec! with { Seed = spec.Seed ?? Random.Shared.Next() };
        var initial = spec.Method switch
        {
            SearchMethod.Grid => SearchSpace.ExpandGrid(spec),
            SearchMethod.Random => Enumerable.Range(0, spec.MaxRuns!.Value).Select(i => SearchSpace.SampleRandom(spec, i)).ToList(),
            _ => Enumerable.Range(0, Math.Min(spec.MaxConcurrentRuns, spec.MaxRuns!.Value)).Select(i => ProposeTpe(spec, i)).ToList(),
        };

        S.Spec = spec;
        S.Status = SweepStatus.Running;
        S.SubmittedAt = DateTimeOffset.UtcNow;
        var trials = initial.Select(AddTrial).ToList();
        await SaveAsync();

        await RecordUncreatedRunsAsync(trials);
        await GrainFactory.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).SetSweepLimitAsync(SweepId, spec.MaxConcurrentRuns);
        await CreatePendingRunsAsync(); // the first batch now, the rest in turns of their own: the caller is answered at once
        logger.LogInformation("Sweep {SweepId} started with {Count} runs ({Method})", SweepId, trials.Count, spec.Method);
        return new SweepSubmission(true, [], trials.Select(t => t.RunId).ToArray(), spec.Seed);
    }

    public Task<SweepSnapshot> GetSnapshotAsync() => Task.FromResult(new SweepSnapshot(
        SweepId,
        S.Spec,
        S.Status,
        S.Trials.Select(t => new TrialSnapshot(t.Index, t.RunId, t.ParametersJson, t.Status, t.BestEvalLoss, t.StoppedAtStep)).ToArray(),
        S.BestRunId,
        S.BestEvalLoss));

    /// <summary>Persists the grain state, then projects it into the store's sweeps table when what the table holds changed.</summary>
    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        if (S.Spec is null) return;
        var record = new SweepRecord(SweepId, S.Spec, S.Status, S.BestRunId, S.SubmittedAt ?? DateTimeOffset.UtcNow, S.FinishedAt);
        if (record == _recorded) return;
        try
        {
            await records.RecordAsync(record);
            _recorded = record;
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Sweep {SweepId}: could not write its history record; the next state change retries", SweepId);
        }
    }

    public async Task<CommandResult> CancelAsync(string reason)
    {
        if (!S.Status.IsLive())
        {
            return new CommandResult(false, $"Sweep {ShortIds.Of(SweepId)} is {S.Status}; nothing to cancel.");
        }

        var wasPaused = S.Status == SweepStatus.Paused;
        S.Status = SweepStatus.Cancelled;
        S.FinishedAt = DateTimeOffset.UtcNow;
        var neverCreated = CancelPendingTrials();
        await SaveAsync();
        await RecordUncreatedRunsAsync(neverCreated);
        if (wasPaused) await ReleaseHoldAsync();
        _cancelReason = $"sweep cancelled: {reason}";
        await CancelCreatedRunsAsync(); // the first batch now, the rest in turns of their own: the caller is answered at once

        return new CommandResult(true, $"Sweep {ShortIds.Of(SweepId)} cancelled.");
    }

    public async Task OnRunEvalAsync(Guid runId, long step, double evalLoss)
    {
        var trial = Find(runId);
        if (trial is null || trial.Status != TrialStatus.Active)
        {
            return;
        }

        trial.LastEvalLoss = evalLoss;
        trial.BestEvalLoss = trial.BestEvalLoss is { } best ? Math.Min(best, evalLoss) : evalLoss;
        var decision = S.Spec!.EarlyStopping is { } asha
            ? new AshaPolicy(asha).Observe(S.RungLosses, runId, step, evalLoss)
            : null;
        if (decision is { Stop: true })
        {
            trial.Status = TrialStatus.Pruned;
            trial.StoppedAtStep = decision.RungStep;
        }

        await SaveAsync();
        if (decision is { Stop: true })
        {
            logger.LogInformation("Sweep {SweepId} stops run {RunId}: {Reason}", SweepId, runId, decision.Reason);
            await GrainFactory.GetGrain<IRunGrain>(runId).StopEarlyAsync($"ASHA: {decision.Reason}");
            await ContinueAsync();
        }
    }

    public async Task OnRunFinishedAsync(Guid runId, RunStatus status, double? bestEvalLoss)
    {
        var trial = Find(runId);
        if (trial is null)
        {
            return;
        }

        if (bestEvalLoss is { } loss)
        {
            trial.BestEvalLoss = trial.BestEvalLoss is { } best ? Math.Min(best, loss) : loss;
        }

        if (trial.Status == TrialStatus.Active)
        {
            trial.Status = status switch
            {
                RunStatus.Completed => TrialStatus.Completed,
                RunStatus.Pruned => TrialStatus.Pruned,
                RunStatus.Cancelled => TrialStatus.Cancelled,
                _ => TrialStatus.Failed,
            };
        }

        if (trial.Status == TrialStatus.Completed && trial.BestEvalLoss is { } trialBest && (S.BestEvalLoss is null || trialBest < S.BestEvalLoss))
        {
            S.BestEvalLoss = trialBest;
            S.BestRunId = runId;
        }

        await SaveAsync();
        await ContinueAsync();
    }

    /// <summary>Proposes more TPE trials while budget and concurrency allow (not while paused); marks the sweep finished when nothing is left.</summary>
    private async Task ContinueAsync()
    {
        if (!S.Status.IsLive())
        {
            return;
        }

        var spec = S.Spec!;
        if (S.Status == SweepStatus.Running && spec.Method == SearchMethod.Tpe)
        {
            while (S.Trials.Count < spec.MaxRuns!.Value && S.Trials.Count(t => t.Status == TrialStatus.Active) < spec.MaxConcurrentRuns)
            {
                var plan = ProposeTpe(spec, S.Trials.Count);
                var trial = AddTrial(plan);
                await SaveAsync();
                await CreateRunAsync(trial, plan);
                await SaveAsync();
            }
        }

        if (S.Trials.All(t => t.Status != TrialStatus.Active) && !(S.Status == SweepStatus.Paused && HasTrialsToPropose()))
        {
            var wasPaused = S.Status == SweepStatus.Paused;
            // Completed only when its trials completed: a sweep whose trials all failed says Failed, with the counts.
            var counts = SweepCounts.Of(S.Trials.Select(t => t.Status));
            S.Status = counts.FinalStatus();
            S.FinishedAt = DateTimeOffset.UtcNow;
            await SaveAsync();
            logger.LogInformation("Sweep {SweepId} finished {Status} ({Counts}); best run {RunId} ({Loss})", SweepId, S.Status, counts, S.BestRunId, S.BestEvalLoss);
            if (wasPaused) await ReleaseHoldAsync();
        }
    }

    private TrialPlan ProposeTpe(SweepSpec spec, int trialIndex)
    {
        var history = S.Trials
            .Where(t => t.Status != TrialStatus.Active && (t.BestEvalLoss ?? t.LastEvalLoss) is not null)
            .Select(t => new TpeObservation(
                JsonConfig.ParseObject(t.ParametersJson).ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone()),
                // an early-stopped trial counts with the loss it was stopped at: worse than what finished trials reach
                t.Status == TrialStatus.Pruned ? t.LastEvalLoss ?? t.BestEvalLoss!.Value : t.BestEvalLoss ?? t.LastEvalLoss!.Value))
            .ToList();
        var sampler = new TpeSampler(spec.SearchSpace, spec.Seed ?? 0, spec.TpeStartupTrials);
        return sampler.Propose(trialIndex, history, JsonConfig.ParseObject(spec.BaseConfigJson));
    }

    private TrialState AddTrial(TrialPlan plan)
    {
        var trial = new TrialState
        {
            Index = S.Trials.Count,
            RunId = Guid.NewGuid(),
            ParametersJson = plan.ParametersJson,
            Status = TrialStatus.Active,
        };
        S.Trials.Add(trial);
        return trial;
    }

    private async Task CreateRunAsync(TrialState trial, TrialPlan plan)
    {
        await GrainFactory.GetGrain<IRunGrain>(trial.RunId).CreateAsync(RunSpecFor(plan));
        trial.RunCreated = true;
    }

    /// <summary>The spec a trial's run is created with (also what its not-yet-created run shows).</summary>
    private RunSpec RunSpecFor(TrialPlan plan)
    {
        var spec = S.Spec!;
        var config = JsonConfig.ParseObject(plan.ConfigJson);
        if (spec.EarlyStopping is not null && JsonConfig.Get(config, "training.eval_interval") is null)
        {
            // ASHA needs an eval at every rung: default the eval interval to the first rung.
            JsonConfig.Set(config, "training.eval_interval", JsonValue.Create(spec.EarlyStopping.MinSteps));
        }

        return new RunSpec(config.ToJsonString(), spec.Owner, spec.Priority, SweepId);
    }

    /// <summary>A recorded trial's plan: the base config with the trial's sampled values applied.</summary>
    private TrialPlan PlanFor(TrialState trial)
    {
        var config = JsonConfig.ParseObject(S.Spec!.BaseConfigJson);
        var values = JsonConfig.ParseObject(trial.ParametersJson).ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        foreach (var (path, value) in values)
        {
            JsonConfig.Set(config, path, value?.DeepClone());
        }

        return new TrialPlan(values, config.ToJsonString());
    }

    private TrialState? Find(Guid runId) => S.Trials.Find(t => t.RunId == runId);
}
