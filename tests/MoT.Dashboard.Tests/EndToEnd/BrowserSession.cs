using Microsoft.Playwright;

namespace MoT.Dashboard.Tests.EndToEnd;

/// <summary>Debian's chromium driven by Playwright (never a downloaded browser).</summary>
public static class BrowserSession
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: apt-get install -y chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>Waits until the page's Blazor circuit is interactive (the layout renders a marker then).</summary>
    public static Task WaitInteractiveAsync(this IPage page) =>
        page.Locator("[data-testid=interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    public static async Task SignInAsync(this IPage page, string baseUrl, string user, string password)
    {
        await page.GotoAsync($"{baseUrl}/runs");
        await page.WaitForURLAsync("**/login**");
        await page.FillAsync("#userName", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync("**/runs");
        await page.WaitInteractiveAsync();
    }

    public static Task ShotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(DashboardServer.ScreenshotDirectory, name + ".png"), FullPage = true });

    /// <summary>A Mud input by its data-testid (MudBlazor puts the attribute on the input or on its wrapper).</summary>
    public static ILocator Input(this IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;
}
