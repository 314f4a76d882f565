using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.OpenApi;

namespace MoT.Dashboard.Api;

/// <summary>JSON shape, problem details and the OpenAPI document (/openapi/v1.json) of the HTTP API.</summary>
public static class ApiDocuments
{
    public static IServiceCollection AddMotApiDocuments(this IServiceCollection services)
    {
        // Enums as their names (status "Completed", not 3): what the filter language and the pages use too.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            // A bug: say so plainly and give the id to quote; the details stay in the server log.
            if (context.Exception is not null && context.ProblemDetails.Status is null or >= 500)
                context.ProblemDetails.Detail = $"the server failed on this request; quote request id {context.HttpContext.TraceIdentifier} to the operator";
        });
        services.AddOpenApi(o =>
        {
            // The API only: sign-in form posts are the pages' business, not a contract for scripts.
            o.ShouldInclude = description => description.RelativePath?.StartsWith(ApiEndpoints.Prefix.TrimStart('/'), StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Title, how to authenticate, and the bearer scheme every route requires (Scalar's "try it" uses it).</summary>
    private static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "MoT Platform API";
        document.Info.Description = "Runs, sweeps, checkpoints, leaderboard and cluster. Send a personal API token " +
            "(dashboard > API tokens) as 'Authorization: Bearer mot_...'.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A personal API token from the dashboard's API tokens page",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
    }
}
