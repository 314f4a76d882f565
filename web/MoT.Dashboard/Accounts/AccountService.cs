using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MoT.Data;
using MoT.Data.Entities;

namespace MoT.Dashboard.Accounts;

/// <summary>One account to create on first start (section <c>Dashboard:SeedAdmin</c>, list <c>Dashboard:SeedUsers</c>).</summary>
public sealed class SeedAccount
{
    public string UserName { get; set; } = "";

    /// <summary>The initial password; empty for the admin: a random one, printed once in the start-up log.</summary>
    public string Password { get; set; } = "";

    public string Role { get; set; } = Roles.Viewer;

    /// <summary>
    /// Whether the first sign-in must set a new password (default): a password that sat in configuration or a log is
    /// not a secret. Scripted test and demo setups turn it off.
    /// </summary>
    public bool MustChangePassword { get; set; } = true;
}

/// <summary>Accounts the dashboard creates when it starts against a database without them.</summary>
public sealed class AccountSeedOptions
{
    public SeedAccount? SeedAdmin { get; set; }
    public List<SeedAccount> SeedUsers { get; set; } = [];
}

/// <summary>A signed-in identity as the dashboard sees it; <paramref name="MustChangePassword"/>: it may only set a new password.</summary>
public sealed record Account(string UserName, string? DisplayName, string Role, bool MustChangePassword = false);

/// <summary>Why a password change was refused, in words for the page.</summary>
public sealed class PasswordChangeException(string message) : Exception(message);

