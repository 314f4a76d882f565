using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Runs;

namespace MoT.Data.Tests;

public abstract class RunQueryTests(DatabaseTarget target) : DataTestBase(target)
{
    private RunQueryService Queries => Services.GetRequiredService<RunQueryService>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Guid _sweep;
    private Dictionary<string, Guid> _ids = [];

    private async Task SeedAsync()
    {
        await EnsureUsersAsync("alice", "bob", "carol");
        _sweep = Guid.NewGuid();
        await using (var db = await Contexts.CreateDbContextAsync(Token))
        {
            db.Sweeps.Add(new Sweep { Id = _sweep, Name = "s", OwnerId = "carol", SpecJson = "{}", CreatedAt = Epoch });
            await db.SaveChangesAsync(Token);
        }
        static string Config(int? dModel) => dModel is { } d
            ? $"{{\"model\":{{\"d_model\":{d},\"kind\":\"mot\",\"rotary\":{(d >= 256 ? "true" : "false")},\"widths\":[{d},{4 * d}]}}}}"
            : "{\"model\":{\"kind\":\"dense\"}}";
        var runs = new (string Key, Run Run)[]
        {
            ("r1", NewRun("alice", Config(512), RunStatus.Completed, 3.2, Day(5), priority: 1, tags: "baseline")),
            ("r2", NewRun("alice", Config(128), RunStatus.Running, null, Day(6), priority: 2)),
            ("r3", NewRun("bob", Config(256), RunStatus.Completed, 3.4, new DateTime(2025, 12, 20, 0, 0, 0, DateTimeKind.Utc), priority: 1, tags: "baseline")),
            ("r4", NewRun("bob", Config(1024), RunStatus.Failed, 5.0, Day(7))),
            ("r5", NewRun("carol", Config(null), RunStatus.Completed, 3.0, Day(8), sweep: _sweep, tags: "baseline")),
            ("r6", NewRun("alice", Config(64), RunStatus.Completed, 2.9, Day(9), sweep: _sweep, tags: "ablation")),
        };
        await AddRunsAsync([.. runs.Select(r => r.Run)]);
        _ids = runs.ToDictionary(r => r.Key, r => r.Run.Id);
    }

    private static DateTime Day(int day) => new(2026, 1, day, 12, 0, 0, DateTimeKind.Utc);

    private async Task<string[]> MatchAsync(string filter)
    {
        var page = await Queries.QueryAsync(filter, "created asc", 100, null, Token);
        Assert.Null(page.NextCursor);
        var names = _ids.ToDictionary(kv => kv.Value, kv => kv.Key);
        return [.. page.Items.Select(r => names[r.Id]).Order()];
    }

    [Fact]
    public async Task Example_query_from_the_issue_binds_and_tighter_than_or()
    {
        await SeedAsync();
        var filter = "status in (Completed, Running) and config.model.d_model >= 256 and owner = \"alice\" " +
                     $"or tag:baseline and best_eval_loss < 3.5 and created >= 2026-01-01 and sweep = {_sweep}";
        Assert.Equal(["r1", "r5"], await MatchAsync(filter));
    }

    [Theory]
    [InlineData("", new[] { "r1", "r2", "r3", "r4", "r5", "r6" })]
    [InlineData("status in (Completed, Running)", new[] { "r1", "r2", "r3", "r5", "r6" })]
    [InlineData("STATUS = completed AND Owner = 'alice'", new[] { "r1", "r6" })]
    [InlineData("status not in (Completed)", new[] { "r2", "r4" })]
    [InlineData("owner = \"alice\" and not tag:baseline", new[] { "r2", "r6" })]
    [InlineData("(owner = bob or owner = carol) and best_eval_loss < 3.5", new[] { "r3", "r5" })]
    [InlineData("owner in (\"bob\", carol) and status != Failed", new[] { "r3", "r5" })]
    [InlineData("created >= 2026-01-07 and created < 2026-01-09", new[] { "r4", "r5" })]
    [InlineData("created >= 2026-01-06T12:00:00Z and created <= 2026-01-06T12:00:00Z", new[] { "r2" })]
    [InlineData("best_eval_loss = null", new[] { "r2" })]
    [InlineData("best_eval_loss is null", new[] { "r2" })]
    [InlineData("best_eval_loss IS NOT NULL and sweep is not null", new[] { "r5", "r6" })]
    [InlineData("sweep is null and not parent is not null", new[] { "r1", "r2", "r3", "r4" })]
    [InlineData("best_eval_loss between 3.0 and 3.4", new[] { "r1", "r3", "r5" })]
    [InlineData("tag in (ablation, baseline) and priority >= 1", new[] { "r1", "r3" })]
    [InlineData("not (tag:baseline or tag:ablation)", new[] { "r2", "r4" })]
    public async Task Filters_on_indexed_fields_select_exactly_the_matching_runs(string filter, string[] expected)
    {
        await SeedAsync();
        Assert.Equal(expected, await MatchAsync(filter));
    }

