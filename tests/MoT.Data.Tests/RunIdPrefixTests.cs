using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MoT.Data.Tests;

/// <summary>
/// Ids in filters may be written as their first hex digits (the dashboard shows 8). Expected matches come from
/// string prefixes of the ids' text, independent of the range the query uses, on both providers.
/// </summary>
public abstract class RunIdPrefixTests(DatabaseTarget target) : DataTestBase(target)
{
    private RunQueryService Queries => Services.GetRequiredService<RunQueryService>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    // Ids that sit on the edges of the ranges a prefix stands for: "abcd" must take the first two and
    // the all-f one, never abce…/abcc….
    private static readonly Guid[] s_ids =
    [
        Guid.Parse("abcd0000-0000-0000-0000-000000000000"),
        Guid.Parse("abcd1234-5678-9abc-def0-123456789abc"),
        Guid.Parse("abcdffff-ffff-ffff-ffff-ffffffffffff"),
        Guid.Parse("abce0000-0000-0000-0000-000000000000"),
        Guid.Parse("abccffff-ffff-ffff-ffff-ffffffffffff"),
        Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
    ];

    private static readonly Guid s_sweepA = Guid.Parse("b2c99a13-0000-4000-8000-000000000001");
    private static readonly Guid s_sweepB = Guid.Parse("b2c99a14-0000-4000-8000-000000000002");

    private async Task SeedAsync()
    {
        await EnsureUsersAsync("alice");
        await using (var db = await Contexts.CreateDbContextAsync(Token))
        {
            db.Sweeps.Add(new Sweep { Id = s_sweepA, Name = "a", OwnerId = "alice", SpecJson = "{}", CreatedAt = Epoch });
            db.Sweeps.Add(new Sweep { Id = s_sweepB, Name = "b", OwnerId = "alice", SpecJson = "{}", CreatedAt = Epoch });
            await db.SaveChangesAsync(Token);
        }
        var runs = s_ids.Select((id, i) =>
        {
            var run = NewRun(sweep: i < 2 ? s_sweepA : i < 4 ? s_sweepB : null, created: Epoch.AddMinutes(i));
            run.Id = id;
            return run;
        }).ToArray();
        await AddRunsAsync(runs);
    }

    private async Task<Guid[]> MatchAsync(string filter) =>
        [.. (await Queries.QueryAsync(filter, "created asc", 100, null, Token)).Items.Select(r => r.Id).Order()];

    private static Guid[] IdsStartingWith(string prefix) =>
        [.. s_ids.Where(id => id.ToString().StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Order()];

    [Theory]
    [InlineData("abcd0")]
    [InlineData("ABCD1234")]
    [InlineData("abcdf")]
    [InlineData("abcd1234-5678-9a")]
    [InlineData("abce")]
    [InlineData("0f1e2d3c-")]
    public async Task A_unique_id_prefix_selects_exactly_the_run_whose_id_starts_with_it(string prefix)
    {
        await SeedAsync();
        var expected = Assert.Single(IdsStartingWith(prefix));

        Assert.Equal(new[] { expected }, await MatchAsync($"id = {prefix}"));
        Assert.Equal(s_ids.Where(id => id != expected).Order().ToArray(), await MatchAsync($"id != {prefix}"));
    }

    [Fact]
    public async Task The_eight_digit_sweep_id_the_dashboard_shows_selects_that_sweeps_runs()
    {
        await SeedAsync();

        Guid[] Sorted(Range range) => [.. s_ids[range].Order()];
        Assert.Equal(Sorted(..2), await MatchAsync("sweep = b2c99a13"));
        Assert.Equal(Sorted(..4), await MatchAsync("sweep in (b2c99a13, B2C99A14)"));
        // Runs without a sweep are "not that sweep", as with a full id.
        Assert.Equal(Sorted(2..), await MatchAsync("sweep != b2c99a13"));
        Assert.Equal(Sorted(..2), await MatchAsync($"sweep in (b2c99a13, {Guid.Empty})"));
    }

    [Fact]
    public async Task A_prefix_shared_by_several_ids_is_an_error_naming_it_and_them()
    {
        await SeedAsync();

        var error = await Assert.ThrowsAsync<QuerySyntaxException>(() => MatchAsync("owner = alice and id = abcd"));
        Assert.StartsWith("id 'abcd' at column 24 is ambiguous: it starts abcd0000-0000…, abcd1234-5678…, abcdffff-ffff…", error.Message);
        Assert.Equal(24, error.Column);

        var sweep = await Assert.ThrowsAsync<QuerySyntaxException>(() => MatchAsync("sweep = b2c9"));
        Assert.Contains("ambiguous", sweep.Message);
    }

    [Fact]
    public async Task A_prefix_no_id_starts_with_matches_nothing()
    {
        await SeedAsync();

        Assert.Empty(await MatchAsync("id = 1234"));
        Assert.Equal(s_ids.Order().ToArray(), await MatchAsync("not id = 1234"));
    }

    [Fact]
    public void In_memory_filtering_treats_prefixes_as_the_database_does()
    {
        var runs = s_ids.Select((id, i) =>
        {
            var run = NewRun(sweep: i == 0 ? s_sweepA : null);
            run.Id = id;
            return run;
        }).ToList();

        Assert.Equal([s_ids[1]], RunFilter.Apply(runs, r => r, "id = abcd1").Select(r => r.Id));
        Assert.Equal([s_ids[0]], RunFilter.Apply(runs, r => r, "sweep = b2c99a13").Select(r => r.Id));
        Assert.Throws<QuerySyntaxException>(() => { RunFilter.Apply(runs, r => r, "id = abcd"); });
    }
}

public sealed class SqliteRunIdPrefixTests() : RunIdPrefixTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunIdPrefixTests(PostgresServer server) : RunIdPrefixTests(new PostgresTarget(server));
