using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MoT.Dashboard.Accounts;
using MoT.Data;

namespace MoT.Dashboard.Tests;

/// <summary>Personal API tokens in a real (temporary) SQLite store with the platform's migrations.</summary>
public sealed class ApiTokenServiceTests() : TemporaryStoreTests("mot-tokens-")
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private IDbContextFactory<MotDbContext> Contexts => Services.GetRequiredService<IDbContextFactory<MotDbContext>>();

    private ApiTokenService Tokens => new(Contexts, _clock);

    private AccountService Accounts => new(Contexts, Options.Create(new AccountSeedOptions()), _clock, NullLogger<AccountService>.Instance);

    [Fact]
    public async Task A_token_is_random_prefixed_and_stored_only_as_its_SHA256()
    {
        await Accounts.SetAccountAsync("rita", "pw", Roles.Researcher, Cancel);
        var secrets = new HashSet<string>();
        for (var i = 0; i < 5; i++) secrets.Add((await Tokens.CreateAsync("rita", $"t{i}", Cancel)).Secret);

        Assert.Equal(5, secrets.Count);
        Assert.All(secrets, s => Assert.Matches("^mot_[A-Za-z0-9_-]{43}$", s)); // 32 random bytes, base64url
        await using var db = await Contexts.CreateDbContextAsync(Cancel);
        var rows = await db.ApiTokens.AsNoTracking().ToListAsync(Cancel);
        // Hashed here independently of the service: SHA-256 over the UTF-8 token, lower-case hex.
        var expected = secrets.Select(s => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))).ToHashSet();
        Assert.Equal(expected, rows.Select(r => r.SecretHash).ToHashSet());
        Assert.All(rows, r => Assert.DoesNotContain(r.SecretHash, secrets));
        Assert.All(rows, r => Assert.Equal(8, r.Hint.Length));
    }

    [Fact]
    public async Task A_token_acts_with_its_users_current_role_and_a_revoked_one_authenticates_nothing()
    {
        await Accounts.SetAccountAsync("rita", "pw", Roles.Researcher, Cancel);
        var token = await Tokens.CreateAsync("rita", "laptop", Cancel);

        Assert.Equal(new Account("rita", null, Roles.Researcher), await Tokens.ValidateAsync(token.Secret, Cancel));
        await Accounts.SetAccountAsync("rita", "pw", Roles.Viewer, Cancel);
        Assert.Equal(Roles.Viewer, (await Tokens.ValidateAsync(token.Secret, Cancel))?.Role);

        Assert.True(await Tokens.RevokeAsync("rita", token.Info.Id, Cancel));
        Assert.Null(await Tokens.ValidateAsync(token.Secret, Cancel));
        Assert.False(await Tokens.RevokeAsync("rita", token.Info.Id, Cancel)); // already revoked
        Assert.NotNull((await Tokens.ListAsync("rita", Cancel)).Single().RevokedAt);
    }

    [Fact]
    public async Task Nobody_revokes_or_lists_another_users_token_and_near_misses_are_refused()
    {
        await Accounts.SetAccountAsync("rita", "pw", Roles.Researcher, Cancel);
        await Accounts.SetAccountAsync("vera", "pw", Roles.Viewer, Cancel);
        var token = await Tokens.CreateAsync("rita", "laptop", Cancel);

        Assert.False(await Tokens.RevokeAsync("vera", token.Info.Id, Cancel));
        Assert.Empty(await Tokens.ListAsync("vera", Cancel));
        Assert.NotNull(await Tokens.ValidateAsync(token.Secret, Cancel));
        Assert.Null(await Tokens.ValidateAsync(token.Secret[..^1], Cancel));
        Assert.Null(await Tokens.ValidateAsync(token.Secret.ToUpperInvariant(), Cancel));
        Assert.Null(await Tokens.ValidateAsync(token.Secret[4..], Cancel)); // without its prefix
        Assert.Null(await Tokens.ValidateAsync("", Cancel));
    }

    [Fact]
    public async Task Last_use_is_recorded_at_most_once_a_minute()
    {
        await Accounts.SetAccountAsync("rita", "pw", Roles.Researcher, Cancel);
        var token = await Tokens.CreateAsync("rita", "ci", Cancel);
        Assert.Null((await Tokens.ListAsync("rita", Cancel)).Single().LastUsedAt);

        await Tokens.ValidateAsync(token.Secret, Cancel);
        var first = _clock.GetUtcNow().UtcDateTime;
        _clock.Advance(TimeSpan.FromSeconds(30));
        await Tokens.ValidateAsync(token.Secret, Cancel);
        Assert.Equal(first, (await Tokens.ListAsync("rita", Cancel)).Single().LastUsedAt);

        _clock.Advance(TimeSpan.FromSeconds(31));
        await Tokens.ValidateAsync(token.Secret, Cancel);
        Assert.Equal(_clock.GetUtcNow().UtcDateTime, (await Tokens.ListAsync("rita", Cancel)).Single().LastUsedAt);
    }

    [Fact]
    public async Task Names_and_the_number_of_live_tokens_are_bounded()
    {
        await Accounts.SetAccountAsync("rita", "pw", Roles.Researcher, Cancel);
        Assert.Equal("name: give the token a name of 1 to 100 characters",
            (await Assert.ThrowsAsync<ArgumentException>(() => Tokens.CreateAsync("rita", "  ", Cancel))).Message);
        for (var i = 0; i < ApiTokenService.MaxActivePerUser; i++) await Tokens.CreateAsync("rita", $"t{i}", Cancel);
        var full = await Assert.ThrowsAsync<InvalidOperationException>(() => Tokens.CreateAsync("rita", "one more", Cancel));
        Assert.Contains("revoke one first", full.Message);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Tokens.CreateAsync("ghost", "x", Cancel));
    }
}