    [Theory]
    // 1024 < 256 as text: a numeric comparison must include r4.
    [InlineData("config.model.d_model >= 256", new[] { "r1", "r3", "r4" })]
    [InlineData("config.model.d_model between 100 and 300", new[] { "r2", "r3" })]
    // A run without the value matches no comparison, so NOT of one matches it.
    [InlineData("not config.model.d_model >= 256", new[] { "r2", "r5", "r6" })]
    [InlineData("config.model.kind = \"dense\"", new[] { "r5" })]
    [InlineData("config.model.kind in (dense, moe)", new[] { "r5" })]
    [InlineData("owner = alice and config.model.d_model < 256", new[] { "r2", "r6" })]
    [InlineData("config.model.d_model = 1024 or tag:ablation", new[] { "r4", "r6" })]
    [InlineData("not (config.model.d_model > 100 and owner = alice)", new[] { "r3", "r4", "r5", "r6" })]
    [InlineData("config.model.rotary = true", new[] { "r1", "r3", "r4" })]
    // Booleans are only (in)equal; a run without the flag matches neither.
    [InlineData("config.model.rotary != true", new[] { "r2", "r6" })]
    [InlineData("config.model.widths.1 >= 2048", new[] { "r1", "r4" })]
    [InlineData("config.model.widths.-1 = 512", new[] { "r2" })]
    [InlineData("config.model.kind > \"dense\"", new[] { "r1", "r2", "r3", "r4", "r6" })]
    // A quoted literal is text: it never equals a JSON number.
    [InlineData("config.model.d_model = \"512\" or owner = carol", new[] { "r5" })]
    public async Task Config_path_conditions_compare_json_values_by_type_in_the_database(string filter, string[] expected)
    {
        await SeedAsync();
        Assert.Equal(expected, await MatchAsync(filter));
    }

    [Theory]
    [InlineData("status in (Completed, Running))", "misplaced ')' at column 31")]
    [InlineData("(status = Running", "expected ')' but found end of query at column 18")]
    [InlineData("best_eval_loss < ", "expected a value after '<' at column 18")]
    [InlineData("colour = red", "unknown field 'colour' at column 1")]
    [InlineData("created >= 2026-13-45", "invalid date '2026-13-45' for 'created' at column 12")]
    [InlineData("status = Done", "unknown status 'Done' at column 10")]
    [InlineData("owner > \"alice\"", "operator '>' is not supported for 'owner' at column 1")]
    [InlineData("owner = \"alice", "unterminated string starting at column 9")]
    [InlineData("status in Completed", "expected '(' but found 'Completed' at column 11")]
    [InlineData("and owner = x", "misplaced 'and' at column 1")]
    [InlineData("owner = x y", "misplaced 'y' at column 11")]
    [InlineData("owner = x and or", "misplaced 'or' at column 15")]
    [InlineData("parent is not 3", "expected 'null' but found '3' at column 15")]
    [InlineData("sweep = not-a-guid", "invalid id 'not-a-guid' for 'sweep' at column 9")]
    [InlineData("sweep = b2c", "invalid id 'b2c' for 'sweep' at column 9")]
    [InlineData("best_eval_loss < NaN", "invalid number 'NaN' for 'best_eval_loss' at column 18")]
    [InlineData("best_eval_loss < Infinity", "invalid number 'Infinity' for 'best_eval_loss' at column 18")]
    [InlineData("best_eval_loss > -Infinity", "invalid number '-Infinity' for 'best_eval_loss' at column 18")]
    [InlineData("best_eval_loss < 1e999", "invalid number '1e999' for 'best_eval_loss' at column 18")]
    [InlineData("best_eval_loss < inf", "invalid number 'inf' for 'best_eval_loss' at column 18")]
    [InlineData("config.model.d_model < 1e999", "number '1e999' at column 24")]
    [InlineData("config.model.d_model in (1, 1e-999)", "number '1e-999' at column 29")]
    [InlineData("priority = 1 & owner = x", "invalid character '&' at column 14")]
    public async Task Malformed_queries_raise_QuerySyntaxException_naming_the_column(string filter, string expected)
    {
        await SeedAsync();
        var error = await Assert.ThrowsAsync<QuerySyntaxException>(() => Queries.QueryAsync(filter, null, 10, null, Token));
        Assert.StartsWith(expected, error.Message);
        Assert.Equal(int.Parse(expected[(expected.LastIndexOf(' ') + 1)..]), error.Column);
    }

