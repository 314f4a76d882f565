namespace MoT.Data.Entities;

/// <summary>
/// A personal API token: a script acts as <see cref="UserId"/> with that user's current role. Only the SHA-256 of the
/// secret is stored; the secret itself is shown once, when the token is created.
/// </summary>
public class ApiToken
{
    public Guid Id { get; set; }
    public required string UserId { get; set; }
    public User? User { get; set; }

    /// <summary>What the owner called it ("laptop", "ci"), to tell tokens apart on the tokens page.</summary>
    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole token string; what a bearer token is looked up by.</summary>
    public required string SecretHash { get; set; }

    /// <summary>The first characters of the token (prefix included), shown so a user can recognise which one leaked.</summary>
    public required string Hint { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }

    /// <summary>When it was revoked; a revoked token authenticates nothing from then on.</summary>
    public DateTime? RevokedAt { get; set; }
}
