using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>Pause, extend, resume and clone a sweep; tag a run and find it; export CSV with the page's cookie. In a real browser.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class SweepControlAndRunNotesEndToEndTests(DashboardServer server) : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await BrowserSession.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    [Fact]
    public async Task A_researcher_pauses_extends_resumes_and_clones_a_sweep_then_tags_a_trial_and_exports_it()
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        try
        {
            await page.SignInAsync(server.BaseUrl, "admin", "admin");
            await page.GotoAsync($"{server.BaseUrl}/sweeps/new");
            await page.WaitInteractiveAsync();
            await page.Input("sweep-name").FillAsync("e2e-control");
            await page.Input("sweep-steps").FillAsync("3000"); // 90 s a trial: long enough to pause mid-way
            await page.Input("sweep-budget").FillAsync("3");
            await page.Input("sweep-name").ClickAsync();
            await page.ClickAsync("[data-testid=launch-sweep]");
            await page.WaitForURLAsync(SweepUrl());
            await page.WaitInteractiveAsync();
            var sweepUrl = page.Url;

            await page.ClickAsync("[data-testid=pause-sweep]");
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Paused");
            await page.ClickAsync("[data-testid=extend-sweep]");
            await page.Input("extend-max-runs").FillAsync("5");
            await page.ClickAsync("[data-testid=extend-apply]");
            await Assertions.Expect(page.Locator("[data-testid=trial-link]")).ToHaveCountAsync(5);
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Paused");
            await page.ShotAsync("20-sweep-paused-extended");
            await page.ClickAsync("[data-testid=resume-sweep]");
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Running");

            // A trial gets a readable name, tags and notes; the Runs filter finds it by tag.
            var trialName = (await page.Locator("[data-testid=trial-link]").First.InnerTextAsync()).Trim();
            Assert.Matches("^[a-z]+-[a-z]+-[0-9]{3}$", trialName);
            await page.Locator("[data-testid=trial-link]").First.ClickAsync();
            await page.WaitForURLAsync(new Regex("/runs/[0-9a-f-]{36}$"));
            await page.WaitInteractiveAsync();
            var runId = page.Url[^36..];
            await Assertions.Expect(page.Locator("[data-testid=run-title]")).ToContainTextAsync(trialName);
            await page.Input("run-tags").FillAsync("e2e-tagged, warmup");
            await page.Input("run-notes-text").FillAsync("Paused, extended and resumed; \"notes\" survive.");
            await page.ClickAsync("[data-testid=save-notes]");
            await Assertions.Expect(page.GetByText("Saved.")).ToBeVisibleAsync();
            await page.ShotAsync("21-run-notes");
            await page.GotoAsync($"{server.BaseUrl}/runs");
            await page.WaitInteractiveAsync();
            await page.Input("run-filter").FillAsync("tag:e2e-tagged");
            await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveTextAsync(trialName);
            await page.ShotAsync("22-runs-filtered-by-tag");

            // The CSV links use the page's cookie.
            var runsCsv = await page.APIRequest.GetAsync($"{server.BaseUrl}/export/runs.csv?filter={Uri.EscapeDataString("tag:e2e-tagged")}");
            Assert.Equal(200, runsCsv.Status);
            Assert.StartsWith("text/csv", runsCsv.Headers["content-type"]);
            var lines = (await runsCsv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith($"{runId},{trialName},admin,", lines[1]);
            Assert.Contains("\"Paused, extended and resumed; \"\"notes\"\" survive.\"", lines[1]);
            var metricsCsv = await page.APIRequest.GetAsync($"{server.BaseUrl}/export/runs/{runId}/metrics.csv");
            Assert.Equal(200, metricsCsv.Status);
            Assert.StartsWith("run_id,metric,step,value,time", await metricsCsv.TextAsync());
            var badFilter = await page.APIRequest.GetAsync($"{server.BaseUrl}/export/runs.csv?filter={Uri.EscapeDataString("status = ")}");
            Assert.Equal(400, badFilter.Status);
            Assert.StartsWith("filter: ", await badFilter.TextAsync());
            Assert.DoesNotContain("\n", (await badFilter.TextAsync()).Trim());

            // Clone with edits: the new-sweep form starts as this sweep.
            await page.GotoAsync(sweepUrl);
            await page.WaitInteractiveAsync();
            await page.ClickAsync("[data-testid=clone-sweep]");
            await page.WaitForURLAsync(new Regex("/sweeps/new\\?clone="));
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Input("sweep-name")).ToHaveValueAsync("e2e-control-copy");
            await Assertions.Expect(page.Input("sweep-steps")).ToHaveValueAsync("3000");
            await Assertions.Expect(page.Input("sweep-budget")).ToHaveValueAsync("5");
            await page.ShotAsync("23-sweep-clone-form");

            // Leave the slots free for the other tests of this server.
            await page.GotoAsync(sweepUrl);
            await page.WaitInteractiveAsync();
            await page.ClickAsync("[data-testid=cancel-sweep]");
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel sweep" }).ClickAsync(); // the confirmation
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Cancelled");
        }
        catch
        {
            await page.ShotAsync("failure-sweep-control");
            throw;
        }
    }

    [Fact]
    public async Task The_csv_export_requires_signing_in()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var response = await http.GetAsync($"{server.BaseUrl}/export/runs.csv", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/login", response.Headers.Location!.ToString());
    }

    [GeneratedRegex("/sweeps/[0-9a-f-]{36}$")]
    private static partial Regex SweepUrl();
}
