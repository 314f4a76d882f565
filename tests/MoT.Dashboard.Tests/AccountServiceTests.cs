using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MoT.Dashboard.Accounts;
using MoT.Data;

namespace MoT.Dashboard.Tests;

/// <summary>Accounts in a real (temporary) SQLite store with the platform's migrations.</summary>
public sealed class AccountServiceTests() : TemporaryStoreTests("mot-accounts-")
{
    private AccountService Service(AccountSeedOptions seed) =>
        new(Services.GetRequiredService<IDbContextFactory<MotDbContext>>(), Options.Create(seed), TimeProvider.System, NullLogger<AccountService>.Instance);

    [Fact]
    public async Task Seeding_creates_the_configured_accounts_once_and_sign_in_checks_passwords()
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = new AccountSeedOptions
        {
            SeedAdmin = new SeedAccount { UserName = "admin", Password = "admin" },
            SeedUsers = [new SeedAccount { UserName = "vera", Password = "v", Role = "Viewer" }],
        };
        var accounts = Service(seed);
        await accounts.SeedAsync(ct);

        // A configured password is known to whoever read the configuration: the first sign-in must replace it.
        Assert.Equal(new Account("admin", null, Roles.Admin, MustChangePassword: true), await accounts.ValidateAsync("admin", "admin", ct));
        Assert.Equal(Roles.Viewer, (await accounts.ValidateAsync("vera", "v", ct))?.Role);
        Assert.Null(await accounts.ValidateAsync("admin", "wrong", ct));
        Assert.Null(await accounts.ValidateAsync("nobody", "admin", ct));

        // A changed password survives the next start's seeding.
        await accounts.SetAccountAsync("admin", "better", Roles.Admin, ct);
        await Service(seed).SeedAsync(ct);
        Assert.Null(await accounts.ValidateAsync("admin", "admin", ct));
        Assert.NotNull(await accounts.ValidateAsync("admin", "better", ct));
        Assert.Equal(["admin", "vera"], (await accounts.ListAsync(ct)).Select(a => a.UserName));
    }

    [Fact]
    public async Task An_unknown_role_is_refused_by_name()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Service(new()).SetAccountAsync("x", "y", "superuser", TestContext.Current.CancellationToken));
        Assert.Contains("'superuser'", error.Message);
    }

    [Fact]
    public async Task A_first_single_sign_on_creates_a_viewer_and_later_ones_keep_the_role_an_admin_gave()
    {
        var service = Service(new AccountSeedOptions());
        var token = TestContext.Current.CancellationToken;

        var first = await service.EnsureExternalAsync("sso-user", "S. User", token);
        Assert.Equal(Roles.Viewer, first.Role);
        Assert.Null(await service.ValidateAsync("sso-user", "anything", token)); // no password: cookie sign-in stays closed

        await using (var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(token))
        {
            (await db.Users.SingleAsync(u => u.Id == "sso-user", token)).Role = Roles.Researcher;
            await db.SaveChangesAsync(token);
        }

        Assert.Equal(Roles.Researcher, (await service.EnsureExternalAsync("sso-user", null, token)).Role);
    }
}

/// <summary>Pinning from the dashboard against a real (temporary) SQLite store.</summary>
public sealed class CheckpointPinTests() : TemporaryStoreTests("mot-pins-")
{
    [Fact]
    public async Task A_researcher_pins_and_unpins_a_recorded_checkpoint()
    {
        var token = TestContext.Current.CancellationToken;
        var checkpointId = Guid.NewGuid();
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(token))
        {
            var runId = Guid.NewGuid();
            db.Users.Add(new MoT.Data.Entities.User { Id = "rita", CreatedAt = DateTime.UtcNow });
            db.Runs.Add(new MoT.Data.Entities.Run { Id = runId, OwnerId = "rita", ConfigJson = "{}", ModelFamily = "MoT", EvalSetId = "e", TokenizerId = "t", CreatedAt = DateTime.UtcNow });
            db.Checkpoints.Add(new MoT.Data.Entities.Checkpoint { Id = checkpointId, RunId = runId, Step = 25, Path = "step-25.ckpt", Sha256 = new string('c', 64), CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(token);
        }

        var audit = TestAudit.Into(Services, "10.1.2.3");
        var commands = new MoT.Dashboard.Platform.PlatformCommands(null!, TestUsers.Current("rita", Roles.Researcher, audit), new MoT.Dashboard.Runs.RunCatalog(),
            Services.GetRequiredService<MoT.Data.Checkpoints.CheckpointStore>(), audit, NullLogger<MoT.Dashboard.Platform.PlatformCommands>.Instance);

        Assert.True((await commands.SetCheckpointPinnedAsync(checkpointId, true)).Pinned);
        Assert.False((await commands.SetCheckpointPinnedAsync(checkpointId, false)).Pinned);
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => commands.SetCheckpointPinnedAsync(Guid.NewGuid(), true));
        Assert.Contains("does not exist", missing.Message);

        // Each change is one audit row (newest first) with the user and the client's address; the failed pin changed nothing and left none.
        await using var read = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(token);
        var rows = await read.AuditLog.OrderByDescending(a => a.Id).Select(a => new { a.UserName, a.Action, a.TargetId, a.RemoteAddress, a.Outcome }).ToListAsync(token);
        Assert.Equal([
            new { UserName = "rita", Action = "checkpoint.unpin", TargetId = (string?)checkpointId.ToString(), RemoteAddress = (string?)"10.1.2.3", Outcome = "ok" },
            new { UserName = "rita", Action = "checkpoint.pin", TargetId = (string?)checkpointId.ToString(), RemoteAddress = (string?)"10.1.2.3", Outcome = "ok" },
        ], rows);
    }
}

