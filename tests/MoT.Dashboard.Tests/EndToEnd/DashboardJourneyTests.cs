using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

[Collection(DashboardCollection.Name)]
public sealed class DashboardJourneyTests(DashboardServer server) : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync() => (_playwright, _browser) = await BrowserSession.LaunchAsync();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    [Fact]
    public async Task A_researcher_signs_in_launches_a_tiny_sweep_watches_a_curve_resumes_and_sees_the_leaderboard_change()
    {
        var page = await NewPageAsync();
        try
        {
            await page.GotoAsync($"{server.BaseUrl}/login");
            await page.ShotAsync("01-login");
            await page.SignInAsync(server.BaseUrl, "admin", "admin");
            await Assertions.Expect(page.Locator("[data-testid=current-user]")).ToContainTextAsync("admin");

            // The board before anything finished.
            await page.GotoAsync($"{server.BaseUrl}/leaderboard");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=leaderboard]")).ToBeVisibleAsync();
            var rowsBefore = await page.Locator("[data-testid=leaderboard-row]").CountAsync();

            // New sweep: Tiny preset, the YAML view mirrors the form, launch.
            await page.GotoAsync($"{server.BaseUrl}/sweeps/new");
            await page.WaitInteractiveAsync();
            await page.Input("sweep-name").FillAsync("e2e-tiny");
            await page.Input("sweep-steps").FillAsync("300");
            await page.Input("sweep-budget").FillAsync("3");
            await page.Input("sweep-name").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=run-estimate]")).ToContainTextAsync("3 runs");
            await page.ShotAsync("02-new-sweep-form");
            await page.GetByRole(AriaRole.Tab, new() { Name = "YAML" }).ClickAsync();
            var yaml = page.Input("sweep-yaml");
            await Assertions.Expect(yaml).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("name: e2e-tiny"));
            await Assertions.Expect(yaml).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("preset: MoT-Tiny/8E"));
            await page.ShotAsync("03-new-sweep-yaml");
            // An edit in the YAML view is what gets launched.
            await yaml.FillAsync((await yaml.InputValueAsync()).Replace("name: e2e-tiny", "name: e2e-tiny-yaml"));
            await page.ClickAsync("[data-testid=launch-sweep]");
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/sweeps/[0-9a-f-]{36}$"));
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=trial-link]")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByText("Sweep e2e-tiny-yaml")).ToBeVisibleAsync();

            // A trial's curve grows by push while it trains.
            await page.Locator("[data-testid=trial-link]").First.ClickAsync();
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/runs/[0-9a-f-]{36}$"));
            await page.WaitInteractiveAsync();
            var chart = page.Locator("[data-testid=loss-chart]");
            await Assertions.Expect(page.Locator("[data-testid=live]")).ToBeVisibleAsync();
            var first = await PointsAsync(chart);
            await WaitUntilAsync(async () => await PointsAsync(chart) > first + 5, "the loss curve to grow while the run trains");
            await page.ShotAsync("04-run-live");
            // A MoT trial shows its routing per MoE block, growing by push too.
            await Assertions.Expect(page.Locator("[data-testid=moe-panel]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=moe-row]")).ToHaveCountAsync(2);
            var moeChart = page.Locator("[data-testid=moe-chart]");
            var moeFirst = await PointsAsync(moeChart);
            await WaitUntilAsync(async () => await PointsAsync(moeChart) > moeFirst, "the MoE diagnostics to grow while the run trains");
            await page.ShotAsync("04b-run-moe-diagnostics");

            // Finished: resume from its checkpoint.
            await Assertions.Expect(page.Locator("[data-testid=status-chip]").First).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            var parentUrl = page.Url;
            // Pin a recorded checkpoint; the pin survives a reload.
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-row]").First).ToBeVisibleAsync();
            await page.Locator("[data-testid=pin]").First.ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-row]").First).ToHaveAttributeAsync("data-pinned", "true");
            await page.ReloadAsync();
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=checkpoint-row]").First).ToHaveAttributeAsync("data-pinned", "true");
            await page.ShotAsync("04c-run-checkpoint-pinned");
            await page.ClickAsync("[data-testid=fork]");
            await Assertions.Expect(page.Locator("[data-testid=config-diff]")).ToBeVisibleAsync();
            await page.ShotAsync("05-fork-dialog");
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
            // Resume asks how many more steps (default: as many as the run planned) and continues the step count.
            await page.ClickAsync("[data-testid=resume]");
            await Assertions.Expect(page.Locator("[data-testid=resume-total]")).ToContainTextAsync("Trains steps 301 to 600");
            await page.ShotAsync("05b-resume-dialog");
            await page.ClickAsync("[data-testid=dialog-confirm]");
            await page.WaitForURLAsync(url => url != parentUrl && url.Contains("/runs/"));
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByText("Resume of")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=owner]")).ToHaveTextAsync("admin");
            await page.ShotAsync("06-run-resumed");
            // The status line of a resumed run names its checkpoint's path: it wraps inside the facts card instead of running off it.
            var facts = page.Locator("[data-testid=status-message]").Locator("xpath=ancestor::div[contains(@class,'mud-paper')][1]");
            Assert.True(await facts.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth + 1"), "the run facts card overflows");

            // The sweep page shows progress and curves of all trials.
            await page.GotoAsync(parentUrl);
            await page.WaitInteractiveAsync();
            await page.GetByText("Trial of sweep").Locator("a").ClickAsync();
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=sweep-status]")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            // Parallel coordinates: one line per finished trial.
            var finished = await page.Locator("[data-testid=trials] tbody tr").CountAsync();
            await Assertions.Expect(page.Locator("[data-testid=parallel-coordinates]")).ToHaveAttributeAsync("data-lines", finished.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await page.ShotAsync("07-sweep-detail");
            await page.ShotAsync("07b-sweep-parallel-coordinates");

            // The leaderboard changed.
            await page.GotoAsync($"{server.BaseUrl}/leaderboard");
            await page.WaitInteractiveAsync();
            await WaitUntilAsync(async () => await page.Locator("[data-testid=leaderboard-row]").CountAsync() > rowsBefore, "a leaderboard row");
            // One budget axis, its unit stated.
            await Assertions.Expect(page.Locator("[data-testid=budget-unit]")).ToContainTextAsync("tokens seen, including those inherited");
            // Runs are named as on the Runs page (their stored or generated name), not by id; the id is the tooltip.
            var leader = page.Locator("[data-testid=leaderboard-run]").First;
            Assert.True(Guid.TryParse(await leader.GetAttributeAsync("title"), out var leaderId));
            var leaderName = (await leader.InnerTextAsync()).Trim();
            Assert.DoesNotContain(leaderId.ToString()[..8], leaderName, StringComparison.Ordinal);
            Assert.NotEmpty(leaderName);
            await page.ShotAsync("08-leaderboard");

            // Runs list: owner, statuses; a malformed filter shows the parser's error in place.
            await page.GotoAsync($"{server.BaseUrl}/runs");
            await page.WaitInteractiveAsync();
            await WaitUntilAsync(async () => await page.Locator("[data-testid=run-link]").CountAsync() >= 4, "4 runs in the grid");
            await page.ShotAsync("09-runs");
            // The column chooser adds a config column (learning rate) and a metric summary; the choice survives a reload.
            await page.ClickAsync("[data-testid=column-chooser] button");
            await page.ClickAsync("[data-testid='column-training.lr']");
            await page.ClickAsync("[data-testid=column-last_train_loss]");
            await page.Keyboard.PressAsync("Escape");
            await Assertions.Expect(page.Locator("[data-testid='cell-training.lr']").First).Not.ToBeEmptyAsync();
            await Assertions.Expect(page.Locator("th", new() { HasText = "Last train loss" })).ToBeVisibleAsync();
            await page.ReloadAsync();
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("th", new() { HasText = "Learning rate" })).ToBeVisibleAsync();
            await page.ShotAsync("09b-runs-columns");
            await page.Input("run-filter").FillAsync("status = Completed and (owner = admin");
            await Assertions.Expect(page.GetByText(new System.Text.RegularExpressions.Regex("at column \\d+"))).ToBeVisibleAsync();
            await page.ShotAsync("10-runs-filter-error");
            // No rows of the earlier query stay under the error.
            await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(0);
            await page.Input("run-filter").FillAsync("status = Completed and owner = admin and sweep != null");
            await Assertions.Expect(page.GetByText(new System.Text.RegularExpressions.Regex("at column \\d+"))).ToHaveCountAsync(0);
            await Assertions.Expect(page.Locator("[data-testid=run-link]")).ToHaveCountAsync(3);

            // Compare two runs, and the cluster view.
            await page.Locator(".mud-table-body input[type=checkbox]").Nth(0).CheckAsync();
            await page.Locator(".mud-table-body input[type=checkbox]").Nth(1).CheckAsync();
            await page.ClickAsync("[data-testid=compare-selected]");
            await page.WaitForURLAsync("**/compare?runs=*");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=compare-chart] .scatterlayer .trace")).ToHaveCountAsync(2);
            await page.ShotAsync("11-compare");
            await page.Locator("[data-testid=x-axis]").GetByText("tokens").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=compare-chart]")).ToContainTextAsync("vs tokens");
            await Assertions.Expect(page.Locator("[data-testid=compare-chart] .scatterlayer .trace")).ToHaveCountAsync(2);
            await page.ShotAsync("11b-compare-tokens");
            await page.GotoAsync($"{server.BaseUrl}/cluster");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=slots] tbody tr")).ToHaveCountAsync(2);
            await page.ShotAsync("12-cluster");

            // Admins manage accounts.
            await page.GotoAsync($"{server.BaseUrl}/admin/users");
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.Locator("[data-testid=accounts]")).ToContainTextAsync("viewer");
            await page.ShotAsync("16-users");
        }
        catch (Exception e)
        {
            await page.ShotAsync("failure-researcher");
            throw new Exception($"{e.Message}\n--- dashboard log ---\n{Tail(server.Log)}", e);
        }
    }

    [Fact]
    public async Task A_cancelled_run_resumes_from_its_last_checkpoint()
    {
        var page = await NewPageAsync();
        try
        {
            await page.SignInAsync(server.BaseUrl, "admin", "admin");
            await page.GotoAsync($"{server.BaseUrl}/runs/new");
            await page.WaitInteractiveAsync();
            await page.Input("run-steps").FillAsync("600");
            await page.Input("run-steps").PressAsync("Tab");
            await page.ShotAsync("14-new-run");
            await page.ClickAsync("[data-testid=launch-run]");
            await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/runs/[0-9a-f-]{36}$"));
            await page.WaitInteractiveAsync();
            var parentUrl = page.Url;

            // Its console: the attempt's start and training lines, growing with the page's live feed while it trains.
            var console = page.Locator("[data-testid=run-console]");
            var consoleLines = console.Locator("[data-testid=console-line]");
            await Assertions.Expect(consoleLines.First).ToContainTextAsync("Attempt 1 started on slot", new() { Timeout = 30_000 });
            var progressLine = new System.Text.RegularExpressions.Regex(@"step [\d,]+  loss \d+\.\d{4}  lr \S+  [\d,]+ tokens/s");
            await Assertions.Expect(consoleLines.Filter(new() { HasTextRegex = progressLine }).First).ToBeVisibleAsync();
            var consoleBefore = await consoleLines.CountAsync();
            await WaitUntilAsync(async () => await consoleLines.CountAsync() > consoleBefore, "the console to grow while the run trains");
            await Assertions.Expect(console.Locator("[data-testid=console-download]")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("/export/runs/[0-9a-f-]{36}/log.txt$"));
            await console.ScrollIntoViewIfNeededAsync();
            await page.ShotAsync("14a-run-console-live");

            // Cancel once a checkpoint exists, then resume from it.
            await Assertions.Expect(page.Locator("[data-testid=checkpoints]")).ToContainTextAsync("ckpt", new() { Timeout = 60_000 });
            await page.ClickAsync("[data-testid=cancel]");
            await page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=status-chip]").First).ToHaveTextAsync("Cancelled");
            // The attempt's last console line says it was cancelled, as a warning.
            await Assertions.Expect(consoleLines.Last).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Cancelled at step [\d,]+$"), new() { Timeout = 30_000 });
            await Assertions.Expect(consoleLines.Last).ToHaveAttributeAsync("data-level", "Warning");
            var step = await page.Locator("[data-testid=step]").InnerTextAsync();
            // Resume asks how many more steps (default for an interrupted run: the rest of its plan).
            await page.ClickAsync("[data-testid=resume]");
            await Assertions.Expect(page.Locator("[data-testid=resume-total]")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Trains steps \\d+ to 600"));
            await page.ShotAsync("14b-resume-dialog-after-cancel");
            await page.ClickAsync("[data-testid=dialog-confirm]");
            await page.WaitForURLAsync(url => url != parentUrl && url.Contains("/runs/"));
            await page.WaitInteractiveAsync();
            await Assertions.Expect(page.GetByText("Resume of")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=checkpoints]")).ToContainTextAsync("Started from");
            await Assertions.Expect(page.Locator("[data-testid=status-chip]").First).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
            await Assertions.Expect(page.Locator("[data-testid=step]")).ToHaveTextAsync("600 / 600");
            // The resumed run's console starts from the parent's checkpoint and ends with its completion.
            var resumedLines = page.Locator("[data-testid=run-console] [data-testid=console-line]");
            await Assertions.Expect(resumedLines.First).ToContainTextAsync("starting from checkpoint step-");
            await Assertions.Expect(resumedLines.Last).ToContainTextAsync("Completed at step 600", new() { Timeout = 30_000 });
            await page.Locator("[data-testid=run-console]").ScrollIntoViewIfNeededAsync();
            await page.ShotAsync("15-run-resumed-after-cancel");
            Assert.NotEqual("600 / 600", step.Trim());

            // Both commands are in the audit log with who did them and from where (the browser's loopback address).
            var parentId = parentUrl[(parentUrl.LastIndexOf('/') + 1)..];
            await page.GotoAsync($"{server.BaseUrl}/admin/audit");
            await page.WaitInteractiveAsync();
            foreach (var action in new[] { "run.cancel", "run.resume" })
            {
                var row = page.Locator("[data-testid=audit-table] tr", new() { HasText = action }).Filter(new() { HasText = parentId }).First;
                await Assertions.Expect(row).ToBeVisibleAsync();
                await Assertions.Expect(row.Locator("[data-testid=audit-row-user]")).ToHaveTextAsync("admin");
                await Assertions.Expect(row.Locator("[data-testid=audit-row-address]")).ToHaveTextAsync("127.0.0.1");
                await Assertions.Expect(row.Locator("[data-testid=audit-row-outcome]")).ToContainTextAsync("ok");
            }

            await page.ShotAsync("16-audit-log");
        }
        catch (Exception e)
        {
            await page.ShotAsync("failure-resume");
            throw new Exception($"{e.Message}\n--- dashboard log ---\n{Tail(server.Log)}", e);
        }
    }

    [Fact]
    public async Task A_viewer_sees_runs_but_no_launch_or_cancel_buttons()
    {
        var page = await NewPageAsync();
        await page.SignInAsync(server.BaseUrl, "viewer", "viewer");
        await Assertions.Expect(page.Locator("[data-testid=current-user]")).ToContainTextAsync("viewer");
        await Assertions.Expect(page.Locator("[data-testid=runs-grid]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=new-sweep]")).ToHaveCountAsync(0);
        await page.ShotAsync("13-viewer-runs");

        // The launch page itself is closed to viewers (server-side authorization, not just a hidden button).
        await page.GotoAsync($"{server.BaseUrl}/sweeps/new");
        await Assertions.Expect(page.Locator("[data-testid=launch-sweep]")).ToHaveCountAsync(0);
        await page.GotoAsync($"{server.BaseUrl}/admin/users");
        await Assertions.Expect(page.Locator("[data-testid=access-denied]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=accounts]")).ToHaveCountAsync(0);
        await page.ShotAsync("17-viewer-denied");
        await page.GotoAsync($"{server.BaseUrl}/admin/audit");
        await Assertions.Expect(page.Locator("[data-testid=access-denied]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=audit-table]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_message()
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{server.BaseUrl}/login");
        await page.FillAsync("#userName", "admin");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToBeVisibleAsync();
        Assert.Contains("/login", page.Url);
    }

    private static async Task<int> PointsAsync(ILocator chart) =>
        int.TryParse(await chart.GetAttributeAsync("data-points"), out var n) ? n : 0;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
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