    [Theory]
    [InlineData("created desc", "")]
    [InlineData("created asc", "")]
    [InlineData("best_eval_loss asc", "")]
    [InlineData("best_eval_loss desc", "")]
    [InlineData("priority", "")]
    [InlineData("-finished", "")]
    [InlineData("created desc", "config.layer >= 2")]
    [InlineData("best_eval_loss", "config.layer >= 2 and owner = alice")]
    public async Task Keyset_paging_visits_every_match_once_in_sort_order(string sort, string filter)
    {
        await EnsureUsersAsync("alice", "bob");
        var runs = Enumerable.Range(0, 57).Select(i =>
        {
            // Ties on every sort key (created repeats every 10, priority has 3 values, a third has no loss).
            var run = NewRun(i % 4 == 0 ? "bob" : "alice", $"{{\"layer\":{i % 6}}}", RunStatus.Completed,
                i % 3 == 0 ? null : 2 + i % 7 * 0.25, Epoch.AddHours(i % 10), priority: i % 3);
            run.FinishedAt = i % 5 == 0 ? null : Epoch.AddMinutes(i * 7 % 23);
            return run;
        }).ToArray();
        await AddRunsAsync(runs);

        var order = RunSort.Parse(sort);
        var predicate = FilterFor(filter);
        var expected = Sorted(runs.Where(predicate), order).Select(r => r.Id).ToList();

        var seen = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Queries.QueryAsync(filter, sort, 7, cursor, Token);
            Assert.True(page.Items.Count <= 7);
            seen.AddRange(page.Items.Select(r => r.Id));
            cursor = page.NextCursor;
            Assert.True(++pages < 100, "paging did not terminate");
        } while (cursor is not null);

