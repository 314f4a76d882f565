using System.Text;
using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MoT.Data.Tests;

/// <summary>
/// The filters that once overflowed the stack (50,000 parentheses, 10,000 'not', a 7,000-term 'or') get one line
/// naming the limit they broke; with the limits raised to their ceilings the same shapes compile and run through
/// EF Core on a thread with a small stack, because nothing recurses once per term any more.
/// </summary>
public sealed class FilterLimitsTests() : DataTestBase(new SqliteTarget())
{
    private RunQueryService Queries => Services.GetRequiredService<RunQueryService>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    internal static string NestedParentheses(int depth) => Repeat("(", depth) + "owner = u1" + Repeat(")", depth);

    internal static string NestedNots(int depth) => Repeat("not ", depth) + "owner = u1";

    internal static string OrChain(int terms) => string.Join(" or ", Enumerable.Range(0, terms).Select(i => $"owner = u{i}"));

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "50,000 nested parentheses", NestedParentheses(50_000), "Queries:Filter:MaxLength" },
        { "10,000 nested not", NestedNots(10_000), "Queries:Filter:MaxLength" },
        { "7,000-term or", OrChain(7_000), "Queries:Filter:MaxLength" },
        { "33 nested parentheses", NestedParentheses(33), "nests parentheses and 'not' more than 32 levels deep at column 33 (Queries:Filter:MaxNesting)" },
        { "33 nested not", NestedNots(33), "more than 32 levels deep at column 129 (Queries:Filter:MaxNesting)" },
        { "257-term or", OrChain(257), "the filter has more than 256 conditions at column" },
        { "257-value in list", $"owner in ({string.Join(", ", Enumerable.Range(0, 257).Select(i => $"u{i}"))})", "(Queries:Filter:MaxTerms" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_filter_over_a_limit_is_one_line_naming_that_limit(string shape, string filter, string expected)
    {
        Assert.NotNull(shape);

        var error = await Assert.ThrowsAsync<QuerySyntaxException>(() => Queries.QueryAsync(filter, null, 10, null, Token));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(error.Message, RunFilter.Validate(filter));
    }

    [Fact]
    public async Task Filters_at_the_default_limits_still_run()
    {
        await AddRunsAsync(Run("u1"), Run("u200"), Run("zz"));

        Assert.Equal(2, (await Queries.QueryAsync(OrChain(256), null, 10, null, Token)).Items.Count);
        Assert.Single((await Queries.QueryAsync(NestedParentheses(32), null, 10, null, Token)).Items);
        Assert.Single((await Queries.QueryAsync(NestedNots(32), null, 10, null, Token)).Items);   // an even number of 'not'
    }

    [Fact]
    public void The_length_message_names_the_length_and_the_limit()
    {
        var error = Assert.Throws<QuerySyntaxException>(() => RunFilter.Compile(NestedParentheses(50_000)));
        Assert.Equal("the filter is 100010 characters long; the limit is 8192 (Queries:Filter:MaxLength)", error.Message);
    }

    [Fact]
    public void Limits_out_of_range_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new FilterLimits { MaxNesting = 100_000 }.Validate());
        Assert.Equal("Queries:Filter:MaxNesting is 100000; it must be between 1 and 256", error.Message);
        Assert.Contains("Queries:Filter:MaxTerms is 1000",
            Assert.Throws<InvalidOperationException>(() => new FilterLimits { MaxTerms = 1000 }.Validate()).Message);
    }

    [Fact]
    public async Task Far_past_the_limits_the_probe_shapes_still_translate_in_EF_Core_on_a_256_KiB_stack_and_at_the_ceilings_they_run()
    {
        await AddRunsAsync(Run("u1"), Run("u899"), Run("zz"));
        var ceilings = new FilterLimits { MaxLength = 1 << 20, MaxNesting = FilterLimits.NestingCeiling, MaxTerms = FilterLimits.TermsCeiling }.Validate();
        var beyond = ceilings with { MaxTerms = 100_000 };   // past what Validate allows: the compiler itself must still cope
        string[] translateOnly =
        [
            OrChain(7_000),
            string.Join(" and ", Enumerable.Range(0, 7_000).Select(i => $"owner != v{i}")),
            $"tag in ({string.Join(", ", Enumerable.Range(0, 7_000).Select(i => $"t{i}"))})",
        ];
        var run = new (string Filter, int Expected)[]
        {
            (OrChain(FilterLimits.TermsCeiling), 2),
            (string.Join(" and ", Enumerable.Range(0, FilterLimits.TermsCeiling).Select(i => $"owner != v{i}")), 3),
            (NestedParentheses(FilterLimits.NestingCeiling), 1),
            (NestedNots(FilterLimits.NestingCeiling), 1),
            ($"tag in ({string.Join(", ", Enumerable.Range(0, FilterLimits.TermsCeiling - 1).Select(i => $"t{i}"))}) or owner = zz", 1),
        };

        var counts = new List<int>();
        // Left-deep trees of 7,000 terms overflow a 256 KiB stack inside EF Core's visitors; balanced ones do not.
        OnStack(256 * 1024, () =>
        {
            using var db = Contexts.CreateDbContext();
            foreach (var filter in translateOnly)
                Assert.Contains("WHERE", db.Runs.Where(RunFilterCompiler.Compile(filter, beyond)!).ToQueryString());
        });
        // Nesting at its ceiling is deep by nature: it must run on a stack smaller than a thread-pool thread's (1.5 MiB),
        // with room for unoptimised (tier-0) frames on a loaded machine.
        OnStack(1024 * 1024, () =>
        {
            using var db = Contexts.CreateDbContext();
            foreach (var (filter, _) in run)
            {
                var predicate = RunFilterCompiler.Compile(filter, ceilings)!;
                var count = db.Runs.AsNoTracking().Where(predicate).Count();
                Assert.Equal(count, db.Runs.AsNoTracking().Include(r => r.Tags).AsEnumerable().Count(predicate.Compile()));
                counts.Add(count);
            }
        });

        Assert.Equal(run.Select(f => f.Expected), counts);
    }

    private static void OnStack(int bytes, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, maxStackSize: bytes);
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    private static Run Run(string owner) => NewRun(owner, tags: owner == "zz" ? ["t5"] : []);
}
