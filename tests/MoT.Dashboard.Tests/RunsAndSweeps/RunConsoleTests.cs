using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Components.Widgets;
using MoT.Dashboard.Runs;
using MoT.Data;
using MoT.Data.RunLogs;
using Entities = MoT.Data.Entities;

namespace MoT.Dashboard.Tests.RunsAndSweeps;

/// <summary>The run page's Console card against a real store: the tail, level colours, the omission marker, live growth.</summary>
public sealed class RunConsoleTests() : TemporaryStoreTests("mot-console-")
{
    private static CancellationToken Token => Xunit.TestContext.Current.CancellationToken;

    private async Task<Guid> AddRunAsync()
    {
        await using var db = await Services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(Token);
        var id = Guid.NewGuid();
        if (!await db.Users.AnyAsync(u => u.Id == "rita", Token)) db.Users.Add(new Entities.User { Id = "rita", CreatedAt = DateTime.UtcNow });
        db.Runs.Add(new Entities.Run { Id = id, OwnerId = "rita", ConfigJson = "{}", ModelFamily = "MoT", EvalSetId = "e", TokenizerId = "t", CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync(Token);
        return id;
    }

    private Task WriteAsync(RunLogWriter writer, Guid run, params (Entities.RunLogLevel Level, string Text)[] lines) =>
        writer.WriteAsync([.. lines.Select(l => new RunLogLineRecord(run, 1, DateTime.UtcNow, l.Level, l.Text))], Token);

    private BunitContext Context()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        MudBlazor.Services.ServiceCollectionExtensions.AddMudServices(context.Services);
        context.Services.AddSingleton<IRunConsoleLog>(new DatabaseRunConsoleLog(Services.GetRequiredService<RunLogQuery>()));
        return context;
    }

    [Fact]
    public async Task The_card_shows_the_runs_lines_in_order_coloured_by_level_with_a_download_link()
    {
        var run = await AddRunAsync();
        var writer = Services.GetRequiredService<RunLogWriter>();
        await WriteAsync(writer, run, (Entities.RunLogLevel.Info, "Attempt 1 started on slot a/0 (silo a, device cpu)"),
            (Entities.RunLogLevel.Warning, "Preempted at step 7"), (Entities.RunLogLevel.Error, "Failed at step 9 (RunError): out of data"));
        await using var context = Context();

        var cut = context.Render<RunConsole>(p => p.Add(c => c.RunId, run));

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=console-line]").Count));
        var lines = cut.FindAll("[data-testid=console-line]");
        Assert.Equal(["1", "2", "3"], lines.Select(l => l.GetAttribute("data-sequence")));
        Assert.Equal(["Info", "Warning", "Error"], lines.Select(l => l.GetAttribute("data-level")));
        Assert.Contains("console-error", lines[2].ClassName);
        Assert.EndsWith("Failed at step 9 (RunError): out of data", lines[2].TextContent.Trim());
        Assert.Equal($"/export/runs/{run}/log.txt", cut.Find("[data-testid=console-download]").GetAttribute("href"));
        Assert.Empty(cut.FindAll("[data-testid=console-gap]"));
    }

    [Fact]
    public async Task A_tick_of_the_live_feed_appends_only_the_new_lines()
    {
        var run = await AddRunAsync();
        var writer = Services.GetRequiredService<RunLogWriter>();
        await WriteAsync(writer, run, (Entities.RunLogLevel.Info, "step 1"), (Entities.RunLogLevel.Info, "step 2"));
        await using var context = Context();
        var cut = context.Render<RunConsole>(p => p.Add(c => c.RunId, run).Add(c => c.Live, true).Add(c => c.Tick, 1));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=console-line]").Count));

        await WriteAsync(writer, run, (Entities.RunLogLevel.Info, "step 3"), (Entities.RunLogLevel.Info, "eval at step 3"));
        cut.Render(p => p.Add(c => c.Tick, 2));

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=console-line]").Count));
        Assert.Equal(["1", "2", "3", "4"], cut.FindAll("[data-testid=console-line]").Select(l => l.GetAttribute("data-sequence")));
        // The run ended: one more read when Live turns false, nothing new, nothing repeated.
        cut.Render(p => p.Add(c => c.Live, false));
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=console-line]").Count));
        // The silo's closing line can land after the run's status changed (a cancel): the card still shows it, with no tick.
        await WriteAsync(writer, run, (Entities.RunLogLevel.Warning, "Cancelled at step 3"));
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=console-line]").Count), TimeSpan.FromSeconds(10));
        Assert.EndsWith("Cancelled at step 3", cut.FindAll("[data-testid=console-line]")[^1].TextContent.Trim());
    }

    [Fact]
    public async Task Lines_the_store_dropped_show_as_one_omission_marker_with_their_count()
    {
        var run = await AddRunAsync();
        var bounded = new RunLogWriter(Services.GetRequiredService<IDbContextFactory<MotDbContext>>(), new RunLogLimits(HeadLines: 2, TailLines: 3));
        await bounded.WriteAsync([.. Enumerable.Range(1, 10).Select(i => new RunLogLineRecord(run, 1, DateTime.UtcNow, Entities.RunLogLevel.Info, $"line {i}"))], Token);
        await using var context = Context();

        var cut = context.Render<RunConsole>(p => p.Add(c => c.RunId, run));

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=console-line]").Count));
        Assert.Equal("… 5 lines omitted …", cut.Find("[data-testid=console-gap]").TextContent.Trim());
        Assert.Equal(["1", "2", "8", "9", "10"], cut.FindAll("[data-testid=console-line]").Select(l => l.GetAttribute("data-sequence")));
    }

    [Fact]
    public async Task A_run_not_yet_in_the_store_says_when_its_console_appears()
    {
        await using var context = Context();

        var cut = context.Render<RunConsole>(p => p.Add(c => c.RunId, Guid.NewGuid()));

        cut.WaitForAssertion(() => Assert.Contains("once the run is in the run store", cut.Find("[data-testid=console-lines]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=console-line]"));
    }
}
