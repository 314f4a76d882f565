using MoT.Grains.Tests.Processes;

namespace MoT.Cli.Tests;

/// <summary>With no platform listening, verbs that need it say so in one line within their connect timeout.</summary>
public sealed class PlatformUnreachableTests
{
    [Theory]
    [InlineData("status")]
    [InlineData("cancel")]
    public async Task A_sweep_verb_with_no_platform_fails_in_one_line_within_its_timeout(string verb)
    {
        using var scratch = new ScratchFolder();
        var port = SiloProcess.FreePort().ToString();

        var result = await MotProcess.RunAsync(scratch.Path, "sweep", verb, Guid.NewGuid().ToString(), "--gateway-port", port, "--connect-timeout", "2");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: no answer from a silo gateway on localhost:{port} within 2 s; start the platform (./build.sh run) or pass --gateway-port / --cluster-db (--connect-timeout waits longer)",
            result.Error.Trim());
        Assert.DoesNotContain("unexpected", result.Error);
    }

    [Fact]
    public async Task A_connect_timeout_below_one_second_is_refused_naming_the_flag()
    {
        using var scratch = new ScratchFolder();

        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "status", Guid.NewGuid().ToString(), "--connect-timeout", "0");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: --connect-timeout must be at least 1 second (got 0)", result.Error.Trim());
    }
}
