using Microsoft.AspNetCore.Authorization;

namespace MoT.Dashboard.Accounts;

/// <summary>
/// One authorization policy per action, used by the pages (<c>[Authorize(Policy = ...)]</c>, <c>AuthorizeView</c>), the
/// HTTP API (<c>RequireAuthorization</c>) and <see cref="MoT.Dashboard.Platform.PlatformCommands"/>' server-side check.
/// </summary>
public static class Policies
{
    /// <summary>Read runs, sweeps, checkpoints, the leaderboard and the cluster: every signed-in role.</summary>
    public const string Read = "read";
    public const string Launch = "launch";
    public const string Cancel = "cancel";
    public const string Resume = "resume";
    public const string Fork = "fork";
    public const string Transition = "transition";
    public const string Pin = "pin";
    /// <summary>Pause, resume and raise the budget of a sweep.</summary>
    public const string Control = "control";
    /// <summary>Rename runs, set their tags and notes.</summary>
    public const string Annotate = "annotate";
    /// <summary>Manage accounts.</summary>
    public const string Admin = "admin";

    /// <summary>Every policy and the roles it admits (what the API reference and the README list).</summary>
    public static IReadOnlyDictionary<string, string[]> RolesByPolicy { get; } = new Dictionary<string, string[]>
    {
        [Read] = [Roles.Viewer, Roles.Researcher, Roles.Admin],
        [Launch] = [Roles.Researcher, Roles.Admin],
        [Cancel] = [Roles.Researcher, Roles.Admin],
        [Resume] = [Roles.Researcher, Roles.Admin],
        [Fork] = [Roles.Researcher, Roles.Admin],
        [Transition] = [Roles.Researcher, Roles.Admin],
        [Pin] = [Roles.Researcher, Roles.Admin],
        [Control] = [Roles.Researcher, Roles.Admin],
        [Annotate] = [Roles.Researcher, Roles.Admin],
        [Admin] = [Roles.Admin],
    };

    /// <summary>Registers every policy: an authenticated user in one of the policy's roles.</summary>
    public static AuthorizationBuilder AddMotPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var (name, roles) in RolesByPolicy)
            authorization.AddPolicy(name, policy => policy.RequireAuthenticatedUser().RequireRole(roles));
        return authorization;
    }
}
