using System.Diagnostics;
using System.Text;
using MoT.Data.Entities;
using MoT.Data.Queries;
using MoT.Data.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Runs;

namespace MoT.Data.Tests;

/// <summary>
/// Thousands of seeded mutations of valid filters (character insert/delete/swap, token splicing, deep nesting,
/// repetition) go through the parser and compiler: each either compiles or raises <see cref="QuerySyntaxException"/>,
/// never anything else, within a time bound. A sample of those that compile also runs against SQLite and must select
/// exactly the runs the same predicate selects in memory.
/// </summary>
public sealed class FilterFuzzTests() : DataTestBase(new SqliteTarget())
{
    private const int Mutations = 4000;
    private static readonly TimeSpan s_perInputBound = TimeSpan.FromSeconds(2);

    private static readonly string[] s_seeds =
    [
        "status in (Completed, Running) and best_eval_loss < 3 and config.model.family = \"MoT\"",
        "owner = alice or (tag:baseline and not priority >= 2)",
        "created between 2026-01-01 and 2026-02-01T12:00:00Z",
        "sweep = b2c99a13 and id != 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "config.model.widths.-1 >= 512 or config.model.rotary = true",
        "not (status = Failed) and family in (MoT, Dense, 'Token Choice')",
        "parent = null and relation != Fork and attempt <= 3",
        "best_eval_loss between 2.5 and 3.5 and compute_budget > 1e18",
        "tag in (a, b, \"c d\") and name = 'x\\'y'",
        "finished >= 2026-01-05 or started = null",
    ];

    private static readonly string[] s_fragments =
    [
        "(", ")", "not ", " and ", " or ", " in (", ",", "=", "!=", "<>", "<=", ">", "\"", "'", "\\", "tag:", "config.",
        "between ", "null", "NaN", "-Infinity", "1e999", "1e-999", "0x1F", "9999999999999999999999", "..", "ﬀ", "\u0000",
        "\uD800", "é", "💥", "b2c9", "abcd-", "sweep = ", "id in (", "created >= ", "2026-13-45", ";", "--", "/*", "%", "_",
    ];

