using System.CommandLine;
using MoT.Cli.Commands;

namespace MoT.Cli.Api;

/// <summary>
/// Which way a platform verb goes: the HTTP API when one is configured (mot login, MOT_API_URL), or — for operators on a
/// cluster host only — straight to the Orleans gateway / cluster database when <c>--gateway</c>, <c>--gateway-port</c>
/// or <c>--cluster-db</c> is given.
/// </summary>
internal static class ApiCommandOptions
{
    public static Option<bool> Gateway() => new("--gateway")
    {
        Description = "Operators on a cluster host: talk to the silo gateway directly instead of the HTTP API",
    };

    public static TimeSpan Timeout(int seconds) =>
        seconds >= 1 ? TimeSpan.FromSeconds(seconds) : throw new InvalidOperationException($"--connect-timeout must be at least 1 second (got {seconds})");

    /// <summary>The API to use, or null when the verb goes to the gateway; throws when neither is set up.</summary>
    public static PlatformApi? Choose(ParseResult parse, Option<bool> gateway, ClusterConnection cluster)
    {
        var timeout = Timeout(parse.GetValue(cluster.ConnectTimeout));
        var direct = parse.GetValue(gateway)
            || parse.GetResult(cluster.GatewayPort) is { Implicit: false }
            || parse.GetResult(cluster.ClusterDatabase) is { Implicit: false };
        if (direct) return null;
        var settings = ApiSettings.Load();
        if (!settings.IsConfigured)
            throw new InvalidOperationException(
                $"not signed in to a platform: run mot login URL (or set {ApiSettings.UrlVariable} and {ApiSettings.TokenVariable}); operators on a cluster host can pass --gateway");
        return new PlatformApi(settings, timeout);
    }
}