/// <summary>Dashboard accounts in the platform's <c>users</c> table: sign-in checks, creation, first-start seeding.</summary>
public sealed class AccountService(IDbContextFactory<MotDbContext> contexts, IOptions<AccountSeedOptions> seed, TimeProvider clock, ILogger<AccountService> logger)
{
    /// <summary>The account when the user name and password match, else null (never says which was wrong).</summary>
    public async Task<Account?> ValidateAsync(string? userName, string? password, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(userName) || string.IsNullOrEmpty(password)) return null;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userName.Trim(), cancellationToken);
        if (user is null || !PasswordHashing.Verify(password, user.PasswordHash)) return null;
        return new Account(user.Id, user.DisplayName, Roles.Normalize(user.Role) ?? Roles.Viewer, user.MustChangePassword);
    }

    /// <summary>Shortest password a user may choose.</summary>
    public const int MinimumPasswordLength = 10;

    /// <summary>
    /// Sets a user's own new password after checking the current one, and clears the must-change flag. Refusals are a
    /// <see cref="PasswordChangeException"/> with one line for the user.
    /// </summary>
    public async Task<Account> ChangePasswordAsync(string userName, string? currentPassword, string? newPassword, string? confirmation, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(newPassword) || newPassword.Length < MinimumPasswordLength)
            throw new PasswordChangeException($"The new password must have at least {MinimumPasswordLength} characters.");
        if (newPassword != confirmation) throw new PasswordChangeException("The new password and its confirmation differ.");
        if (newPassword == currentPassword) throw new PasswordChangeException("The new password must differ from the current one.");
        if (string.Equals(newPassword, userName, StringComparison.OrdinalIgnoreCase)) throw new PasswordChangeException("The new password must not be the user name.");
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userName, cancellationToken);
        if (user is null || string.IsNullOrEmpty(currentPassword) || !PasswordHashing.Verify(currentPassword, user.PasswordHash))
            throw new PasswordChangeException("The current password is wrong.");
        user.PasswordHash = PasswordHashing.Hash(newPassword);
        user.MustChangePassword = false;
        await db.SaveChangesAsync(cancellationToken);
        return new Account(user.Id, user.DisplayName, Roles.Normalize(user.Role) ?? Roles.Viewer);
    }

    /// <summary>Creates an account, or sets password and role of an existing user row (e.g. one created for run ownership).</summary>
    public async Task<Account> SetAccountAsync(string userName, string password, string role, CancellationToken cancellationToken = default) =>
        await SetAccountAsync(userName, password, role, mustChangePassword: false, cancellationToken);

    /// <summary>As above; <paramref name="mustChangePassword"/>: the user's next sign-in leads only to choosing their own password.</summary>
    public async Task<Account> SetAccountAsync(string userName, string password, string role, bool mustChangePassword, CancellationToken cancellationToken = default)
    {
        var name = userName.Trim();
        if (name.Length is 0 or > 64) throw new ArgumentException("User name must be 1 to 64 characters.", nameof(userName));
        if (password.Length == 0) throw new ArgumentException("Password must not be empty.", nameof(password));
        var canonicalRole = Roles.Normalize(role) ?? throw new ArgumentException($"Role '{role}' is not one of {string.Join(", ", Roles.All)}.", nameof(role));
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == name, cancellationToken);
        if (user is null)
        {
            user = new User { Id = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Users.Add(user);
        }

        user.PasswordHash = PasswordHashing.Hash(password);
        user.Role = canonicalRole;
        user.MustChangePassword = mustChangePassword;
        await db.SaveChangesAsync(cancellationToken);
        return new Account(user.Id, user.DisplayName, canonicalRole, mustChangePassword);
    }

    /// <summary>
    /// The account of a user signed in by the identity provider: their users row, created as a viewer (no password,
    /// so cookie sign-in stays closed to it) on the first sign-in. An existing row keeps its role.
    /// </summary>
    public async Task<Account> EnsureExternalAsync(string userName, string? displayName, CancellationToken cancellationToken = default)
    {
        var name = userName.Trim();
        if (name.Length is 0 or > 64) throw new ArgumentException("User name must be 1 to 64 characters.", nameof(userName));
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == name, cancellationToken);
        if (user is null)
        {
            user = new User { Id = name, DisplayName = displayName, Role = Roles.Viewer, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Users.Add(user);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Created viewer account '{UserName}' on its first single sign-on", name);
        }

        return new Account(user.Id, user.DisplayName, Roles.Normalize(user.Role) ?? Roles.Viewer);
    }

    /// <summary>
    /// Creates the configured seed accounts that do not exist yet. An admin without a configured password gets a random
    /// one, printed in this one log line and never again; a configured password is never printed.
    /// </summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var accounts = new List<SeedAccount>();
        if (seed.Value.SeedAdmin is { UserName.Length: > 0 } admin)
            accounts.Add(new SeedAccount { UserName = admin.UserName, Password = admin.Password, Role = Roles.Admin, MustChangePassword = admin.MustChangePassword });
        accounts.AddRange(seed.Value.SeedUsers.Where(u => u.UserName.Length > 0));

        foreach (var account in accounts)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var existing = await db.Users.FirstOrDefaultAsync(u => u.Id == account.UserName && u.PasswordHash != null, cancellationToken);
            if (existing is not null)
            {
                // Databases seeded by earlier versions kept admin/admin: still on it, the account must change it now.
                if (account.Role == Roles.Admin && !existing.MustChangePassword && PasswordHashing.Verify(FormerDefaultAdminPassword, existing.PasswordHash))
                {
                    existing.MustChangePassword = true;
                    await db.SaveChangesAsync(cancellationToken);
                    logger.LogWarning("Admin account '{UserName}' still has the former default password; its next sign-in must set a new one.", account.UserName);
                }

                continue;
            }

            var generated = account.Password.Length == 0;
            var password = generated ? RandomPassword() : account.Password;
            await SetAccountAsync(account.UserName, password, account.Role, account.MustChangePassword, cancellationToken);
            var then = account.MustChangePassword ? "a new password is asked for at the first sign-in" : "no change is asked for (MustChangePassword=false)";
            if (generated)
                logger.LogWarning("Created {Role} account '{UserName}' with the one-time password {Password} (shown only now); {Then}.", account.Role, account.UserName, password, then);
            else
                logger.LogWarning("Created {Role} account '{UserName}' with the password from configuration; {Then}.", account.Role, account.UserName, then);
        }
    }

    /// <summary>What earlier versions seeded the admin with.</summary>
    private const string FormerDefaultAdminPassword = "admin";

    /// <summary>20 characters from an alphabet without look-alikes (about 115 bits).</summary>
    internal static string RandomPassword() =>
        System.Security.Cryptography.RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    /// <summary>Every account, for the admin page.</summary>
    public async Task<IReadOnlyList<Account>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var users = await db.Users.AsNoTracking().Where(u => u.PasswordHash != null).OrderBy(u => u.Id).ToListAsync(cancellationToken);
        return [.. users.Select(u => new Account(u.Id, u.DisplayName, Roles.Normalize(u.Role) ?? Roles.Viewer))];
    }
}
