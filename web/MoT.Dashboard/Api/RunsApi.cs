using MoT.Contracts.Runs;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Platform;
using MoT.Dashboard.Runs;
using MoT.Data.Queries;
using MoT.Data.RunLogs;

namespace MoT.Dashboard.Api;

/// <summary>Runs: query with the filter language, one run, its metrics, and the commands of the run page.</summary>
public static class RunsApi
{
    public const int MaxMetricPoints = 5000;

    /// <summary>Console lines one log request returns by default.</summary>
    public const int DefaultLogLines = 1000;

    public static RouteGroupBuilder MapRunsApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Runs");

        runs.MapGet("/", async (HttpRequest request, IRunHistory history) =>
            {
                var query = request.Query;
                var pageSize = ApiInput.Int("pageSize", query["pageSize"], 50, 1, RunQueryService.MaxPageSize);
                return TypedResults.Ok(await history.QueryAsync(Given(query["filter"]), Given(query["sort"]), pageSize, Given(query["cursor"]), request.HttpContext.RequestAborted));
            })
            .RequireAuthorization(Policies.Read).WithName("QueryRuns")
            .WithSummary("Runs matching filter (the runs page's filter language), sorted by sort (e.g. -created), a page at a time (pass nextCursor back as cursor)");

        runs.MapPost("/", async (HttpRequest request, PlatformCommands commands) =>
            {
                var body = await ApiInput.JsonAsync<LaunchRunRequest>(request);
                var runId = await commands.LaunchRunAsync(ConfigText("config", body.Config), body.Priority);
                return TypedResults.Created($"{ApiEndpoints.Prefix}/runs/{runId}", new RunCreated(runId));
            })
            .RequireAuthorization(Policies.Launch).Accepts<LaunchRunRequest>("application/json").WithName("LaunchRun")
            .WithSummary("Queues one run owned by the token's user; priority within the role's bounds");

        runs.MapGet("/{runId}", async (string runId, HttpRequest request, RunReader reader) =>
                TypedResults.Ok(await reader.GetAsync(ApiInput.Id("runId", runId), request.HttpContext.RequestAborted)))
            .RequireAuthorization(Policies.Read).WithName("GetRun").WithSummary("One run: spec, status, attempts, progress, eval history");

        runs.MapGet("/{runId}/metrics", async (string runId, HttpRequest request, IRunHistory history) =>
            {
                var id = ApiInput.Id("runId", runId);
                var maxPoints = ApiInput.Int("maxPoints", request.Query["maxPoints"], 500, MinMaxCurve.MinBudget, MaxMetricPoints);
                var series = await history.GetMetricsAsync(id, maxPoints, cancellationToken: request.HttpContext.RequestAborted);
                return TypedResults.Ok(series.Select(s => new MetricSeriesDto(s.Name, (int)Math.Min(int.MaxValue, s.Recorded),
                    [.. s.Points.Select(p => new MetricPointDto(p.Step, p.Value))])).ToList());
            })
            .RequireAuthorization(Policies.Read).WithName("GetRunMetrics")
            .WithSummary("Recorded metrics of a run, each downsampled by the store to at most maxPoints (default 500): the first and last point and every step range's min and max");

        runs.MapGet("/{runId}/log", async (string runId, HttpRequest request, IRunConsoleLog console) =>
            {
                var id = ApiInput.Id("runId", runId);
                var query = request.Query;
                var cancel = request.HttpContext.RequestAborted;
                if (!string.IsNullOrEmpty(query["tail"]))
                {
                    if (!string.IsNullOrEmpty(query["after"]) || !string.IsNullOrEmpty(query["limit"]))
                        throw new ApiInputException("tail: cannot be combined with after or limit (tail reads the last lines, after/limit page from a line number)");
                    return TypedResults.Ok(await console.TailAsync(id, ApiInput.Int("tail", query["tail"], DefaultLogLines, 1, RunLogQuery.MaxLimit), cancel));
                }

                var after = ApiInput.Long("after", query["after"], 0, 0, long.MaxValue);
                var limit = ApiInput.Int("limit", query["limit"], DefaultLogLines, 1, RunLogQuery.MaxLimit);
                return TypedResults.Ok(await console.AfterAsync(id, after, limit, cancel));
            })
            .RequireAuthorization(Policies.Read).WithName("GetRunLog")
            .WithSummary("The run's console log, oldest first: lines numbered after `after` (default 0), at most `limit` (default 1000); " +
                "or the last `tail` lines. Follow a run by asking again with after = the last line's sequence; omittedBefore counts lines the store's bound removed");