/// <summary>First-start admin without a configured password, and users changing their own password.</summary>
public sealed class SeedAdminAndPasswordChangeTests() : TemporaryStoreTests("mot-seed-admin-")
{
    private AccountService Service(AccountSeedOptions seed, ListLogger<AccountService> log) =>
        new(Services.GetRequiredService<IDbContextFactory<MotDbContext>>(), Options.Create(seed), TimeProvider.System, log);

    [Fact]
    public async Task Without_a_configured_password_the_admin_gets_a_random_one_printed_in_one_line_once_and_must_change_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var seed = new AccountSeedOptions { SeedAdmin = new SeedAccount { UserName = "admin" } };
        var log = new ListLogger<AccountService>();

        await Service(seed, log).SeedAsync(ct);
        await Service(seed, log).SeedAsync(ct); // a restart finds the account and prints nothing

        var line = Assert.Single(log.Lines);
        var password = System.Text.RegularExpressions.Regex.Match(line, "one-time password (\\S+) ").Groups[1].Value;
        Assert.Equal(20, password.Length);
        Assert.NotEqual(password, AccountService.RandomPassword()); // not a constant
        var account = await Service(seed, log).ValidateAsync("admin", password, ct);
        Assert.Equal(new Account("admin", null, Roles.Admin, MustChangePassword: true), account);
        Assert.Null(await Service(seed, log).ValidateAsync("admin", "admin", ct));
    }

    [Fact]
    public async Task A_configured_admin_password_is_never_printed()
    {
        var log = new ListLogger<AccountService>();
        await Service(new AccountSeedOptions { SeedAdmin = new SeedAccount { UserName = "admin", Password = "configured-secret" } }, log).SeedAsync(TestContext.Current.CancellationToken);

        Assert.DoesNotContain(log.Lines, l => l.Contains("configured-secret"));
        Assert.Contains("password from configuration", Assert.Single(log.Lines));
    }

    [Fact]
    public async Task An_admin_left_on_the_former_default_password_by_an_earlier_version_must_change_it_and_others_are_left_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new ListLogger<AccountService>();
        var seed = new AccountSeedOptions { SeedAdmin = new SeedAccount { UserName = "admin" } };
        var accounts = Service(seed, log);
        await accounts.SetAccountAsync("admin", "admin", Roles.Admin, ct); // as an earlier version seeded it: no flag

        await accounts.SeedAsync(ct);

        Assert.True((await accounts.ValidateAsync("admin", "admin", ct))!.MustChangePassword);
        Assert.Contains("former default password", Assert.Single(log.Lines));

        await accounts.ChangePasswordAsync("admin", "admin", "a-better-one", "a-better-one", ct);
        await accounts.SeedAsync(ct);
        Assert.False((await accounts.ValidateAsync("admin", "a-better-one", ct))!.MustChangePassword);
        Assert.Single(log.Lines);
    }

    [Fact]
    public async Task Changing_the_password_clears_the_flag_and_refusals_name_the_rule()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = Service(new AccountSeedOptions { SeedAdmin = new SeedAccount { UserName = "admin", Password = "initial-pass" } }, new ListLogger<AccountService>());
        await accounts.SeedAsync(ct);

        async Task<string> Refusal(string? current, string? next, string? confirmation) =>
            (await Assert.ThrowsAsync<PasswordChangeException>(() => accounts.ChangePasswordAsync("admin", current, next, confirmation, ct))).Message;

        Assert.Equal("The new password must have at least 10 characters.", await Refusal("initial-pass", "short", "short"));
        Assert.Equal("The new password and its confirmation differ.", await Refusal("initial-pass", "long-enough-1", "long-enough-2"));
        Assert.Equal("The new password must differ from the current one.", await Refusal("initial-pass", "initial-pass", "initial-pass"));
        Assert.Equal("The current password is wrong.", await Refusal("guess", "long-enough-1", "long-enough-1"));
        Assert.True((await accounts.ValidateAsync("admin", "initial-pass", ct))!.MustChangePassword); // refusals changed nothing

        var changed = await accounts.ChangePasswordAsync("admin", "initial-pass", "long-enough-1", "long-enough-1", ct);

        Assert.False(changed.MustChangePassword);
        Assert.Null(await accounts.ValidateAsync("admin", "initial-pass", ct));
        Assert.Equal(new Account("admin", null, Roles.Admin), await accounts.ValidateAsync("admin", "long-enough-1", ct));
    }
}

/// <summary>Collects formatted log lines at warning level and above.</summary>
public sealed class ListLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines) return [.. _lines];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        lock (_lines) _lines.Add(formatter(state, exception));
    }
}
