using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MoT.Data;
using MoT.Data.Entities;

namespace MoT.Dashboard.Accounts;

/// <summary>A token as its owner sees it on the tokens page (never the secret).</summary>
public sealed record ApiTokenInfo(Guid Id, string Name, string Hint, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A token just created: <see cref="Secret"/> is shown this once and stored only as a hash.</summary>
public sealed record CreatedApiToken(ApiTokenInfo Info, string Secret);

/// <summary>
/// Personal API tokens: <c>mot_</c> followed by 32 random bytes (base64url). Stored as the SHA-256 of the whole string;
/// a slow hash buys nothing for 256 random bits. Every check reads the database, so a revoked token or a changed role
/// applies to the very next request.
/// </summary>
public sealed class ApiTokenService(IDbContextFactory<MotDbContext> contexts, TimeProvider clock)
{
    /// <summary>How every token starts, so a leaked one is recognisable (and secret scanners can match it).</summary>
    public const string Prefix = "mot_";

    /// <summary>At most this many live tokens per user.</summary>
    public const int MaxActivePerUser = 20;

    /// <summary>Last-used times are written at most this often per token, so busy scripts do not write on every call.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<CreatedApiToken> CreateAsync(string userName, string name, CancellationToken cancellationToken = default)
    {
        var label = name.Trim();
        if (label.Length is 0 or > 100) throw new ArgumentException("name: give the token a name of 1 to 100 characters");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Id == userName, cancellationToken))
            throw new KeyNotFoundException($"user '{userName}' does not exist");
        var active = await db.ApiTokens.CountAsync(t => t.UserId == userName && t.RevokedAt == null, cancellationToken);
        if (active >= MaxActivePerUser)
            throw new InvalidOperationException($"{userName} already has {active} tokens; revoke one first (at most {MaxActivePerUser})");

        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = userName,
            Name = label,
            SecretHash = Hash(secret),
            Hint = secret[..(Prefix.Length + 4)],
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiToken(ToInfo(token), secret);
    }

    /// <summary>The user's tokens, newest first, revoked ones included (so the page shows what was revoked when).</summary>
    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(string userName, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userName).ToListAsync(cancellationToken);
        return [.. tokens.OrderByDescending(t => t.CreatedAt).Select(ToInfo)];
    }

    /// <summary>Revokes one of <paramref name="userName"/>'s tokens; false when they have no such live token.</summary>
    public async Task<bool> RevokeAsync(string userName, Guid tokenId, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.ApiTokens
            .Where(t => t.Id == tokenId && t.UserId == userName && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken);
        return changed > 0;
    }

    /// <summary>The account a presented token acts for, or null when it is unknown, revoked or its user has no role left.</summary>
    public async Task<Account?> ValidateAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 100) return null;
        var hash = Hash(presented);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var match = await db.ApiTokens.AsNoTracking()
            .Where(t => t.SecretHash == hash && t.RevokedAt == null)
            .Select(t => new { TokenId = t.Id, t.LastUsedAt, UserName = t.User!.Id, t.User.DisplayName, t.User.Role })
            .FirstOrDefaultAsync(cancellationToken);
        if (match is null) return null;

        var now = clock.GetUtcNow().UtcDateTime;
        if (match.LastUsedAt is null || now - match.LastUsedAt.Value >= LastUsedResolution)
        {
            await db.ApiTokens.Where(t => t.Id == match.TokenId)
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return new Account(match.UserName, match.DisplayName, Roles.Normalize(match.Role) ?? Roles.Viewer);
    }

    internal static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenInfo ToInfo(ApiToken t) => new(t.Id, t.Name, t.Hint, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}
