using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using MoT.Dashboard.Auditing;

namespace MoT.Dashboard.Accounts;

/// <summary>
/// The signed-in user of this scope, for server-side permission checks: the Blazor circuit's user, or the user of an
/// HTTP API request (bound by the API's endpoint filter through <see cref="BindRequest"/>).
/// </summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication, IAuthorizationService authorization, AuditLog audit)
{
    private ClaimsPrincipal? _requestUser;

    /// <summary>Makes this scope act for the authenticated user of an HTTP request (there is no circuit to ask).</summary>
    public void BindRequest(ClaimsPrincipal user) => _requestUser = user;

    public async Task<ClaimsPrincipal> GetPrincipalAsync() =>
        _requestUser ?? (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>The user's name; throws when nobody is signed in.</summary>
    public async Task<string> GetUserNameAsync()
    {
        var user = await GetPrincipalAsync();
        return user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? name
            : throw new UnauthorizedAccessException("Sign in first.");
    }

    /// <summary>The user's role (viewer when the principal names none).</summary>
    public async Task<string> GetRoleAsync()
    {
        var user = await GetPrincipalAsync();
        return Roles.All.LastOrDefault(user.IsInRole) ?? Roles.Viewer;
    }

    /// <summary>
    /// The user's name when <paramref name="policy"/> (one of <see cref="Policies"/>) admits them; otherwise throws
    /// naming the action. The same policy guards the page and the API route of the action.
    /// </summary>
    public async Task<string> RequireAsync(string policy, string action)
    {
        var user = await GetPrincipalAsync();
        var name = await GetUserNameAsync();
        if (!(await authorization.AuthorizeAsync(user, policy)).Succeeded)
        {
            await audit.RecordAsync(name, AuditActions.PermissionDenied, null, $"{AuditLog.Denied}: {action}");
            throw new UnauthorizedAccessException($"{name} is a {await GetRoleAsync()} and cannot {action}.");
        }

        return name;
    }
}
