using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>
/// A long name gives way, never the controls beside it: the sweep page cuts a long sweep name with an ellipsis (full
/// name in its tooltip) and keeps "Cancel sweep" on the title's line; the cluster page cuts silo names the same way.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class LongNameLayoutTests(DashboardServer server) : IAsyncLifetime
{
    private readonly ApiTokenIssuer _issuer = new(server);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task A_long_sweep_name_is_cut_and_Cancel_sweep_stays_on_its_line()
    {
        using var rita = ApiClient.For(server, await _issuer.IssueAsync(DashboardServer.Researcher));
        var name = "lr-and-experts-ablation-for-the-mixture-of-tokens-paper-replication-" + new string('x', 52); // 120 characters, within the name limit
        using var response = await rita.PostAsync("/api/v1/sweeps", ApiSecurityTests.Yaml(ApiSecurityTests.Sweep(name)), Cancel);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(response.IsSuccessStatusCode, created.ToString());
        var sweepId = created.GetProperty("sweepId").GetString();

        var (playwright, browser) = await BrowserSession.LaunchAsync();
        try
        {
            foreach (var width in new[] { 1400, 800 })
            {
                var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = 900 } });
                context.SetDefaultTimeout(30_000);
                var page = await context.NewPageAsync();
                await page.SignInAsync(server.BaseUrl, "admin", "admin");
                await page.GotoAsync($"{server.BaseUrl}/sweeps/{sweepId}");
                await page.WaitInteractiveAsync();
                var title = page.Locator("[data-testid=sweep-name]");
                var cancel = page.Locator("[data-testid=cancel-sweep]");
                await Assertions.Expect(cancel).ToBeVisibleAsync();
                await Assertions.Expect(title).ToHaveAttributeAsync("title", name);
                Assert.True(await title.EvaluateAsync<bool>("e => e.scrollWidth > e.clientWidth"), $"the name is not cut at {width} px");
                var (titleBox, cancelBox) = (await title.BoundingBoxAsync(), await cancel.BoundingBoxAsync());
                Assert.True(cancelBox!.Y < titleBox!.Y + titleBox.Height && titleBox.Y < cancelBox.Y + cancelBox.Height,
                    $"at {width} px Cancel sweep (y {cancelBox.Y}) is not on the title's line (y {titleBox.Y}..{titleBox.Y + titleBox.Height})");
                Assert.True(cancelBox.X + cancelBox.Width <= width, $"Cancel sweep leaves the screen at {width} px");
                await page.ShotAsync($"61-long-sweep-name-{width}");

                await page.GotoAsync($"{server.BaseUrl}/cluster");
                await page.WaitInteractiveAsync();
                var silo = page.Locator("[data-testid=silo-name]").First;
                await Assertions.Expect(silo).ToBeVisibleAsync();
                Assert.Equal(await silo.InnerTextAsync(), await silo.GetAttributeAsync("title"));
                Assert.Equal("nowrap", await silo.EvaluateAsync<string>("e => getComputedStyle(e).whiteSpace"));
                Assert.Equal("ellipsis", await silo.EvaluateAsync<string>("e => getComputedStyle(e).textOverflow"));
                foreach (var table in new[] { "silos", "slots" })
                {
                    var box = page.Locator($"[data-testid={table}]");
                    Assert.True(await box.EvaluateAsync<bool>("e => e.querySelector('table').getBoundingClientRect().right <= e.getBoundingClientRect().right + 1"), $"the {table} table overflows its card at {width} px");
                }

                await page.ShotAsync($"62-cluster-{width}");
                await context.DisposeAsync();
            }
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }

        (await rita.PostAsync($"/api/v1/sweeps/{sweepId}/cancel", null, Cancel)).EnsureSuccessStatusCode();
    }
}
