using Microsoft.Extensions.Options;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Hosting;
using MoT.Dashboard.Platform;

namespace MoT.Dashboard.Api;

/// <summary>The leaderboard and the cluster view, as their pages show them.</summary>
public static class ClusterApi
{
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/leaderboard", async (HttpRequest request, LeaderboardView boards, IOptions<DashboardOptions> options) =>
            {
                var query = request.Query;
                var evalSet = Bounded("evalSet", query["evalSet"]) ?? options.Value.DefaultEvalSet;
                var tokenizer = Bounded("tokenizer", query["tokenizer"]) ?? options.Value.DefaultTokenizer;
                return TypedResults.Ok(await boards.GetAsync(evalSet, tokenizer, Bounded("family", query["family"]), request.HttpContext.RequestAborted));
            })
            .RequireAuthorization(Policies.Read).WithTags("Leaderboard").WithName("GetLeaderboard")
            .WithSummary("Best runs per family and budget for an eval set and tokenizer (the dashboard's defaults when not given)");

        api.MapGet("/cluster", async (ClusterView cluster) => TypedResults.Ok(await cluster.GetAsync()))
            .RequireAuthorization(Policies.Read).WithTags("Cluster").WithName("GetCluster")
            .WithSummary("Silos, training slots and the queue in dispatch order");
        return api;
    }

    private static string? Bounded(string field, string? value) =>
        string.IsNullOrWhiteSpace(value) ? null
        : value.Length <= 200 ? value
        : throw new ApiInputException($"{field}: {value.Length} characters; at most 200");
}
