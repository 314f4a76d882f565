using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MoT.Dashboard.Accounts;

/// <summary>
/// The <c>Authorization: Bearer mot_...</c> scheme of the HTTP API, beside the dashboard's cookie scheme. A failed
/// check answers 401 (no redirect to the sign-in page: scripts read status codes).
/// </summary>
public sealed class ApiTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var account = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (account is null) return AuthenticateResult.Fail("token rejected");
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, account.UserName), new Claim(ClaimTypes.Role, account.Role)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            "token rejected or missing: send 'Authorization: Bearer <token>' with a token from the dashboard's API tokens page");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            $"{Context.User.Identity?.Name} may not {ActionOf(Context)} (role {Roles.All.LastOrDefault(Context.User.IsInRole) ?? Roles.Viewer})");

    /// <summary>The action a denied request asked for, named by the route's policy.</summary>
    private static string ActionOf(HttpContext context)
    {
        var policies = context.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Select(a => a.Policy).OfType<string>().Where(p => p != Policies.Read).ToList() ?? [];
        return policies.Count > 0 ? string.Join(", ", policies) : "do this";
    }

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
