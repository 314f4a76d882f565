namespace MoT.Data.Entities;

/// <summary>A team member; <see cref="Id"/> is the login name used in queries (<c>owner = "alice"</c>).</summary>
public class User
{
    public required string Id { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public DateTime CreatedAt { get; set; }

    /// <summary>Password hash for dashboard sign-in (format owned by the dashboard); null: cannot sign in.</summary>
    public string? PasswordHash { get; set; }

    /// <summary>What the user may do on the dashboard: <c>viewer</c>, <c>researcher</c> or <c>admin</c>.</summary>
    public string Role { get; set; } = "viewer";

    /// <summary>The password was set by someone else (first-start seeding): sign-in leads only to changing it.</summary>
    public bool MustChangePassword { get; set; }
}
