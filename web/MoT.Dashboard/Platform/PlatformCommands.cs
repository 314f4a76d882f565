using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Auditing;
using MoT.Dashboard.Runs;
using MoT.Data.Annotations;
using MoT.Data.Checkpoints;

namespace MoT.Dashboard.Platform;

/// <summary>
/// Every change a user makes to the platform, from a page or the HTTP API: each checked server-side against the
/// action's policy (<see cref="Policies"/>) and recorded with the signed-in user as owner (never a name the caller
/// passes in). Pages hide the buttons and the API checks the policy on the route too; this is the check that counts.
/// </summary>
public sealed class PlatformCommands(
    IGrainFactory grains, CurrentUser user, RunCatalog catalog, CheckpointStore checkpoints, AuditLog audit, ILogger<PlatformCommands> logger,
    RunAnnotations? annotations = null, RunReader? runs = null)
{
    // Optional only so that hosts and tests without a run store can build the commands that need none.
    private RunAnnotations Annotations => annotations ?? throw new InvalidOperationException("this dashboard has no run store to keep names, tags and notes in");

    /// <summary>Queues a single run; <paramref name="priority"/> must be within the user's role bounds (<see cref="PriorityBounds"/>).</summary>
    public async Task<Guid> LaunchRunAsync(string configJson, int priority = 0)
    {
        var owner = await user.RequireAsync(Policies.Launch, "launch runs");
        await RequirePriorityAsync(priority);
        var runId = Guid.NewGuid();
        await grains.GetGrain<IRunGrain>(runId).CreateAsync(new RunSpec(configJson, owner, priority));
        catalog.AddRun(runId);
        await audit.RecordAsync(owner, AuditActions.RunLaunch, runId);
        return runId;
    }

    /// <summary>Submits a sweep as the signed-in user (the spec's owner is replaced; its priority must be within the role's bounds).</summary>
    public async Task<(Guid SweepId, SweepSubmission Submission)> LaunchSweepAsync(SweepSpec spec)
    {
        var owner = await user.RequireAsync(Policies.Launch, "launch sweeps");
        await RequirePriorityAsync(spec.Priority);
        var sweepId = Guid.NewGuid();
        var submission = await grains.GetGrain<ISweepGrain>(sweepId).SubmitAsync(spec with { Owner = owner });
        if (submission.Accepted)
        {
            catalog.AddSweep(sweepId);
            foreach (var runId in submission.RunIds) catalog.AddRun(runId);
        }

        await audit.RecordAsync(owner, AuditActions.SweepSubmit, sweepId, submission.Accepted ? AuditLog.Ok : "refused: " + string.Join("; ", submission.Errors));
        return (sweepId, submission);
    }

    public async Task<CommandResult> CancelRunAsync(Guid runId)
    {
        var name = await user.RequireAsync(Policies.Cancel, "cancel runs");
        CommandResult result;
        try
        {
            result = await grains.GetGrain<IRunGrain>(runId).CancelAsync($"by {name}");
        }
        catch (KeyNotFoundException) when (runs is not null)
        {
            // A sweep's trial whose run is not created yet (an id nobody handed out is still not found here).
            var listed = await runs.GetAsync(runId);
            result = new CommandResult(false, listed.Status.IsTerminal()
                ? $"Run {ShortIds.Of(runId)} already finished as {listed.Status}; nothing to stop."
                : $"Run {ShortIds.Of(runId)} is not created yet: sweep {ShortIds.Of(listed.Spec.SweepId ?? Guid.Empty)} creates it within seconds. Cancel it then, or cancel the sweep.");
        }

        return await Audited(name, AuditActions.RunCancel, runId, result);
    }

    public async Task<CommandResult> CancelSweepAsync(Guid sweepId)
    {
        var name = await user.RequireAsync(Policies.Cancel, "cancel sweeps");
        return await Audited(name, AuditActions.SweepCancel, sweepId, await grains.GetGrain<ISweepGrain>(sweepId).CancelAsync($"by {name}"));
    }

    /// <summary>Holds a sweep: no new trial starts, trials already training go on.</summary>
    public async Task<CommandResult> PauseSweepAsync(Guid sweepId)
    {
        var name = await user.RequireAsync(Policies.Control, "pause sweeps");
        return await Audited(name, AuditActions.SweepPause, sweepId, await grains.GetGrain<ISweepGrain>(sweepId).PauseAsync(name));
    }

    /// <summary>Lets a paused sweep go on where it left.</summary>
    public async Task<CommandResult> ResumeSweepAsync(Guid sweepId)
    {
        var name = await user.RequireAsync(Policies.Control, "resume sweeps");
        return await Audited(name, AuditActions.SweepResume, sweepId, await grains.GetGrain<ISweepGrain>(sweepId).ResumeAsync(name));
    }

    /// <summary>The spec a "clone with edits" starts from (null: no such sweep); the clone is launched like any new sweep.</summary>
    public async Task<SweepSpec?> SweepToCloneAsync(Guid sweepId)
    {
        await user.RequireAsync(Policies.Launch, "clone sweeps");
        return (await grains.GetGrain<ISweepGrain>(sweepId).GetSnapshotAsync()).Spec;
    }

    /// <summary>Raises a running or paused sweep's budget; the trials it adds show up in the run lists.</summary>
    public async Task<CommandResult> ExtendSweepAsync(Guid sweepId, SweepBudget budget)
    {
        var name = await user.RequireAsync(Policies.Control, "change sweep budgets");
        var sweep = grains.GetGrain<ISweepGrain>(sweepId);
        var result = await Audited(name, AuditActions.SweepExtend, sweepId, await sweep.ExtendAsync(budget, name));
        if (result.Changed)
        {
            foreach (var trial in (await sweep.GetSnapshotAsync()).Trials) catalog.AddRun(trial.RunId);
        }

        return result;
    }

    /// <summary>Names a run; a blank name gives back its generated one.</summary>
    public Task<RunAnnotation> RenameRunAsync(Guid runId, string? name) =>
        AnnotateAsync(runId, "rename runs", "name", () => Annotations.RenameAsync(runId, name));

    /// <summary>Replaces a run's tags (what <c>tag:x</c> filters on).</summary>
    public Task<RunAnnotation> SetRunTagsAsync(Guid runId, IEnumerable<string> tags) =>
        AnnotateAsync(runId, "tag runs", "tags", () => Annotations.SetTagsAsync(runId, tags));

    /// <summary>Replaces a run's notes.</summary>
    public Task<RunAnnotation> SetRunNotesAsync(Guid runId, string? notes) =>
        AnnotateAsync(runId, "edit run notes", "notes", () => Annotations.SetNotesAsync(runId, notes));

    /// <summary>One annotation change: the annotate policy, the change, one audit row naming what changed.</summary>
    private async Task<RunAnnotation> AnnotateAsync(Guid runId, string action, string what, Func<Task<RunAnnotation>> change)
    {
        var by = await user.RequireAsync(Policies.Annotate, action);
        var annotation = await change();
        await audit.RecordAsync(by, AuditActions.RunAnnotate, runId, $"{AuditLog.Ok}: {what}");
        return annotation;
    }

    /// <summary>
    /// Continues a run from its last checkpoint for <paramref name="additionalSteps"/> more steps; without them only an
    /// interrupted run resumes (to its planned total): a finished one is refused rather than copied.
    /// </summary>
    public async Task<Guid> ResumeAsync(Guid runId, long? additionalSteps = null)
    {
        var owner = await user.RequireAsync(Policies.Resume, "resume runs");
        return await Track(owner, AuditActions.RunResume, runId, await grains.GetGrain<IRunGrain>(runId).ResumeAsync(owner, additionalSteps));
    }

    public async Task<Guid> ForkAsync(Guid runId, string? configJson)
    {
        var owner = await user.RequireAsync(Policies.Fork, "fork runs");
        return await Track(owner, AuditActions.RunFork, runId, await grains.GetGrain<IRunGrain>(runId).ForkAsync(owner, configJson));
    }

    public async Task<Guid> TransitionTuneAsync(Guid runId, string targetConfigJson)
    {
        var owner = await user.RequireAsync(Policies.Transition, "transition-tune runs");
        return await Track(owner, AuditActions.RunTransitionTune, runId, await grains.GetGrain<IRunGrain>(runId).TransitionTuneAsync(owner, targetConfigJson));
    }

    /// <summary>Pins (keeps through retention clean-up) or unpins a recorded checkpoint.</summary>
    public async Task<CheckpointSummary> SetCheckpointPinnedAsync(Guid checkpointId, bool pinned)
    {
        var name = await user.RequireAsync(Policies.Pin, pinned ? "pin checkpoints" : "unpin checkpoints");
        var checkpoint = await checkpoints.SetPinnedAsync(checkpointId, pinned);
        await audit.RecordAsync(name, pinned ? AuditActions.CheckpointPin : AuditActions.CheckpointUnpin, checkpointId);
        // The checkpoints table has no column for it: the log is the record of who pinned what.
        logger.LogInformation("{User} {Action} checkpoint {CheckpointId} of run {RunId} at step {Step}",
            name, pinned ? "pinned" : "unpinned", checkpoint.Id, checkpoint.RunId, checkpoint.Step);
        return checkpoint;
    }

    private async Task RequirePriorityAsync(int priority)
    {
        if (PriorityBounds.Check(priority, await user.GetRoleAsync()) is { } problem)
            throw new ArgumentException(problem); // no parameter name: it would add " (Parameter ...)" to the one line users see
    }

    /// <summary>Lists the new run and records the command on <paramref name="sourceRunId"/> with the run it created.</summary>
    private async Task<Guid> Track(string userName, string action, Guid sourceRunId, Guid runId)
    {
        catalog.AddRun(runId);
        await audit.RecordAsync(userName, action, sourceRunId, $"{AuditLog.Ok}: new run {runId}");
        return runId;
    }

    private async Task<CommandResult> Audited(string userName, string action, Guid targetId, CommandResult result)
    {
        await audit.RecordAsync(userName, action, targetId, result.Changed ? AuditLog.Ok : "unchanged: " + result.Message);
        return result;
    }
}