        Assert.Equal(expected, seen);
    }

    private static Func<Run, bool> FilterFor(string filter) => filter switch
    {
        "" => _ => true,
        "config.layer >= 2" => r => Layer(r) >= 2,
        _ => r => Layer(r) >= 2 && r.OwnerId == "alice",
    };

    private static int Layer(Run run) =>
        System.Text.Json.JsonDocument.Parse(run.ConfigJson).RootElement.GetProperty("layer").GetInt32();

    private static IEnumerable<Run> Sorted(IEnumerable<Run> runs, RunSort order)
    {
        Func<Run, IComparable?> key = order.Field switch
        {
            "created" => r => r.CreatedAt,
            "best_eval_loss" => r => r.BestEvalLoss,
            "priority" => r => r.Priority,
            "finished" => r => r.FinishedAt,
            _ => throw new ArgumentOutOfRangeException(nameof(order)),
        };
        // Nulls last either way; ties broken by id in uuid (= text) order, in the sort's direction.
        var nullsLast = runs.OrderBy(r => key(r) is null ? 1 : 0);
        return order.Descending
            ? nullsLast.ThenByDescending(key).ThenByDescending(r => r.Id.ToString(), StringComparer.Ordinal)
            : nullsLast.ThenBy(key).ThenBy(r => r.Id.ToString(), StringComparer.Ordinal);
    }

    [Fact]
    public async Task A_cursor_is_only_accepted_with_the_sort_it_was_issued_for()
    {
        await SeedAsync();
        var first = await Queries.QueryAsync("", "created desc", 2, null, Token);
        Assert.NotNull(first.NextCursor);

        var error = await Assert.ThrowsAsync<RunQueryException>(
            () => Queries.QueryAsync("", "priority asc", 2, first.NextCursor, Token));
        Assert.Contains("issued for sort 'created desc'", error.Message);
        await Assert.ThrowsAsync<RunQueryException>(() => Queries.QueryAsync("", "created desc", 2, "garbage!", Token));
        var sort = await Assert.ThrowsAsync<RunQueryException>(() => Queries.QueryAsync("", "x;y", 2, null, Token));
        Assert.StartsWith("cannot sort by 'x;y'; sortable fields: created", sort.Message);
        var size = await Assert.ThrowsAsync<RunQueryException>(() => Queries.QueryAsync("", null, 0, null, Token));
        Assert.Equal("page size 0 is outside 1..1000", size.Message);
    }

    [Fact]
    public async Task Parent_is_null_and_is_not_null_split_derived_runs_from_roots()
    {
        await EnsureUsersAsync("alice");
        var root = NewRun("alice", created: Day(1));
        var fork = NewRun("alice", created: Day(2));
        var resume = NewRun("alice", created: Day(3));
        await AddRunsAsync([root]);
        fork.ParentRunId = root.Id;
        fork.ParentRelation = RunRelation.Forked;
        resume.ParentRunId = fork.Id;
        resume.ParentRelation = RunRelation.Resumed;
        await AddRunsAsync([fork, resume]);
        var names = new Dictionary<Guid, string> { [root.Id] = "root", [fork.Id] = "fork", [resume.Id] = "resume" };
        async Task<string[]> Match(string filter) =>
            [.. (await Queries.QueryAsync(filter, "created asc", 10, null, Token)).Items.Select(r => names[r.Id])];

        Assert.Equal(["fork", "resume"], await Match("parent is not null"));
        Assert.Equal(["root"], await Match("parent is null"));
        Assert.Equal(["resume"], await Match("parent is not null and relation = Resumed"));
        Assert.Equal(["fork"], await Match($"parent = {root.Id}"));
        Assert.Equal(2, await Queries.CountAsync("parent is not null", Token));
    }

    [Fact]
    public async Task The_count_is_the_number_of_matching_runs_whatever_the_page()
    {
        await SeedAsync();
        // Counted independently of the query: the seed above has 4 completed runs, 3 of them alice's or carol's.
        Assert.Equal(6, await Queries.CountAsync(null, Token));
        Assert.Equal(4, await Queries.CountAsync("status = Completed", Token));
        Assert.Equal(3, await Queries.CountAsync("status = Completed and owner != bob", Token));
        var pages = 0;
        var seen = 0;
        string? cursor = null;
        do
        {
            var page = await Queries.QueryAsync("status = Completed", null, 3, cursor, Token);
            seen += page.Items.Count;
            cursor = page.NextCursor;
            pages++;
        } while (cursor is not null);
        Assert.Equal((2, 4), (pages, seen));
        await Assert.ThrowsAsync<QuerySyntaxException>(() => Queries.CountAsync("status = ", Token));
    }

    [Fact]
    public async Task Query_results_are_projections_with_tags_and_utc_times()
    {
        await SeedAsync();
        var page = await Queries.QueryAsync("tag:ablation", null, 10, null, Token);
        var run = Assert.Single(page.Items);
        Assert.Equal(_ids["r6"], run.Id);
        Assert.Equal(["ablation"], run.Tags);
        Assert.Equal("alice", run.Owner);
        Assert.Equal(_sweep, run.SweepId);
        Assert.Equal(Day(9), run.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, run.CreatedAt.Kind);
    }
}

public sealed class SqliteRunQueryTests() : RunQueryTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunQueryTests(PostgresServer server) : RunQueryTests(new PostgresTarget(server));
