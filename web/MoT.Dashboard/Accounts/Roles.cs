namespace MoT.Dashboard.Accounts;

/// <summary>Dashboard roles, from least to most privileged.</summary>
public static class Roles
{
    /// <summary>Reads everything, changes nothing.</summary>
    public const string Viewer = "viewer";
    /// <summary>Launches, cancels, resumes, forks and transition-tunes runs and sweeps.</summary>
    public const string Researcher = "researcher";
    /// <summary>A researcher who also manages accounts.</summary>
    public const string Admin = "admin";

    /// <summary>Roles allowed to change the platform (launch, cancel, resume...).</summary>
    public const string Mutators = Researcher + "," + Admin;

    public static IReadOnlyList<string> All { get; } = [Viewer, Researcher, Admin];

    /// <summary>The canonical role name, or null when <paramref name="role"/> is not a role.</summary>
    public static string? Normalize(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));

    public static bool CanMutate(string? role) => role is Researcher or Admin;
}
