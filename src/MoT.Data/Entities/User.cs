namespace MoT.Data.Entities;

/// <summary>A team member; <see cref="Id"/> is the login name used in queries (<c>owner = "alice"</c>).</summary>
public class User
{
    public required string Id { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public DateTime CreatedAt { get; set; }
}
