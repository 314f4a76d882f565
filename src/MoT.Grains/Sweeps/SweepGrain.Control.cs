using Microsoft.Extensions.Logging;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Contracts.Sweeps;

namespace MoT.Grains.Sweeps;

/// <summary>
/// Sweep control by people: pause, resume, a larger budget. A pause is kept in two places, the sweep's state (the truth,
/// written first) and the scheduler's hold on the sweep's queued runs; the hold is sent again on every activation of a
/// paused sweep and on every repeated pause, so a crash between the two writes heals itself.
/// </summary>
public sealed partial class SweepGrain
{
    public async Task<CommandResult> PauseAsync(string by)
    {
        if (S.Status == SweepStatus.Paused)
        {
            await HoldAsync(paused: true);
            return new CommandResult(false, $"Sweep {ShortIds.Of(SweepId)} is already paused.");
        }

        if (S.Status != SweepStatus.Running)
        {
            return new CommandResult(false, NotLive("only a running sweep can be paused"));
        }

        S.Status = SweepStatus.Paused;
        await SaveAsync();
        await HoldAsync(paused: true);
        var active = S.Trials.Count(t => t.Status == TrialStatus.Active);
        logger.LogInformation("Sweep {SweepId} paused by {By} with {Active} unfinished trial(s)", SweepId, by, active);
        return new CommandResult(true, $"Sweep {ShortIds.Of(SweepId)} paused: trials already training go on, no new trial starts until it is resumed.");
    }

    public async Task<CommandResult> ResumeAsync(string by)
    {
        if (S.Status == SweepStatus.Running)
        {
            return new CommandResult(false, $"Sweep {ShortIds.Of(SweepId)} is not paused; it is running.");
        }

        if (S.Status != SweepStatus.Paused)
        {
            return new CommandResult(false, NotLive("only a paused sweep can be resumed"));
        }

        S.Status = SweepStatus.Running;
        await SaveAsync();
        await HoldAsync(paused: false);
        logger.LogInformation("Sweep {SweepId} resumed by {By}", SweepId, by);
        await ContinueAsync(); // TPE proposes the trials it held back
        return new CommandResult(true, $"Sweep {ShortIds.Of(SweepId)} resumed.");
    }

    public async Task<CommandResult> ExtendAsync(SweepBudget budget, string by)
    {
        if (!S.Status.IsLive())
        {
            return new CommandResult(false, NotLive("only a running or paused sweep can be extended"));
        }

        var spec = S.Spec!;
        if (budget is null || (budget.MaxRuns is null && budget.MaxConcurrentRuns is null))
        {
            return new CommandResult(false, "Nothing to change: give maxRuns, maxConcurrentRuns or both.");
        }

        var problems = BudgetProblems(spec, budget);
        if (problems.Count > 0)
        {
            return new CommandResult(false, string.Join("; ", problems));
        }

        var before = spec;
        S.Spec = spec = spec with
        {
            MaxRuns = budget.MaxRuns ?? spec.MaxRuns,
            MaxConcurrentRuns = budget.MaxConcurrentRuns ?? spec.MaxConcurrentRuns,
        };

        // Random trials depend only on (seed, index): the new ones are those a sweep submitted with this budget would have had.
        var added = spec.Method == SearchMethod.Random
            ? Enumerable.Range(S.Trials.Count, spec.MaxRuns!.Value - S.Trials.Count).Select(i => SearchSpace.SampleRandom(spec, i)).ToList()
            : [];
        var addedTrials = added.Select(AddTrial).ToList();
        await SaveAsync();
        await RecordUncreatedRunsAsync(addedTrials);

        if (spec.MaxConcurrentRuns != before.MaxConcurrentRuns)
        {
            await GrainFactory.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).SetSweepLimitAsync(SweepId, spec.MaxConcurrentRuns);
        }

        await CreatePendingRunsAsync(); // a large extension creates its runs in turns of their own, as a submission does
        await ContinueAsync(); // TPE proposes up to the new concurrency and budget (not while paused)
        logger.LogInformation("Sweep {SweepId} budget changed by {By}: {MaxRuns} trials, {Concurrent} at once", SweepId, by, spec.MaxRuns, spec.MaxConcurrentRuns);
        return new CommandResult(true, $"Sweep {ShortIds.Of(SweepId)} budget: {Describe(spec.MaxRuns, before.MaxRuns)} trial(s), {Describe(spec.MaxConcurrentRuns, before.MaxConcurrentRuns)} at once.");
    }

    /// <summary>Every problem of a new budget, each naming its field and the value given.</summary>
    private List<string> BudgetProblems(SweepSpec spec, SweepBudget budget)
    {
        var problems = new List<string>();
        if (budget.MaxConcurrentRuns is { } concurrent && concurrent < 1)
        {
            problems.Add($"maxConcurrentRuns: must be at least 1 (was {concurrent})");
        }

        if (budget.MaxRuns is { } maxRuns && maxRuns != spec.MaxRuns)
        {
            if (spec.Method == SearchMethod.Grid)
            {
                problems.Add($"maxRuns: a grid sweep runs every combination of its values ({S.Trials.Count} trials) and cannot take more (was {maxRuns})");
            }
            else if (maxRuns < (spec.MaxRuns ?? 0))
            {
                problems.Add($"maxRuns: must be at least the current budget of {spec.MaxRuns} (was {maxRuns})");
            }
            else if (maxRuns > rules.MaxRuns)
            {
                problems.Add($"maxRuns: must be at most {rules.MaxRuns:N0} (limit MaxRuns) (was {maxRuns})");
            }
        }

        return problems;
    }

    /// <summary>True when a TPE sweep still has budget for trials it has not proposed (held back while paused).</summary>
    private bool HasTrialsToPropose() => S.Spec is { Method: SearchMethod.Tpe, MaxRuns: { } budget } && S.Trials.Count < budget;

    /// <summary>Sends the scheduler the hold a paused sweep needs (after a restart, the scheduler may have missed it).</summary>
    private async Task RestoreHoldAsync()
    {
        if (S.Status == SweepStatus.Paused)
        {
            await HoldAsync(paused: true);
        }
    }

    /// <summary>A finished or cancelled sweep that was paused leaves no hold behind in the scheduler.</summary>
    private Task ReleaseHoldAsync() => HoldAsync(paused: false);

    private Task HoldAsync(bool paused) =>
        GrainFactory.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).SetSweepPausedAsync(SweepId, paused);

    private string NotLive(string rule) => S.Status == SweepStatus.NotSubmitted
        ? $"Sweep {ShortIds.Of(SweepId)} was never submitted; nothing to change."
        : $"Sweep {ShortIds.Of(SweepId)} already finished as {S.Status}; {rule}.";

    private static string Describe(int? now, int? before) => now == before ? $"{now}" : $"{now} (was {before?.ToString() ?? "unlimited"})";
}
