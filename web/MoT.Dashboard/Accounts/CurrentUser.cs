using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using MoT.Dashboard.Auditing;

namespace MoT.Dashboard.Accounts;

/// <summary>The signed-in user of this circuit, for server-side permission checks.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authentication, AuditLog audit)
{
    public async Task<ClaimsPrincipal> GetPrincipalAsync() => (await authentication.GetAuthenticationStateAsync()).User;

    /// <summary>The user's name; throws when nobody is signed in.</summary>
    public async Task<string> GetUserNameAsync()
    {
        var user = await GetPrincipalAsync();
        return user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? name
            : throw new UnauthorizedAccessException("Sign in first.");
    }

    /// <summary>The user's name when they may launch, cancel, resume or fork; otherwise throws naming the reason.</summary>
    public async Task<string> RequireMutatorAsync(string action)
    {
        var user = await GetPrincipalAsync();
        var name = await GetUserNameAsync();
        if (!user.IsInRole(Roles.Researcher) && !user.IsInRole(Roles.Admin))
        {
            await audit.RecordAsync(name, AuditActions.PermissionDenied, null, $"{AuditLog.Denied}: {action}");
            throw new UnauthorizedAccessException($"{name} is a viewer and cannot {action}.");
        }

        return name;
    }
}
