using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Data.RunLogs;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

public abstract class RunLogStoreTests(DatabaseTarget target) : DataTestBase(target)
{
    private RunLogQuery Query => Services.GetRequiredService<RunLogQuery>();
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static RunLogLineRecord Line(Guid run, string text, int attempt = 1, RunLogLevel level = RunLogLevel.Info) =>
        new(run, attempt, Epoch, level, text);

    private async Task<Guid> NewRunIdAsync() => (await AddRunsAsync(NewRun()))[0].Id;

    private async Task<List<RunLogEntry>> AllAsync(Guid run) => [.. (await Query.AfterAsync(run, 0, RunLogQuery.MaxLimit, Token))!.Lines];

    [Fact]
    public async Task Lines_are_numbered_per_run_in_arrival_order_across_batches_and_attempts()
    {
        var a = await NewRunIdAsync();
        var b = await NewRunIdAsync();
        var writer = new RunLogWriter(Contexts, RunLogLimits.Default);

        await writer.WriteAsync([Line(a, "a1"), Line(b, "b1"), Line(a, "a2", level: RunLogLevel.Error)], Token);
        await writer.WriteAsync([Line(b, "b2", attempt: 2), Line(a, "a3", attempt: 2)], Token);

        var linesA = await AllAsync(a);
        Assert.Equal(["a1", "a2", "a3"], linesA.Select(l => l.Text));
        Assert.Equal([1L, 2L, 3L], linesA.Select(l => l.Sequence));
        Assert.Equal([1, 1, 2], linesA.Select(l => l.Attempt));
        Assert.Equal(RunLogLevel.Error, linesA[1].Level);
        Assert.All(linesA, l => Assert.Equal(0, l.OmittedBefore));
        Assert.Equal(["b1", "b2"], (await AllAsync(b)).Select(l => l.Text));
    }

    [Fact]
    public async Task Paging_after_a_sequence_number_returns_every_line_once_in_order()
    {
        var run = await NewRunIdAsync();
        var texts = Enumerable.Range(1, 23).Select(i => $"line {i}").ToArray();
        await new RunLogWriter(Contexts, RunLogLimits.Default).WriteAsync([.. texts.Select(t => Line(run, t))], Token);

        var read = new List<string>();
        long after = 0;
        var pages = 0;
        while (true)
        {
            var page = (await Query.AfterAsync(run, after, 5, Token))!;
            Assert.Equal(23, page.LastSequence);
            read.AddRange(page.Lines.Select(l => l.Text));
            pages++;
            if (!page.More) break;
            Assert.Equal(5, page.Lines.Count);
            after = page.Lines[^1].Sequence;
        }

        Assert.Equal(texts, read);
        Assert.Equal(5, pages);
        var past = (await Query.AfterAsync(run, 23, 5, Token))!;
        Assert.Empty(past.Lines);
        Assert.False(past.More);
    }

    [Fact]
    public async Task The_store_keeps_the_first_and_last_lines_and_readers_see_the_gap()
    {
        var run = await NewRunIdAsync();
        var writer = new RunLogWriter(Contexts, new RunLogLimits(HeadLines: 5, TailLines: 10));
        // 40 lines in batches of 7: the bound applies after every batch, not only once.
        foreach (var chunk in Enumerable.Range(1, 40).Chunk(7))
            await writer.WriteAsync([.. chunk.Select(i => Line(run, $"line {i}"))], Token);

        var all = await AllAsync(run);
        int[] kept = [1, 2, 3, 4, 5, .. Enumerable.Range(31, 10)];
        Assert.Equal(kept.Select(i => $"line {i}"), all.Select(l => l.Text));
        Assert.Equal(kept.Select(i => (long)i), all.Select(l => l.Sequence));
        Assert.Equal(25, all.Single(l => l.Sequence == 31).OmittedBefore);
        Assert.Equal(25, all.Sum(l => l.OmittedBefore));

        // A follower whose cursor was in the removed range hears how many it missed.
        var follower = (await Query.AfterAsync(run, 12, 100, Token))!;
        Assert.Equal(31, follower.Lines[0].Sequence);
        Assert.Equal(18, follower.Lines[0].OmittedBefore);

        var tail = (await Query.TailAsync(run, 3, Token))!;
        Assert.Equal([38L, 39L, 40L], tail.Lines.Select(l => l.Sequence));
        Assert.All(tail.Lines, l => Assert.Equal(0, l.OmittedBefore));
        var across = (await Query.TailAsync(run, 12, Token))!;
        Assert.Equal([4L, 5L, 31L], across.Lines.Take(3).Select(l => l.Sequence));
        Assert.Equal([0L, 0L, 25L], across.Lines.Take(3).Select(l => l.OmittedBefore));
    }

    [Fact]
    public async Task The_default_bound_keeps_the_first_thousand_and_last_ten_thousand_lines()
    {
        var run = await NewRunIdAsync();
        var writer = new RunLogWriter(Contexts, RunLogLimits.Default);
        foreach (var chunk in Enumerable.Range(1, 11_500).Chunk(RunLogIngestor.BatchSize))
            await writer.WriteAsync([.. chunk.Select(i => Line(run, $"line {i}"))], Token);

        await using var db = await Contexts.CreateDbContextAsync(Token);
        var stored = await db.RunLogLines.Where(l => l.RunId == run).OrderBy(l => l.Sequence).Select(l => l.Sequence).ToListAsync(Token);
        Assert.Equal(11_000, stored.Count);
        Assert.Equal(Enumerable.Range(1, 1_000).Concat(Enumerable.Range(1_501, 10_000)).Select(i => (long)i), stored);
        var tail = (await Query.TailAsync(run, 1, Token))!;
        Assert.Equal("line 11500", tail.Lines.Single().Text);
        Assert.Equal(11_500, tail.LastSequence);
    }

    [Fact]
    public async Task A_stored_line_is_one_capped_line_and_lines_of_unknown_runs_are_dropped()
    {
        var run = await NewRunIdAsync();
        var trace = "Corpus file missing: brown.tgz\n   at MoT.Training.Data.DemoCorpus.Prepare()\n   at Trainer.Run()";
        var dropped = await new RunLogWriter(Contexts, RunLogLimits.Default).WriteAsync(
            [Line(run, trace, level: RunLogLevel.Error), Line(run, new string('x', 5_000)), Line(Guid.NewGuid(), "nobody's")], Token);

        Assert.Equal(1, dropped);
        var lines = await AllAsync(run);
        Assert.Equal("Corpus file missing: brown.tgz …", lines[0].Text);
        Assert.Equal(RunLogLimits.MaxLineLength, lines[1].Text.Length);
        Assert.EndsWith("…", lines[1].Text);
        Assert.Null(await Query.AfterAsync(Guid.NewGuid(), 0, 10, Token));
    }

    [Fact]
    public async Task The_ingestor_writes_appended_lines_in_order_on_flush()
    {
        var run = await NewRunIdAsync();
        await using var ingestor = new RunLogIngestor(new RunLogWriter(Contexts, RunLogLimits.Default));
        for (var i = 1; i <= 2_500; i++) ingestor.Append(Line(run, $"line {i}"));

        await ingestor.FlushAsync(Token);

        Assert.Equal(0, ingestor.BufferedLines);
        var lines = await AllAsync(run);
        Assert.Equal(Enumerable.Range(1, 2_500).Select(i => $"line {i}"), lines.Select(l => l.Text));
    }
}

public sealed class SqliteRunLogStoreTests() : RunLogStoreTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunLogStoreTests(PostgresServer server) : RunLogStoreTests(new PostgresTarget(server));
