using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Runs;
using MoT.Data.Annotations;
using MoT.Data.Checkpoints;

namespace MoT.Dashboard.Platform;

/// <summary>
/// Every change the dashboard makes to the platform, each checked server-side against the signed-in user's role and
/// recorded with that user as owner. Pages hide the buttons too; this is the check that counts.
/// </summary>
public sealed class PlatformCommands(
    IGrainFactory grains, CurrentUser user, RunCatalog catalog, CheckpointStore checkpoints, ILogger<PlatformCommands> logger,
    RunAnnotations? annotations = null)
{
    // Optional only so that hosts and tests without a run store can build the commands that need none.
    private RunAnnotations Annotations => annotations ?? throw new InvalidOperationException("this dashboard has no run store to keep names, tags and notes in");

    /// <summary>Queues a single run.</summary>
    public async Task<Guid> LaunchRunAsync(string configJson, int priority = 0)
    {
        var owner = await user.RequireMutatorAsync("launch runs");
        var runId = Guid.NewGuid();
        await grains.GetGrain<IRunGrain>(runId).CreateAsync(new RunSpec(configJson, owner, priority));
        catalog.AddRun(runId);
        return runId;
    }

    /// <summary>Submits a sweep as the signed-in user (the spec's owner is replaced).</summary>
    public async Task<(Guid SweepId, SweepSubmission Submission)> LaunchSweepAsync(SweepSpec spec)
    {
        var owner = await user.RequireMutatorAsync("launch sweeps");
        var sweepId = Guid.NewGuid();
        var submission = await grains.GetGrain<ISweepGrain>(sweepId).SubmitAsync(spec with { Owner = owner });
        if (submission.Accepted)
        {
            catalog.AddSweep(sweepId);
            foreach (var runId in submission.RunIds) catalog.AddRun(runId);
        }

        return (sweepId, submission);
    }

    public async Task<CommandResult> CancelRunAsync(Guid runId)
    {
        var name = await user.RequireMutatorAsync("cancel runs");
        return await grains.GetGrain<IRunGrain>(runId).CancelAsync($"by {name} from the dashboard");
    }

    public async Task<CommandResult> CancelSweepAsync(Guid sweepId)
    {
        var name = await user.RequireMutatorAsync("cancel sweeps");
        return await grains.GetGrain<ISweepGrain>(sweepId).CancelAsync($"by {name} from the dashboard");
    }

    /// <summary>Holds a sweep: no new trial starts, trials already training go on.</summary>
    public async Task<CommandResult> PauseSweepAsync(Guid sweepId)
    {
        var name = await user.RequireMutatorAsync("pause sweeps");
        return await grains.GetGrain<ISweepGrain>(sweepId).PauseAsync($"{name} (dashboard)");
    }

    /// <summary>Lets a paused sweep go on where it left.</summary>
    public async Task<CommandResult> ResumeSweepAsync(Guid sweepId)
    {
        var name = await user.RequireMutatorAsync("resume sweeps");
        return await grains.GetGrain<ISweepGrain>(sweepId).ResumeAsync($"{name} (dashboard)");
    }

    /// <summary>The spec a "clone with edits" starts from (null: no such sweep); the clone is launched like any new sweep.</summary>
    public async Task<SweepSpec?> SweepToCloneAsync(Guid sweepId)
    {
        await user.RequireMutatorAsync("clone sweeps");
        return (await grains.GetGrain<ISweepGrain>(sweepId).GetSnapshotAsync()).Spec;
    }

    /// <summary>Raises a running or paused sweep's budget; the trials it adds show up in the run lists.</summary>
    public async Task<CommandResult> ExtendSweepAsync(Guid sweepId, SweepBudget budget)
    {
        var name = await user.RequireMutatorAsync("change sweep budgets");
        var sweep = grains.GetGrain<ISweepGrain>(sweepId);
        var result = await sweep.ExtendAsync(budget, $"{name} (dashboard)");
        if (result.Changed)
        {
            foreach (var trial in (await sweep.GetSnapshotAsync()).Trials) catalog.AddRun(trial.RunId);
        }

        return result;
    }

    /// <summary>Names a run; a blank name gives back its generated one.</summary>
    public async Task<RunAnnotation> RenameRunAsync(Guid runId, string? name)
    {
        await user.RequireMutatorAsync("rename runs");
        return await Annotations.RenameAsync(runId, name);
    }

    /// <summary>Replaces a run's tags (what <c>tag:x</c> filters on).</summary>
    public async Task<RunAnnotation> SetRunTagsAsync(Guid runId, IEnumerable<string> tags)
    {
        await user.RequireMutatorAsync("tag runs");
        return await Annotations.SetTagsAsync(runId, tags);
    }

    /// <summary>Replaces a run's notes.</summary>
    public async Task<RunAnnotation> SetRunNotesAsync(Guid runId, string? notes)
    {
        await user.RequireMutatorAsync("edit run notes");
        return await Annotations.SetNotesAsync(runId, notes);
    }

    public async Task<Guid> ResumeAsync(Guid runId)
    {
        var owner = await user.RequireMutatorAsync("resume runs");
        return Track(await grains.GetGrain<IRunGrain>(runId).ResumeAsync(owner));
    }

    public async Task<Guid> ForkAsync(Guid runId, string? configJson)
    {
        var owner = await user.RequireMutatorAsync("fork runs");
        return Track(await grains.GetGrain<IRunGrain>(runId).ForkAsync(owner, configJson));
    }

    public async Task<Guid> TransitionTuneAsync(Guid runId, string targetConfigJson)
    {
        var owner = await user.RequireMutatorAsync("transition-tune runs");
        return Track(await grains.GetGrain<IRunGrain>(runId).TransitionTuneAsync(owner, targetConfigJson));
    }

    /// <summary>Pins (keeps through retention clean-up) or unpins a recorded checkpoint.</summary>
    public async Task<CheckpointSummary> SetCheckpointPinnedAsync(Guid checkpointId, bool pinned)
    {
        var name = await user.RequireMutatorAsync(pinned ? "pin checkpoints" : "unpin checkpoints");
        var checkpoint = await checkpoints.SetPinnedAsync(checkpointId, pinned);
        // The checkpoints table has no column for it: the log is the record of who pinned what.
        logger.LogInformation("{User} {Action} checkpoint {CheckpointId} of run {RunId} at step {Step}",
            name, pinned ? "pinned" : "unpinned", checkpoint.Id, checkpoint.RunId, checkpoint.Step);
        return checkpoint;
    }

    private Guid Track(Guid runId)
    {
        catalog.AddRun(runId);
        return runId;
    }
}
