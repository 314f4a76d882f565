using MoT.Dashboard.Accounts;
using MoT.Dashboard.Platform;
using MoT.Data.Checkpoints;

namespace MoT.Dashboard.Api;

/// <summary>Checkpoints: a run's recorded checkpoints, pin and unpin.</summary>
public static class CheckpointsApi
{
    public static RouteGroupBuilder MapCheckpointsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId}/checkpoints", async (string runId, CheckpointStore checkpoints, HttpContext http) =>
                TypedResults.Ok(await checkpoints.ListAsync(ApiInput.Id("runId", runId), http.RequestAborted)))
            .RequireAuthorization(Policies.Read).WithTags("Checkpoints").WithName("ListCheckpoints")
            .WithSummary("A run's recorded checkpoints, by step");

        var checkpoint = api.MapGroup("/checkpoints/{checkpointId}").WithTags("Checkpoints");
        checkpoint.MapPost("/pin", async (string checkpointId, PlatformCommands commands) =>
                TypedResults.Ok(await commands.SetCheckpointPinnedAsync(ApiInput.Id("checkpointId", checkpointId), pinned: true)))
            .RequireAuthorization(Policies.Pin).WithName("PinCheckpoint").WithSummary("Keeps a checkpoint through retention clean-up");
        checkpoint.MapPost("/unpin", async (string checkpointId, PlatformCommands commands) =>
                TypedResults.Ok(await commands.SetCheckpointPinnedAsync(ApiInput.Id("checkpointId", checkpointId), pinned: false)))
            .RequireAuthorization(Policies.Pin).WithName("UnpinCheckpoint").WithSummary("Lets retention clean-up delete a checkpoint again");
        return api;
    }
}
