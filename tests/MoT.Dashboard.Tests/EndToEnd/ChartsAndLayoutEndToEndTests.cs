using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>A dashboard that accepts names far longer than the default limit, so the layout is tested with the worst case.</summary>
public sealed class LongNamesDashboardServer : DashboardServer
{
    protected override IEnumerable<string> ExtraArguments => ["--InputLimits:MaxNameLength=400"];
}

[CollectionDefinition(Name)]
public sealed class LongNamesDashboardCollection : ICollectionFixture<LongNamesDashboardServer>
{
    public const string Name = "dashboard-long-names";
}

/// <summary>
/// Charts (plotly, served by the host) and layout in a real browser at 1400 px: a six-trial sweep with a
/// 304-character name, its analysis plots, a trial's run page, the runs grid. Screenshots go to artifacts/screenshots.
/// </summary>
[Collection(LongNamesDashboardCollection.Name)]
public sealed class ChartsAndLayoutEndToEndTests(LongNamesDashboardServer server) : IAsyncLifetime
{
    private static readonly string LongName = "layout-" + string.Concat(Enumerable.Repeat("very-long-sweep-name-without-spaces-", 9))[..297];

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly List<string> _browserErrors = [];

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await BrowserSession.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    [Fact]
    public async Task Sweep_and_run_pages_draw_plotly_charts_and_fit_1400_px_with_a_304_character_name()
    {
        Assert.Equal(304, LongName.Length);
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (_browserErrors) _browserErrors.Add($"console: {message.Text}");
        };
        page.PageError += (_, error) =>
        {
            lock (_browserErrors) _browserErrors.Add($"page error: {error}");
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400) lock (_browserErrors) _browserErrors.Add($"HTTP {response.Status}: {response.Url}");
        };
        var plotlyRequests = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("plotly", StringComparison.OrdinalIgnoreCase)) lock (plotlyRequests) plotlyRequests.Add(request.Url);
        };

        try
        {
            await page.SignInAsync(server.BaseUrl, "admin", "admin");
            await page.GotoAsync($"{server.BaseUrl}/sweeps/new");
            await page.WaitInteractiveAsync();
            await page.GetByRole(AriaRole.Tab, new() { Name = "YAML" }).ClickAsync();
            await page.Input("sweep-yaml").FillAsync(SweepYaml);
            await page.ClickAsync("[data-testid=apply-yaml]");
            // The YAML reached the server (its estimate counts the YAML's budget) before Launch is pressed.
            await Assertions.Expect(page.Locator("[data-testid=run-estimate]")).ToContainTextAsync("6 runs", new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-testid=sweep-problems]")).ToHaveCountAsync(0);
            await page.ClickAsync("[data-testid=launch-sweep]");
            // Submitting creates every trial's run before it answers: slow on a loaded machine.
            await page.WaitForURLAsync(new Regex("/sweeps/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
            await page.WaitInteractiveAsync();
            var sweepUrl = page.Url;

            // Cancelling asks first; keeping it running changes nothing.
            await page.ClickAsync("[data-testid=cancel-sweep]");
            var dialog = page.Locator(".mud-dialog");
            await Assertions.Expect(dialog).ToContainTextAsync("Cancel this sweep?");
            await Shot(page, "charts-01-sweep-cancel-confirmation");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep running" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Running");

            // The long name is cut with an ellipsis and named in full in its tooltip; the page does not scroll sideways.
            await Assertions.Expect(page.Locator("[data-testid=sweep-name]")).ToHaveAttributeAsync("title", LongName);
            await AssertNoHorizontalOverflowAsync(page, "sweep page while running");
            await Assertions.Expect(page.Locator("[data-testid=cancel-sweep]")).ToBeInViewportAsync();

            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).Not.ToHaveTextAsync("Running", new() { Timeout = 120_000 });
            await page.ReloadAsync();
            await page.WaitInteractiveAsync();

            // Every analysis chart is drawn by plotly.
            foreach (var chart in new[] { "history-chart", "intermediate-chart", "parallel-coordinates", "contour-chart" })
                await Assertions.Expect(page.Locator($"[data-testid={chart}] .js-plotly-plot")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Assertions.Expect(page.Locator("[data-testid=slice-chart] .js-plotly-plot")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=importance-row]")).ToHaveCountAsync(2);
            await Assertions.Expect(page.Locator("[data-testid=importance-method]")).ToContainTextAsync("Random-forest");
            // Parameters are a table of rounded values: no raw JSON, no 16-digit floats.
            await Assertions.Expect(page.Locator("[data-testid=parameter-column]")).ToHaveCountAsync(2);
            var values = await page.Locator("[data-testid=parameter-value]").AllInnerTextsAsync();
            Assert.All(values, v => Assert.True(SignificantDigits(v) <= 4, $"parameter shown as '{v}'"));
            await AssertNoHorizontalOverflowAsync(page, "finished sweep page");
            await Shot(page, "charts-02-sweep-analysis");
            await page.Locator("[data-testid=intermediate-chart]").ScrollIntoViewIfNeededAsync();
            await Shot(page, "charts-03-sweep-intermediate-values", fullPage: false);

            // Compare two trials: the legend names each run by its model and short id, not a bare id.
            var runIds = (await page.Locator("[data-testid=trial-link]").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href').split('/').pop())")).Take(2).ToList();
            await page.GotoAsync($"{server.BaseUrl}/compare?runs={string.Join(",", runIds)}");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=compare-chart] .js-plotly-plot")).ToHaveCountAsync(1);
            var legend = page.Locator("[data-testid=compare-chart] .legendtext");
            await Assertions.Expect(legend).ToHaveCountAsync(2);
            Assert.All(await legend.AllTextContentsAsync(), text => Assert.Matches(@"^MoT-Tiny/\dE · [a-z0-9-]+$", text));
            await AssertNoHorizontalOverflowAsync(page, "compare page");
            await Shot(page, "charts-035-compare");
            await page.GoBackAsync();
            await page.WaitInteractiveAsync();

            // A trial's run page: the loss chart is plotly, its model label follows the trial's expert count.
            var firstExperts = (await page.Locator("[data-testid=trials] tbody tr").First.Locator("[data-testid=parameter-value]").Nth(1).InnerTextAsync()).Trim();
            await page.Locator("[data-testid=trial-link]").First.ClickAsync();
            await page.WaitForURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=loss-chart] .js-plotly-plot")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=model]")).ToHaveTextAsync($"MoT-Tiny/{firstExperts}E");
            // The log switch redraws the y axis as a log axis.
            await page.Locator("[data-testid=loss-chart] input[type=checkbox]").First.CheckAsync();
            await Assertions.Expect(page.Locator("[data-testid=loss-chart] .js-plotly-plot")).ToHaveCountAsync(1);
            await WaitUntilAsync(() => page.EvaluateAsync<bool>("() => { const g = document.querySelector('[data-testid=loss-chart] .js-plotly-plot'); return !!(g && g._fullLayout && g._fullLayout.yaxis.type === 'log'); }"), "the loss chart's y axis to turn logarithmic");
            await AssertNoHorizontalOverflowAsync(page, "run page");
            await Shot(page, "charts-04-run-page");

            // The runs grid keeps within the page at 1400 px.
            await page.GotoAsync($"{server.BaseUrl}/runs");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=run-link]").First).ToBeVisibleAsync();
            await AssertNoHorizontalOverflowAsync(page, "runs page");
            await Shot(page, "charts-05-runs-grid");
            // Columns wider than the card scroll inside it: every column can be brought into view.
            var grid = await page.EvaluateAsync<bool[]>(@"() => {
                const c = document.querySelector('[data-testid=runs-grid] .mud-table-container');
                const wide = c.scrollWidth > c.clientWidth;
                c.scrollLeft = c.scrollWidth;
                return [wide, c.scrollLeft + c.clientWidth >= c.scrollWidth - 1];
            }");
            Assert.True(!grid[0] || grid[1], "the runs grid is wider than its card and does not scroll");
            await Shot(page, "charts-06-runs-grid-scrolled", fullPage: false);

            // plotly.js came from this host, not a CDN, and the browser logged no error on any page.
            Assert.NotEmpty(plotlyRequests);
            Assert.All(plotlyRequests, url => Assert.StartsWith(server.BaseUrl, url));
            lock (_browserErrors) Assert.True(_browserErrors.Count == 0, string.Join("\n", _browserErrors));
            _ = sweepUrl;
        }
        catch (Exception e)
        {
            await Shot(page, "charts-failure");
            throw new Exception($"{e.Message}\n--- browser errors ---\n{string.Join("\n", _browserErrors)}\n--- dashboard log ---\n{Tail(server.Log)}", e);
        }
    }

    private static string SweepYaml => $"""
        name: {LongName}
        preset: MoT-Tiny/8E
        steps: 120
        learningRate: 0.001
        method: random
        maxConcurrentRuns: 2
        maxRuns: 6
        seed: 11
        parameters:
        - path: training.lr
          kind: log-uniform
          low: 0.0001
          high: 0.01
        - path: model.experts
          kind: int
          low: 2
          high: 8
          step: 2
        """;

    /// <summary>Digits of a printed number's mantissa without leading zeros ("0.0001035" has 4, "3.162e-7" has 4).</summary>
    private static int SignificantDigits(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? text.TrimStart('-').Split('e', 'E')[0].Replace(".", "").TrimStart('0').Length
            : int.MaxValue;

    private static async Task AssertNoHorizontalOverflowAsync(IPage page, string where)
    {
        var (scroll, client) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"), await page.EvaluateAsync<int>("() => document.documentElement.clientWidth"));
        Assert.True(scroll <= client, $"{where}: the page is {scroll} px wide in a {client} px window");
    }

    /// <summary>Screenshots to look at, under the repository's (git-ignored) artifacts/screenshots.</summary>
    private static Task Shot(IPage page, string name, bool fullPage = true) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ArtifactsDirectory, name + ".png"), FullPage = fullPage });

    private static string ArtifactsDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "MoT.Platform.sln"))) directory = directory.Parent;
            var path = Path.Combine(directory?.FullName ?? DashboardServer.ScreenshotDirectory, "artifacts", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Waited {seconds} s for {what}.");
            await Task.Delay(200);
        }
    }

    private static string Tail(string log) => log.Length > 6000 ? log[^6000..] : log;
}
