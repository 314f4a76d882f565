using MoT.Silo.Training;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Runs;
using MoT.Dashboard.Accounts;
using MoT.Dashboard.Auditing;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Platform;
using MoT.Dashboard.Runs;

namespace MoT.Dashboard.Tests;

public sealed class FakeAuthentication(string? name, string? role) : AuthenticationStateProvider
{
    public override Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        var identity = name is null
            ? new ClaimsIdentity()
            : new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role ?? Roles.Viewer)], "test");
        return Task.FromResult(new AuthenticationState(new ClaimsPrincipal(identity)));
    }
}

/// <summary>A <see cref="CurrentUser"/> for a fixed principal, judged by the dashboard's real policies.</summary>
public static class TestUsers
{
    private static readonly IAuthorizationService Authorization = BuildAuthorization();

    public static CurrentUser Current(string? name, string? role, AuditLog? audit = null) =>
        new(new FakeAuthentication(name, role), Authorization, audit ?? TestAudit.Discarding());

    private static IAuthorizationService BuildAuthorization()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAuthorizationBuilder().AddMotPolicies();
        return services.BuildServiceProvider().GetRequiredService<IAuthorizationService>();
    }
}

public sealed class PermissionTests
{
    private static PlatformCommands CommandsFor(string? name, string? role) =>
        new(grains: null!, TestUsers.Current(name, role), new RunCatalog(), checkpoints: null!,
            TestAudit.Discarding(), Microsoft.Extensions.Logging.Abstractions.NullLogger<PlatformCommands>.Instance);

    [Fact]
    public async Task A_viewer_cannot_launch_cancel_or_resume()
    {
        var commands = CommandsFor("vera", Roles.Viewer);
        var launch = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.LaunchRunAsync("{}"));
        Assert.Contains("vera is a viewer", launch.Message);
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.CancelRunAsync(Guid.NewGuid()));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.ResumeAsync(Guid.NewGuid()));
        var pin = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => commands.SetCheckpointPinnedAsync(Guid.NewGuid(), true));
        Assert.Contains("cannot pin checkpoints", pin.Message);
    }

    [Fact]
    public async Task Nobody_signed_in_cannot_change_anything()
    {
        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => CommandsFor(null, null).ForkAsync(Guid.NewGuid(), null));
        Assert.Equal("Sign in first.", error.Message);
    }

    [Fact]
    public async Task A_researcher_is_the_owner_of_what_they_launch()
    {
        var user = TestUsers.Current("rita", Roles.Researcher);
        Assert.Equal("rita", await user.RequireAsync(Policies.Launch, "launch runs"));
    }

    [Theory]
    [InlineData("researcher", true)]
    [InlineData("admin", true)]
    [InlineData("viewer", false)]
    public void Only_researchers_and_admins_mutate(string role, bool allowed) => Assert.Equal(allowed, Roles.CanMutate(role));
}

public sealed class PasswordHashingTests
{
    [Fact]
    public void A_hash_verifies_its_password_only()
    {
        var hash = PasswordHashing.Hash("s3cret");
        Assert.True(PasswordHashing.Verify("s3cret", hash));
        Assert.False(PasswordHashing.Verify("s3cret!", hash));
        Assert.False(PasswordHashing.Verify("s3cret", "garbage"));
        Assert.False(PasswordHashing.Verify("s3cret", null));
        Assert.NotEqual(hash, PasswordHashing.Hash("s3cret"));
    }

    [Theory]
    [InlineData("/runs/1", "/runs/1")]
    [InlineData("//evil.example", "/")]
    [InlineData("https://evil.example/x", "/")]
    [InlineData(null, "/")]
    public void Return_urls_stay_on_the_site(string? input, string expected) => Assert.Equal(expected, AccountEndpoints.SafeReturnUrl(input));
}

public sealed class RunsGridModelTests
{
    [Fact]
    public async Task A_malformed_filter_shows_the_parser_error_and_empties_the_grid_until_it_parses_again()
    {
        var model = new RunsGridModel(new ListRunHistory([Row(1)]));
        Assert.True(model.SetFilter("status = Completed"));
        Assert.True(model.SetFilter("status = Completed and (owner = alice"));   // reload: the grid empties
        Assert.NotNull(model.FilterError);
        Assert.Contains("column", model.FilterError);
        Assert.Equal("status = Completed", model.ActiveFilter);
        Assert.Empty((await model.LoadPageAsync(0, 15, null, true, TestContext.Current.CancellationToken)).Items);
        Assert.False(model.SetFilter("status = Completed and (owner"));          // still malformed: already empty
        Assert.True(model.SetFilter("status = Completed"));                      // the same good filter shows its rows again
        Assert.Null(model.FilterError);
        Assert.Single((await model.LoadPageAsync(0, 15, null, true, TestContext.Current.CancellationToken)).Items);
    }