public sealed class PolicyAndPriorityTests
{
    [Fact]
    public void Viewers_are_admitted_by_the_read_policy_only_and_only_admins_by_admin()
    {
        foreach (var (policy, roles) in Policies.RolesByPolicy)
        {
            Assert.Equal(policy == Policies.Read, roles.Contains(Roles.Viewer));
            Assert.Equal(policy != Policies.Admin, roles.Contains(Roles.Researcher));
            Assert.Contains(Roles.Admin, roles);
        }
    }

    [Theory]
    [InlineData(Roles.Researcher, 100, true)]
    [InlineData(Roles.Researcher, -100, true)]
    [InlineData(Roles.Researcher, 101, false)]
    [InlineData(Roles.Researcher, int.MinValue, false)]
    [InlineData(Roles.Admin, 1_000_000, true)]
    [InlineData(Roles.Admin, int.MaxValue, false)]
    public void Priority_is_bounded_by_role(string role, int priority, bool allowed) =>
        Assert.Equal(allowed, PriorityBounds.Check(priority, role) is null);

    [Fact]
    public async Task A_researcher_launch_beyond_the_bound_is_refused_before_any_grain_is_called()
    {
        // grains: null: reaching the cluster would throw NullReferenceException, not this.
        var commands = new MoT.Dashboard.Platform.PlatformCommands(null!, TestUsers.Current("rita", Roles.Researcher), new MoT.Dashboard.Runs.RunCatalog(),
            null!, TestAudit.Discarding(), NullLogger<MoT.Dashboard.Platform.PlatformCommands>.Instance);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => commands.LaunchRunAsync("{}", priority: 2_147_483_647));

        Assert.Equal("priority: 2147483647 is outside -100..100, the range a researcher may set", error.Message);
    }
}

public sealed class ApiProblemsTests
{
    [Theory]
    [InlineData(typeof(UnauthorizedAccessException), 403)]
    [InlineData(typeof(KeyNotFoundException), 404)]
    [InlineData(typeof(ArgumentException), 400)]
    [InlineData(typeof(InvalidOperationException), 409)]
    public void A_callers_error_keeps_its_one_line_with_its_status(Type type, int status)
    {
        var error = (Exception)Activator.CreateInstance(type, "runId: something the caller can fix")!;

        var result = Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(MoT.Dashboard.Api.ApiProblems.For(new AggregateException(error)));

        Assert.Equal(status, result.StatusCode);
        Assert.Equal("runId: something the caller can fix", result.ProblemDetails.Detail);
    }

    [Fact]
    public void A_bug_is_left_to_the_exception_handler_which_shows_only_a_request_id() =>
        Assert.Null(MoT.Dashboard.Api.ApiProblems.For(new NullReferenceException("secret internals")));
}
