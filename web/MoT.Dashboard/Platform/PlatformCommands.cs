using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Runs;
using MoT.Data.Checkpoints;

namespace MoT.Dashboard.Platform;

/// <summary>
/// Every change the dashboard makes to the platform, each checked server-side against the signed-in user's role and
/// recorded with that user as owner. Pages hide the buttons too; this is the check that counts.
/// </summary>
public sealed class PlatformCommands(IGrainFactory grains, CurrentUser user, RunCatalog catalog, CheckpointStore checkpoints, ILogger<PlatformCommands> logger)
{
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

    /// <summary>
    /// Continues a run from its last checkpoint for <paramref name="additionalSteps"/> more steps; without them only an
    /// interrupted run resumes (to its planned total): a finished one is refused rather than copied.
    /// </summary>
    public async Task<Guid> ResumeAsync(Guid runId, long? additionalSteps = null)
    {
        var owner = await user.RequireMutatorAsync("resume runs");
        return Track(await grains.GetGrain<IRunGrain>(runId).ResumeAsync(owner, additionalSteps));
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
