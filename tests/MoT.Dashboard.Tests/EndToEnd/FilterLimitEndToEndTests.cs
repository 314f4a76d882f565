using System.Net;
using System.Text;
using Microsoft.Playwright;
using MoT.Dashboard.Hosting;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// The filters that used to overflow the stack of the all-in-one process (which also hosts the silo), typed into the
/// Runs page of the real host by a signed-in viewer: each gets one line naming the limit it broke, the page keeps
/// working, and the process stays up.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class FilterLimitEndToEndTests(DashboardServer server) : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await BrowserSession.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    public static TheoryData<string, string> Hostile => new()
    {
        // Longer than the field accepts: the browser keeps the first 8192 characters, which still nest too deep.
        { Repeat("(", 50_000) + "owner = viewer" + Repeat(")", 50_000), "Queries:Filter:MaxNesting" },
        { Repeat("not ", 10_000) + "owner = viewer", "Queries:Filter:MaxNesting" },
        // Within the length limit: 8 KB used to be enough at a request thread's stack size.
        { Repeat("(", 4_000) + "owner = viewer" + Repeat(")", 4_000)[..100], "Queries:Filter:MaxNesting" },
        { string.Join(" or ", Enumerable.Range(0, 600).Select(i => $"owner = u{i}")), "Queries:Filter:MaxTerms" },
        { string.Join(" or ", Enumerable.Range(0, 7_000).Select(i => $"owner = u{i}")), "Queries:Filter:MaxTerms" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_filter_on_the_runs_page_gets_one_line_naming_the_limit_and_the_host_stays_up(string filter, string limit)
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        try
        {
            await page.SignInAsync(server.BaseUrl, "viewer", "viewer");

            await page.Input("run-filter").FillAsync(filter);

            await Assertions.Expect(page.GetByText(limit)).ToBeVisibleAsync();
            // The circuit is alive: a valid filter afterwards clears the error.
            await page.Input("run-filter").FillAsync("owner = viewer");
            await Assertions.Expect(page.GetByText(limit)).ToHaveCountAsync(0);
            await Assertions.Expect(page.GetByText(new System.Text.RegularExpressions.Regex("at column \\d+"))).ToHaveCountAsync(0);

            using var http = new HttpClient();
            var health = await http.GetAsync($"{server.BaseUrl}{DashboardHostingExtensions.HealthPath}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        catch (Exception e)
        {
            await page.ShotAsync("filter-limit-failure");
            throw new Xunit.Sdk.XunitException($"{e.Message}\nhost log (tail):\n{server.Log[^Math.Min(server.Log.Length, 4000)..]}", e);
        }
        finally
        {
            await context.DisposeAsync();
        }
    }
}