    [Fact]
    public async Task Pages_walk_the_keyset_cursors()
    {
        var rows = Enumerable.Range(0, 7).Select(i => Row(i)).ToList();
        var model = new RunsGridModel(new ListRunHistory(rows));
        var (first, total) = await model.LoadPageAsync(0, 3, null, true, TestContext.Current.CancellationToken);
        Assert.Equal(3, first.Count);
        Assert.Equal(7, total); // the history's count, not a guess one page ahead
        var (third, lastTotal) = await model.LoadPageAsync(2, 3, null, true, TestContext.Current.CancellationToken);
        Assert.Equal([rows[6].Id], third.Select(r => r.Id));
        Assert.Equal(7, lastTotal);
    }

    [Fact]
    public async Task An_error_only_the_store_can_find_is_shown_as_the_filter_error_with_an_empty_grid()
    {
        var model = new RunsGridModel(new FailingRunHistory("id 'abcd' at column 6 is ambiguous: it starts abcd0000-0000…, abcd1234-5678…; type more of the id"));
        Assert.True(model.SetFilter("id = abcd"));
        Assert.Null(model.FilterError);

        var (items, total) = await model.LoadPageAsync(0, 15, null, true, TestContext.Current.CancellationToken);

        Assert.Empty(items);
        Assert.Equal(0, total);
        Assert.StartsWith("id 'abcd' at column 6 is ambiguous", model.FilterError);
    }

    private sealed class FailingRunHistory(string message) : IRunHistory
    {
        public Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default) =>
            throw new MoT.Data.Queries.QuerySyntaxException(message, 6);

        public Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default) =>
            throw new MoT.Data.Queries.QuerySyntaxException(message, 6);

        public Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, int maxPointsPerCurve, long afterStep = -1, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<MetricSeries>>([]);
    }

    internal static RunRow Row(int i) => new(Guid.NewGuid(), $"run{i}", "alice", RunStatus.Completed, null, "MoT", 2.0 + i, 1000, TimeSpan.FromSeconds(i),
        DateTimeOffset.UnixEpoch.AddMinutes(i), null, null, 1);

    /// <summary>An in-memory history whose cursor is an offset.</summary>
    internal sealed class ListRunHistory(IReadOnlyList<RunRow> rows) : IRunHistory
    {
        public Task<RunHistoryPage> QueryAsync(string? filter, string? sort, int pageSize, string? cursor, CancellationToken cancellationToken = default)
        {
            var offset = cursor is null ? 0 : int.Parse(cursor);
            var page = rows.Skip(offset).Take(pageSize).ToList();
            return Task.FromResult(new RunHistoryPage(page, offset + page.Count < rows.Count ? (offset + page.Count).ToString() : null));
        }

        public Task<int> CountAsync(string? filter, CancellationToken cancellationToken = default) => Task.FromResult(rows.Count);

        public Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(Guid runId, int maxPointsPerCurve, long afterStep = -1, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<MetricSeries>>([]);
    }
}

public sealed class CurveTests
{
    [Fact]
    public void Downsampling_keeps_the_ends_and_the_budget()
    {
        var points = Enumerable.Range(0, 10_000).Select(i => ((double)i, (double)i)).ToList();
        var sampled = CurveSet.Downsample(points, 500);
        Assert.Equal(500, sampled.Count);
        Assert.Equal(points[0], sampled[0]);
        Assert.Equal(points[^1], sampled[^1]);
    }

    [Fact]
    public void Progress_reports_become_curve_points_and_nan_is_skipped()
    {
        var curves = new CurveSet();
        curves.Add(MetricNames.TrainLoss, 1, 5.0);
        curves.Add(MetricNames.TrainLoss, 2, double.NaN);
        curves.Add(MetricNames.TrainLoss, 3, 4.0);
        Assert.Equal([(1.0, 5.0), (3.0, 4.0)], curves.Get(MetricNames.TrainLoss));
    }

    [Fact]
    public void Smoothing_is_an_exponential_moving_average()
    {
        var smoothed = CurveSet.Smooth([(0, 0), (1, 10)], 0.5);
        Assert.Equal(5, smoothed[1].Y);
    }

    [Fact]
    public void Config_diff_marks_changed_lines()
    {
        var diff = ConfigDiff.Lines("{\n  \"lr\": 1\n}", "{\n  \"lr\": 2\n}");
        Assert.Equal([DiffKind.Same, DiffKind.Removed, DiffKind.Added, DiffKind.Same], diff.Select(d => d.Kind));
    }
}
