using System.CommandLine;
using MoT.Cli.Api;

namespace MoT.Cli.Commands;

/// <summary>
/// <c>mot login URL</c> / <c>mot logout</c>: the dashboard URL and a personal API token (dashboard > API tokens), kept in
/// the user's config file so <c>mot sweep</c> and <c>mot runs</c> go through the platform's HTTP API.
/// </summary>
internal static class LoginCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("url") { Description = "The dashboard's address, e.g. https://mot.example.org or http://localhost:5080" };
        var token = new Option<string?>("--token") { Description = "A personal API token (mot_...); asked for when not given" };
        var timeout = new Option<int>("--connect-timeout") { Description = "Seconds to wait for the platform to answer", DefaultValueFactory = _ => 10 };
        var command = new Command("login", "Store the platform's URL and your API token for mot sweep and mot runs") { url, token, timeout };
        command.SetAction(async (parse, cancel) =>
        {
            var secret = parse.GetValue(token) ?? Prompt();
            var settings = new ApiSettings(parse.GetValue(url)!.Trim().TrimEnd('/'), secret?.Trim());
            using var api = new PlatformApi(settings, ApiCommandOptions.Timeout(parse.GetValue(timeout)));
            var me = await api.GetAsync<WhoAmI>("me", cancel); // a wrong URL or token fails here, before anything is stored
            ApiSettings.Save(settings);
            Console.WriteLine($"signed in to {settings.Url} as {me.UserName} ({me.Role}); settings in {ApiSettings.FilePath}");
            return 0;
        });
        return command;
    }

    public static Command CreateLogout()
    {
        var command = new Command("logout", "Forget the stored API URL and token");
        command.SetAction(_ =>
        {
            Console.WriteLine(ApiSettings.Delete() ? $"removed {ApiSettings.FilePath}" : "not signed in; nothing to remove");
            return 0;
        });
        return command;
    }

    private static string? Prompt()
    {
        Console.Error.Write("API token (dashboard > API tokens): ");
        // A token on a terminal is a password: read it without echo. Piped input is read as a line.
        if (Console.IsInputRedirected) return Console.ReadLine();
        var token = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (token.Length > 0) token.Length--; }
            else if (!char.IsControl(key.KeyChar)) token.Append(key.KeyChar);
        }

        Console.Error.WriteLine();
        return token.ToString();
    }

    private sealed record WhoAmI(string UserName, string Role);
}