        runs.MapGet("/{runId}/log.txt", async (string runId, HttpContext http, IRunConsoleLog console) =>
            {
                var id = ApiInput.Id("runId", runId);
                // The first page before any byte is sent: an unknown run still answers 404 problem+json, not a half-written file.
                _ = await console.AfterAsync(id, 0, 1, http.RequestAborted);
                await RunConsoleText.WriteFileAsync(console, id, http);
                return Results.Empty;
            })
            .RequireAuthorization(Policies.Read).WithName("DownloadRunLog").Produces<string>(200, "text/plain")
            .WithSummary("The run's whole stored console log as a text file");

        runs.MapPost("/{runId}/cancel", async (string runId, PlatformCommands commands) =>
                ToOutcome(await commands.CancelRunAsync(ApiInput.Id("runId", runId))))
            .RequireAuthorization(Policies.Cancel).WithName("CancelRun").WithSummary("Cancels a queued or training run");

        runs.MapPost("/{runId}/resume", async (string runId, HttpRequest request, PlatformCommands commands) =>
            {
                var id = ApiInput.Id("runId", runId);
                var body = request.ContentLength is 0 or null && !request.Headers.ContainsKey("Transfer-Encoding")
                    ? new ResumeRequest()
                    : await ApiInput.JsonAsync<ResumeRequest>(request);
                return Created(await commands.ResumeAsync(id, body.AdditionalSteps));
            })
            .RequireAuthorization(Policies.Resume).Accepts<ResumeRequest>("application/json").WithName("ResumeRun")
            .WithSummary("Continues a run from its last checkpoint for additionalSteps more steps (without them only an interrupted run resumes, to its planned total)");

        runs.MapPost("/{runId}/fork", async (string runId, HttpRequest request, PlatformCommands commands) =>
            {
                var id = ApiInput.Id("runId", runId);
                var body = request.ContentLength is 0 or null && !request.Headers.ContainsKey("Transfer-Encoding")
                    ? new ForkRequest()
                    : await ApiInput.JsonAsync<ForkRequest>(request);
                return Created(await commands.ForkAsync(id, body.Config is { } config ? ConfigText("config", config) : null));
            })
            .RequireAuthorization(Policies.Fork).Accepts<ForkRequest>("application/json").WithName("ForkRun")
            .WithSummary("A new run from this run's last checkpoint, with the same or a changed config");

        runs.MapPost("/{runId}/transition-tune", async (string runId, HttpRequest request, PlatformCommands commands) =>
            {
                var id = ApiInput.Id("runId", runId);
                var body = await ApiInput.JsonAsync<TransitionTuneRequest>(request);
                return Created(await commands.TransitionTuneAsync(id, ConfigText("config", body.Config)));
            })
            .RequireAuthorization(Policies.Transition).Accepts<TransitionTuneRequest>("application/json").WithName("TransitionTuneRun")
            .WithSummary("A token-choice run converted from this MoT run's last checkpoint");

        return api;
    }

    /// <summary>An empty query value is the same as none (scripts build URLs with every key).</summary>
    private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;

    internal static CommandOutcome ToOutcome(CommandResult result) => new(result.Changed, result.Message);

    private static Microsoft.AspNetCore.Http.HttpResults.Created<RunCreated> Created(Guid runId) =>
        TypedResults.Created($"{ApiEndpoints.Prefix}/runs/{runId}", new RunCreated(runId));

    /// <summary>A config field must be a JSON object; the grains judge its contents.</summary>
    private static string ConfigText(string field, System.Text.Json.JsonElement config) =>
        config.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Object => config.GetRawText(),
            System.Text.Json.JsonValueKind.Undefined => throw new ApiInputException($"{field}: is required (the run config, a JSON object)"),
            _ => throw new ApiInputException($"{field}: must be a JSON object (the run config), got {config.ValueKind.ToString().ToLowerInvariant()}"),
        };
}
