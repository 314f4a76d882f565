using MoT.Contracts.Sweeps;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Platform;
using MoT.Silo.Sweeps;
using MoT.Training.Configuration;

namespace MoT.Dashboard.Api;

/// <summary>Sweeps: submit a sweep document (the YAML that <c>mot sweep submit</c> reads, or the same as JSON), status, cancel, pause, resume, extend.</summary>
public static class SweepsApi
{
    public static RouteGroupBuilder MapSweepsApi(this RouteGroupBuilder api)
    {
        var sweeps = api.MapGroup("/sweeps").WithTags("Sweeps");

        sweeps.MapPost("/", async (HttpRequest request, PlatformCommands commands, CurrentUser user, InputLimits limits) =>
            {
                // JSON is YAML too: one reader, one schema, one set of messages for the file, the page and the API.
                // The document has no owner key (the reader refuses one): the sweep belongs to the token's user.
                var text = await ApiInput.TextAsync(request, (int)Math.Min(limits.MaxFileBytes, ApiInput.MaxBodyBytes));
                var read = SweepFile.Parse(text, await user.GetUserNameAsync(), limits, "body");
                if (read.Spec is null) return Refused(read.Errors);
                var (sweepId, submission) = await commands.LaunchSweepAsync(read.Spec);
                return submission.Accepted
                    ? Results.Created($"{ApiEndpoints.Prefix}/sweeps/{sweepId}", new SweepCreated(sweepId, submission.RunIds, submission.Seed))
                    : Refused(submission.Errors);
            })
            .RequireAuthorization(Policies.Launch).WithName("SubmitSweep")
            .Accepts<string>("application/yaml", "application/json", "text/yaml", "text/plain")
            .Produces<SweepCreated>(StatusCodes.Status201Created)
            .WithSummary("Submits a sweep document (YAML or JSON, as mot sweep submit reads it); 400 lists every problem by key path");

        sweeps.MapGet("/{sweepId}", async (string sweepId, IGrainFactory grains) =>
            {
                var id = ApiInput.Id("sweepId", sweepId);
                var snapshot = await grains.GetGrain<ISweepGrain>(id).GetSnapshotAsync();
                return snapshot.Spec is null
                    ? ApiProblems.Problem(StatusCodes.Status404NotFound, $"sweepId: no sweep {MoT.Contracts.ShortIds.Of(id)} was submitted")
                    : Results.Ok(new { snapshot.SweepId, snapshot.Status, snapshot.Spec, snapshot.Trials, snapshot.BestRunId, snapshot.BestEvalLoss, snapshot.Counts });
            })
            .RequireAuthorization(Policies.Read).WithName("GetSweep").Produces<SweepSnapshot>()
            .WithSummary("A sweep's status, trials and best run so far");

        sweeps.MapPost("/{sweepId}/cancel", async (string sweepId, PlatformCommands commands) =>
                RunsApi.ToOutcome(await commands.CancelSweepAsync(ApiInput.Id("sweepId", sweepId))))
            .RequireAuthorization(Policies.Cancel).WithName("CancelSweep").WithSummary("Cancels a sweep and its unfinished trials");

        sweeps.MapPost("/{sweepId}/pause", async (string sweepId, PlatformCommands commands) =>
                RunsApi.ToOutcome(await commands.PauseSweepAsync(ApiInput.Id("sweepId", sweepId))))
            .RequireAuthorization(Policies.Control).WithName("PauseSweep")
            .WithSummary("Holds a sweep: no new trial starts, trials already training go on (changed: false with the reason when it cannot)");

        sweeps.MapPost("/{sweepId}/resume", async (string sweepId, PlatformCommands commands) =>
                RunsApi.ToOutcome(await commands.ResumeSweepAsync(ApiInput.Id("sweepId", sweepId))))
            .RequireAuthorization(Policies.Control).WithName("ResumeSweep").WithSummary("Lets a paused sweep go on where it left");

        sweeps.MapPost("/{sweepId}/extend", async (string sweepId, SweepBudget budget, PlatformCommands commands) =>
                RunsApi.ToOutcome(await commands.ExtendSweepAsync(ApiInput.Id("sweepId", sweepId), budget)))
            .RequireAuthorization(Policies.Control).WithName("ExtendSweep")
            .WithSummary("Raises a running or paused sweep's budget: maxRuns (trials in all; random and tpe) and/or maxConcurrentRuns");

        return api;
    }

    private static IResult Refused(IReadOnlyList<SpecError> errors) =>
        ApiProblems.Problem(StatusCodes.Status400BadRequest,
            errors.Count == 1 ? errors[0].ToString() : $"the sweep has {errors.Count} problems; first: {errors[0]}",
            new Dictionary<string, object?> { ["errors"] = errors.Select(e => new { e.Path, e.Message }).ToList() });
}
