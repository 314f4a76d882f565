using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// Launching a large random sweep with ASHA from the sweep form and from its YAML view reaches the sweep's page, in a
/// real browser. A browser once hung here after Launch while the grain-level test of the same sweep passed.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed partial class SweepLaunchEndToEndTests(DashboardServer server) : IAsyncLifetime
{
    private const int Trials = 12;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await BrowserSession.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    [GeneratedRegex("/sweeps/[0-9a-f-]{36}$")]
    private static partial Regex SweepUrl();

    private async Task<IPage> SignedInAsync()
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.SignInAsync(server.BaseUrl, "admin", "admin");
        await page.GotoAsync($"{server.BaseUrl}/sweeps/new");
        await page.WaitInteractiveAsync();
        return page;
    }

    [Fact]
    public async Task A_twelve_trial_random_sweep_with_ASHA_launched_from_the_form_opens_its_page()
    {
        var page = await SignedInAsync();
        try
        {
            await page.Input("sweep-name").FillAsync("e2e-asha-random-form");
            await page.Locator("[data-testid=sweep-method]").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").GetByText("Random", new() { Exact = true }).ClickAsync();
            await page.Input("sweep-steps").FillAsync("400");
            await page.Input("sweep-budget").FillAsync(Trials.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.GetByText("Early stopping (ASHA)").ClickAsync();
            await page.Input("asha-min-steps").FillAsync("100");
            await page.Input("sweep-name").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=run-estimate]")).ToContainTextAsync($"{Trials} runs");
            await page.ShotAsync("30-asha-random-form");

            await LaunchAndExpectSweepPageAsync(page, "e2e-asha-random-form", Trials);
        }
        catch
        {
            await page.ShotAsync("failure-asha-random-form");
            throw;
        }
    }

    [Fact]
    public Task A_twelve_trial_random_sweep_with_ASHA_launched_from_YAML_opens_its_page() => LaunchFromYamlAsync("e2e-asha-random-yaml", Trials);

    /// <summary>
    /// Before the sweep answered ahead of creating its runs, this launch showed nothing for 30 s and then a response
    /// timeout with the cluster's diagnostics, while the sweep went on in the background.
    /// </summary>
    [Fact]
    public Task A_four_hundred_trial_random_sweep_launched_from_YAML_opens_its_page_within_seconds() => LaunchFromYamlAsync("e2e-asha-random-large", 400);

    private async Task LaunchFromYamlAsync(string name, int trials)
    {
        var page = await SignedInAsync();
        try
        {
            await page.GetByRole(AriaRole.Tab, new() { Name = "YAML" }).ClickAsync();
            var yaml = page.Input("sweep-yaml");
            await yaml.FillAsync($"""
                name: {name}
                preset: MoT-Tiny/8E
                steps: 400
                learningRate: 0.001
                method: random
                maxConcurrentRuns: 2
                maxRuns: {trials}
                evalSet: demo-eval
                tokenizer: bytes
                earlyStopping:
                  minSteps: 100
                  reductionFactor: 3
                parameters:
                  - path: training.lr
                    kind: log-uniform
                    low: 0.0001
                    high: 0.01
                """);
            await page.ShotAsync($"31-{name}-yaml");

            await LaunchAndExpectSweepPageAsync(page, name, trials);
        }
        catch
        {
            await page.ShotAsync($"failure-{name}");
            throw;
        }
    }

    /// <summary>Launch answers within seconds: the sweep page, its name, and every trial listed; then the sweep is cancelled to free the slots.</summary>
    private async Task LaunchAndExpectSweepPageAsync(IPage page, string name, int trials)
    {
        var clock = Stopwatch.StartNew();
        await page.ClickAsync("[data-testid=launch-sweep]");
        // The sweep's page, well before the 30 s after which the platform's call would time out.
        await page.WaitForURLAsync(SweepUrl(), new() { Timeout = 25_000 });
        var launched = clock.Elapsed;
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.GetByText($"Sweep {name}")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-testid=trial-link]")).ToHaveCountAsync(trials);
        await Assertions.Expect(page.Locator(".mud-snackbar.mud-alert-filled-error")).ToHaveCountAsync(0);
        Assert.True(launched < TimeSpan.FromSeconds(25), $"launch took {launched}");
        await page.ShotAsync($"32-{name}-page");

        await page.ClickAsync("[data-testid=cancel-sweep]");
        await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel sweep" }).ClickAsync();
        // Cancelling stops every created run first: generous on a loaded machine.
        await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Cancelled", new() { Timeout = 60_000 });
    }
}
