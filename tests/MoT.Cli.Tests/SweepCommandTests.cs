using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace MoT.Cli.Tests;

/// <summary><c>mot sweep</c> against a real silo process (role all, simulated trainer, localhost clustering).</summary>
public sealed partial class SweepCommandTests
{
    private const string TwoRunSweep = """
        name: cli-sweep
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
    public async Task Submit_lists_every_problem_of_an_invalid_spec_by_field_path_and_contacts_no_cluster()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "bad.yaml");
        await File.WriteAllTextAsync(spec, """
            name: bad
            preset: MoT-Huge/8E
            steps: 0
            maxConcurrentRuns: 0
            parameters:
              - path: training.lr
                kind: log-uniform
                low: 0.01
                high: 0.001
            """, TestContext.Current.CancellationToken);

        // No silo listens on this port: the spec must be refused before any connection is tried.
        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "submit", spec, "--gateway-port", FreePort().ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing was queued", result.Error);
        foreach (var path in new[] { "preset", "steps", "maxConcurrentRuns", "maxRuns", "parameters[0].high" })
            Assert.Contains($"  {path}", result.Error);
        Assert.DoesNotContain("cannot reach", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Status_without_a_running_platform_says_how_to_start_it()
    {
        using var scratch = new ScratchFolder();
        var port = FreePort();
        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "status", Guid.NewGuid().ToString(), "--gateway-port", port.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cannot reach a silo gateway on localhost:{port}", result.Error);
        Assert.Contains("./build.sh run", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Submit_wait_runs_a_sweep_to_completion_then_status_shows_it_and_cancel_is_a_clear_no_op()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        await File.WriteAllTextAsync(spec, TwoRunSweep, TestContext.Current.CancellationToken);
        var (siloPort, gatewayPort) = (FreePort(), FreePort());
        using var silo = StartSilo(scratch.Path, siloPort, gatewayPort);
        await WaitForPortAsync(gatewayPort, silo);
        var gateway = new[] { "--gateway-port", gatewayPort.ToString() };

        var submitted = await MotProcess.RunAsync(scratch.Path, ["sweep", "submit", spec, "--wait", .. gateway]);
        Assert.True(submitted.ExitCode == 0, submitted.Output + submitted.Error);
        var sweepId = SweepId().Match(submitted.Output).Groups[1].Value;
        Assert.Contains("queued with 2 run(s)", submitted.Output);
        Assert.Contains("Completed: 2/2 trials done", submitted.Output);

        var status = await MotProcess.RunAsync(scratch.Path, ["sweep", "status", sweepId, .. gateway]);
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("(cli-sweep): Completed", status.Output);
        Assert.Equal(2, status.Output.Split('\n').Count(line => line.Contains("Completed") && line.Contains("training.lr")));

        var cancel = await MotProcess.RunAsync(scratch.Path, ["sweep", "cancel", sweepId, .. gateway]);
        Assert.Equal(0, cancel.ExitCode);
        Assert.Contains("nothing to cancel", cancel.Output);
    }

    [GeneratedRegex(@"sweep ([0-9a-f-]{36}) queued")]
    private static partial Regex SweepId();

    private static RunningSilo StartSilo(string workingDirectory, int siloPort, int gatewayPort)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     SiloAssembly, "--role", "all", "--simulate",
                     "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
                     "--Silo:ClusterId", "mot", "--GpuSlots:CpuSlots", "2", "--SimulatedTraining:StepDelay", "00:00:00.010",
                     "--GpuSlots:OutputRoot", Path.Combine(workingDirectory, "runs"), "--Logging:LogLevel:Default", "Warning",
                 })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RunningSilo(process);
    }

    /// <summary>MoT.Silo.dll of the same configuration (built as a dependency of mot).</summary>
    private static string SiloAssembly
    {
        get
        {
            var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar); // tests/MoT.Cli.Tests/bin/{Configuration}/net10.0
            var configuration = new DirectoryInfo(testBin).Parent!.Name;
            return Path.GetFullPath(Path.Combine(testBin, "..", "..", "..", "..", "..", "src", "MoT.Silo", "bin", configuration, "net10.0", "MoT.Silo.dll"));
        }
    }

    private static async Task WaitForPortAsync(int port, RunningSilo silo)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            Assert.False(silo.Process.HasExited, "the silo process exited");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, TestContext.Current.CancellationToken);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills the silo's whole process tree when the test ends, passed or not.</summary>
    private sealed class RunningSilo(Process process) : IDisposable
    {
        public Process Process { get; } = process;

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
