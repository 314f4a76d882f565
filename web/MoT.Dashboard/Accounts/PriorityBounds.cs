namespace MoT.Dashboard.Accounts;

/// <summary>
/// How far a role may move its work in the queue (higher priority dispatches first). Researchers share the cluster as
/// equals within ±<see cref="Researcher"/>; admins may use the whole range the sweep reader accepts, to push urgent
/// work ahead of everyone.
/// </summary>
public static class PriorityBounds
{
    public const int Researcher = 100;
    public const int Admin = 1_000_000;

    /// <summary>The largest magnitude a role may set.</summary>
    public static int For(string role) => role == Roles.Admin ? Admin : Researcher;

    /// <summary>Null when <paramref name="priority"/> is within the role's bounds, else the one-line reason.</summary>
    public static string? Check(int priority, string role)
    {
        var bound = For(role);
        return Math.Abs((long)priority) <= bound
            ? null
            : $"priority: {priority} is outside -{bound}..{bound}, the range a {role} may set";
    }
}
