using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Api;
using MoT.Dashboard.Hosting;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>One API route: its HTTP method and template (e.g. POST /api/v1/runs/{runId}/cancel).</summary>
public sealed record ApiRoute(string Method, string Template)
{
    public bool Mutates => Method is not "GET" and not "HEAD";

    /// <summary>The template with every parameter filled in by <paramref name="value"/>.</summary>
    public string Path(string value) => System.Text.RegularExpressions.Regex.Replace(Template, "{[^}]+}", value);

    public override string ToString() => $"{Method} {Template}";
}

/// <summary>
/// Every /api route, read from the endpoint data source of the dashboard as its host builds it (not a list kept by
/// hand), so a route added later is covered by the tests that enumerate them.
/// </summary>
public static class ApiRouteTable
{
    public static IReadOnlyList<ApiRoute> All { get; } = Load();

    private static List<ApiRoute> Load()
    {
        var data = Path.Combine(Path.GetTempPath(), "mot-route-table-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["Database:DataDirectory"] = data;
        builder.Configuration["Training:Executor"] = "simulated";
        builder.AddMotPlatform();
        builder.AddMotDashboard();
        var app = builder.Build(); // never started: only its endpoints are read
        app.MapMotDashboard();
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => ("/" + e.RoutePattern.RawText?.TrimStart('/')).StartsWith(ApiEndpoints.Prefix, StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new ApiRoute(m, "/" + e.RoutePattern.RawText!.TrimStart('/').TrimEnd('/'))))
            .Distinct()
            .OrderBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();
        return routes;
    }
}
