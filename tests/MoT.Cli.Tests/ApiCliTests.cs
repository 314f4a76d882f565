using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Tests.EndToEnd;
using MoT.Data;

namespace MoT.Cli.Tests;

/// <summary>
/// <c>mot login</c>, then <c>mot sweep</c> and <c>mot runs</c> through the HTTP API of a real dashboard process (the
/// all-in-one host with its SQLite store), with the config file in a scratch XDG_CONFIG_HOME.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ApiCliTests(DashboardServer server)
{
    private const string Sweep = """
        name: cli-api-sweep
        preset: Transformer-Tiny
        steps: 20
        learningRate: 0.001
        method: grid
        maxConcurrentRuns: 2
        parameters:
          - path: training.lr
            kind: choice
            values: ["0.001", "0.002"]
        """;

    [Fact]
    public async Task Login_stores_a_private_config_then_sweeps_are_submitted_followed_and_queried_as_the_token_user()
    {
        using var scratch = new ScratchFolder();
        var config = Path.Combine(scratch.Path, "config");
        var environment = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = config, ["MOT_API_URL"] = null, ["MOT_API_TOKEN"] = null };
        var token = await IssueTokenAsync(DashboardServer.Researcher);

        var login = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "login", server.BaseUrl, "--token", token);
        Assert.True(login.ExitCode == 0, login.Error);
        Assert.Contains($"as {DashboardServer.Researcher} (researcher)", login.Output);
        var file = Path.Combine(config, "mot", "config.json");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(token, await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));

        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        await File.WriteAllTextAsync(spec, Sweep, TestContext.Current.CancellationToken);
        var submit = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "sweep", "submit", spec, "--wait");
        Assert.True(submit.ExitCode == 0, submit.Output + submit.Error);
        var sweepId = System.Text.RegularExpressions.Regex.Match(submit.Output, "sweep ([0-9a-f-]{36}) queued").Groups[1].Value;
        Assert.Contains("Completed", submit.Output);

        var status = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "sweep", "status", sweepId);
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Equal(2, status.Output.Split('\n').Count(l => !l.StartsWith("sweep ", StringComparison.Ordinal) && l.Contains(" Completed ")));

        var runs = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "runs", "query", $"sweep = {sweepId}");
        Assert.True(runs.ExitCode == 0, runs.Error);
        var rows = runs.Output.Split('\n').Where(l => l.Contains(" Completed ")).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Contains($" {DashboardServer.Researcher} ", row));

        // A trial's console: every line, the last one, and --follow on a finished run prints it all and returns.
        var runId = rows[0].Split(' ')[0];
        var log = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "runs", "log", runId);
        Assert.True(log.ExitCode == 0, log.Error);
        var logLines = log.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z  #1  INFO    Attempt 1 started on slot ", logLines[0]);
        Assert.Contains("Completed at step 20", logLines[^1]);
        var tail = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "runs", "log", runId, "--tail", "1");
        Assert.True(tail.ExitCode == 0, tail.Error);
        Assert.Equal([logLines[^1]], tail.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var follow = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "runs", "log", runId, "--follow");
        Assert.True(follow.ExitCode == 0, follow.Error);
        Assert.Equal(logLines, follow.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var badTail = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "runs", "log", runId, "--tail", "0");
        Assert.Equal(1, badTail.ExitCode);
        Assert.Contains("--tail must be at least 1 (got 0)", badTail.Error);

        // A client-chosen owner is refused on the API path, before anything is sent.
        var spoof = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "sweep", "submit", spec, "--owner", "admin");
        Assert.Equal(1, spoof.ExitCode);
        Assert.Contains("--owner: not accepted through the API", spoof.Error);

        var logout = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "logout");
        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(file));
        var after = await MotProcess.RunWithEnvironmentAsync(scratch.Path, environment, "sweep", "status", sweepId);
        Assert.Equal(1, after.ExitCode);
        Assert.Contains("not signed in to a platform: run mot login URL", after.Error);
    }

    [Fact]
    public async Task Rejected_and_forbidden_tokens_and_an_unreachable_platform_are_one_clear_line_each()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        await File.WriteAllTextAsync(spec, Sweep, TestContext.Current.CancellationToken);
        var viewer = await IssueTokenAsync("viewer");

        var rejected = await RunAsync(scratch, server.BaseUrl, "mot_not-a-real-token", "sweep", "status", Guid.NewGuid().ToString());
        Assert.Equal(1, rejected.ExitCode);
        Assert.Equal($"error: token rejected by {server.BaseUrl}: run mot login {server.BaseUrl}", rejected.Error.Trim());

        var forbidden = await RunAsync(scratch, server.BaseUrl, viewer, "sweep", "submit", spec);
        Assert.Equal(1, forbidden.ExitCode);
        Assert.Equal("error: not allowed: viewer may not launch (role viewer)", forbidden.Error.Trim());

        var port = SiloProcessPort();
        var started = DateTime.UtcNow;
        var unreachable = await RunAsync(scratch, $"http://127.0.0.1:{port}", viewer, "sweep", "status", Guid.NewGuid().ToString(), "--connect-timeout", "3");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith($"error: cannot reach http://127.0.0.1:{port}", unreachable.Error.Trim());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "took longer than the timeout allows");
        Assert.DoesNotContain("   at ", unreachable.Error);
    }

    private static int SiloProcessPort() => MoT.Grains.Tests.Processes.SiloProcess.FreePort();

    private static Task<MotProcess.Result> RunAsync(ScratchFolder scratch, string url, string token, params string[] args) =>
        MotProcess.RunWithEnvironmentAsync(scratch.Path, new Dictionary<string, string?>
        {
            ["XDG_CONFIG_HOME"] = Path.Combine(scratch.Path, "no-config"), ["MOT_API_URL"] = url, ["MOT_API_TOKEN"] = token,
        }, args);

    /// <summary>
    /// A token row written straight into the dashboard's store, hashed here with SHA-256 independently of the
    /// dashboard's own code: the API accepting it shows the stored form is what the docs say.
    /// </summary>
    private async Task<string> IssueTokenAsync(string userName)
    {
        var secret = "mot_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var services = new ServiceCollection().AddMotData(MotDataOptions.DefaultSqlite(server.DataDirectory)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
        db.ApiTokens.Add(new MoT.Data.Entities.ApiToken
        {
            Id = Guid.NewGuid(), UserId = userName, Name = "cli test", Hint = secret[..8], CreatedAt = DateTime.UtcNow,
            SecretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))),
        });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return secret;
    }
}
