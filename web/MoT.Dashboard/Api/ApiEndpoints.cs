using MoT.Dashboard.Accounts;

namespace MoT.Dashboard.Api;

/// <summary>
/// The HTTP API under <c>/api/v1</c>: bearer tokens only (a cookie does not authenticate it, so no other site can make
/// a signed-in browser call it), every route behind the policy of its action, errors as problem+json.
/// </summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static IEndpointRouteBuilder MapMotApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix)
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute { AuthenticationSchemes = ApiTokenAuthenticationHandler.SchemeName })
            .AddEndpointFilter(BindUser)
            .AddEndpointFilter(ApiProblems.Filter)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/me", (HttpContext http) =>
                new WhoAmI(http.User.Identity!.Name!, Roles.All.LastOrDefault(http.User.IsInRole) ?? Roles.Viewer))
            .RequireAuthorization(Policies.Read).WithName("WhoAmI").WithSummary("The user and role the token acts for");
        api.MapRunsApi();
        api.MapSweepsApi();
        api.MapCheckpointsApi();
        api.MapClusterApi();
        return endpoints;
    }

    /// <summary>The application services act for the request's user (<see cref="CurrentUser"/> has no circuit here).</summary>
    private static ValueTask<object?> BindUser(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.RequestServices.GetRequiredService<CurrentUser>().BindRequest(context.HttpContext.User);
        return next(context);
    }
}
