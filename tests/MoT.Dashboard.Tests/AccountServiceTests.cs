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

        Assert.Equal(new Account("admin", null, Roles.Admin), await accounts.ValidateAsync("admin", "admin", ct));
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

        var commands = new MoT.Dashboard.Platform.PlatformCommands(null!, TestUsers.Current("rita", Roles.Researcher), new MoT.Dashboard.Runs.RunCatalog(),
            Services.GetRequiredService<MoT.Data.Checkpoints.CheckpointStore>(), NullLogger<MoT.Dashboard.Platform.PlatformCommands>.Instance);

        Assert.True((await commands.SetCheckpointPinnedAsync(checkpointId, true)).Pinned);
        Assert.False((await commands.SetCheckpointPinnedAsync(checkpointId, false)).Pinned);
        var missing = await Assert.ThrowsAsync<KeyNotFoundException>(() => commands.SetCheckpointPinnedAsync(Guid.NewGuid(), true));
        Assert.Contains("does not exist", missing.Message);
    }
}