    [Fact]
    public async Task Mutated_filters_compile_or_fail_with_one_clear_line_and_the_database_agrees_with_memory()
    {
        await AddRunsAsync(Runs());
        var random = new Random(20261201);
        var runs = Runs();
        var queries = Services.GetRequiredService<RunQueryService>();
        var compiled = 0;
        var executed = 0;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Mutations; i++)
        {
            var filter = Mutate(random, s_seeds[random.Next(s_seeds.Length)]);
            var started = clock.Elapsed;
            Func<Run, bool> predicate;
            try
            {
                predicate = RunFilter.Compile(filter);
                compiled++;
            }
            catch (QuerySyntaxException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message), $"empty message for {Show(filter)}");
                Assert.DoesNotContain('\n', e.Message);
                continue;
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name} for {Show(filter)}: {e}");
                return;
            }
            finally
            {
                Assert.True(clock.Elapsed - started < s_perInputBound, $"took {clock.Elapsed - started} for {Show(filter)}");
            }

            if (i % 10 != 0) continue;
            // Through the store: the same runs as in memory (or the same clear error, for an ambiguous prefix).
            string[] inMemory, inDatabase;
            try
            {
                inMemory = [.. RunFilter.Apply(runs, r => r, filter).Select(r => r.Name!).Order()];
            }
            catch (QuerySyntaxException)
            {
                await Assert.ThrowsAsync<QuerySyntaxException>(() => queries.QueryAsync(filter, null, 100, null, TestContext.Current.CancellationToken));
                continue;
            }
            var page = await queries.QueryAsync(filter, null, 100, null, TestContext.Current.CancellationToken);
            inDatabase = [.. page.Items.Select(r => r.Name!).Order()];
            Assert.True(inMemory.SequenceEqual(inDatabase),
                $"{Show(filter)}: memory [{string.Join(",", inMemory)}] database [{string.Join(",", inDatabase)}]");
            executed++;
        }

        // The mutations must exercise both outcomes, or the test proves little.
        Assert.InRange(compiled, Mutations / 20, Mutations - Mutations / 20);
        Assert.True(executed >= 20, $"only {executed} compiled filters reached the database");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"fuzzing took {clock.Elapsed}");
    }

    [Fact]
    public void Random_sort_text_is_a_sort_or_a_RunQueryException()
    {
        var random = new Random(7);
        string[] seeds = ["created", "-best_eval_loss", "priority asc", "finished desc", "x;y", "attempt"];
        for (var i = 0; i < 2000; i++)
        {
            var text = Mutate(random, seeds[random.Next(seeds.Length)]);
            try
            {
                RunSort.Parse(text);
            }
            catch (RunQueryException e)
            {
                Assert.DoesNotContain('\n', e.Message);
            }
        }
    }

    private static string Show(string filter) => filter.Length > 300 ? $"'{filter[..300]}…' ({filter.Length} chars)" : $"'{filter}'";

    private static string Mutate(Random random, string text)
    {
        var steps = random.Next(1, 4);
        for (var s = 0; s < steps; s++)
        {
            var at = random.Next(text.Length + 1);
            text = random.Next(7) switch
            {
                0 => text.Insert(at, ((char)random.Next(32, 127)).ToString()),
                1 when text.Length > 0 => text.Remove(Math.Min(at, text.Length - 1), 1),
                2 when text.Length > 1 => Swap(text, Math.Min(at, text.Length - 2)),
                3 => text.Insert(at, s_fragments[random.Next(s_fragments.Length)]),
                4 => Splice(random, text, at),
                5 => Nest(random, text),
                _ => Repeat(random, text),
            };
        }
        return text;
    }

    private static string Swap(string text, int at) =>
        string.Concat(text.AsSpan(0, at), text[at + 1].ToString(), text[at].ToString(), text.AsSpan(at + 2));

    // A random stretch of another seed, where tokens of one filter meet the grammar of another.
    private static string Splice(Random random, string text, int at)
    {
        var donor = s_seeds[random.Next(s_seeds.Length)];
        var start = random.Next(donor.Length);
        var length = random.Next(1, Math.Min(40, donor.Length - start) + 1);
        return text.Insert(at, donor.Substring(start, length));
    }

    // Wrapping in parentheses or 'not' up to twice the nesting limit, balanced or not.
    private static string Nest(Random random, string text)
    {
        var depth = random.Next(1, 2 * FilterLimits.Default.MaxNesting + 1);
        var open = random.Next(2) == 0 ? "(" : "not ";
        var builder = new StringBuilder();
        for (var i = 0; i < depth; i++) builder.Append(open);
        builder.Append(text);
        if (open == "(")
            for (var i = 0; i < depth - random.Next(2); i++) builder.Append(')');
        return builder.ToString();
    }

    // Chains of the whole filter, up past the condition and length limits.
    private static string Repeat(Random random, string text)
    {
        var count = random.Next(2, 400);
        var joiner = random.Next(2) == 0 ? " or " : " and ";
        return string.Join(joiner, Enumerable.Repeat($"({text})", count));
    }

    private static Run[] Runs()
    {
        var statuses = Enum.GetValues<RunStatus>();
        return [.. Enumerable.Range(0, 12).Select(i =>
        {
            var run = NewRun(i % 3 == 0 ? "alice" : "bob",
                $"{{\"model\":{{\"family\":\"{(i % 2 == 0 ? "MoT" : "Dense")}\",\"widths\":[{64 * i},{512 + i}],\"rotary\":{(i % 4 == 0 ? "true" : "false")}}}}}",
                statuses[i % statuses.Length], i % 5 == 0 ? null : 2 + i * 0.2, Epoch.AddDays(i), priority: i % 4,
                tags: i % 2 == 0 ? ["baseline", "a"] : ["c d"]);
            run.Id = Guid.Parse($"{i:x8}-0000-4000-8000-{i:x12}");
            run.Name = $"r{i}";
            if (i % 3 == 1) run.FinishedAt = Epoch.AddDays(i + 1);
            return run;
        })];
    }
}
