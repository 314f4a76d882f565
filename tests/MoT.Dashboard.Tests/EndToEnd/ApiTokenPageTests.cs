using System.Net;
using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>The API tokens page in a real browser: a token is shown once, works on the API, and revoking it stops it.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiTokenPageTests(DashboardServer server) : IAsyncLifetime
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
    public async Task A_viewer_creates_a_token_once_uses_it_sees_its_last_use_and_revokes_it()
    {
        var context = await _browser!.NewContextAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.SignInAsync(server.BaseUrl, "viewer", "viewer");

        await page.GotoAsync($"{server.BaseUrl}/tokens");
        await page.WaitInteractiveAsync();
        await page.Input("token-name").FillAsync("browser-made");
        await page.ClickAsync("[data-testid=create-token]");
        var shown = page.Locator("[data-testid=new-token] pre");
        await Assertions.Expect(shown).ToContainTextAsync("mot_");
        var secret = (await shown.InnerTextAsync()).Trim();
        await page.ShotAsync("20-api-token-created");

        using var api = ApiClient.For(server, secret);
        var me = await api.GetAsync("/api/v1/me", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains("\"userName\":\"viewer\"", await me.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // After a reload the secret is gone from the page; the row shows the hint and the last use.
        await page.ReloadAsync();
        await page.WaitInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=new-token]")).ToHaveCountAsync(0);
        Assert.DoesNotContain(secret, await page.ContentAsync());
        var row = page.Locator("[data-testid=token-row]", new() { HasText = "browser-made" });
        await Assertions.Expect(row).ToContainTextAsync(secret[..8]);
        await Assertions.Expect(row).Not.ToContainTextAsync("never");

        await row.Locator("[data-testid=revoke-token]").ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        var after = await api.GetAsync("/api/v1/me", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        await page.ShotAsync("21-api-token-revoked");
    }
}
