using System.Text.RegularExpressions;
using MoT.Grains.Tests.Processes;

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
        var result = await MotProcess.RunAsync(scratch.Path, "sweep", "submit", spec, "--gateway-port", SiloProcess.FreePort().ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing was queued", result.Error);
        foreach (var path in new[] { "preset", "steps", "maxConcurrentRuns", "maxRuns", "parameters[0].high" })
            Assert.Contains($"  {path}", result.Error);
        Assert.DoesNotContain("cannot reach", result.Error);
        Assert.DoesNotContain("no answer from", result.Error); // refused before connecting
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Submit_wait_runs_a_sweep_to_completion_then_status_shows_it_and_cancel_is_a_clear_no_op()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        await File.WriteAllTextAsync(spec, TwoRunSweep, TestContext.Current.CancellationToken);
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
            "--GpuSlots:CpuSlots", "2", "--SimulatedTraining:StepDelay", "00:00:00.010",
            "--GpuSlots:OutputRoot", Path.Combine(scratch.Path, "runs"), "--Logging:LogLevel:Default", "Warning",
        ], scratch.Path);
        // Ready when its gateway takes clients.
        using (await SiloProcess.ConnectClientAsync(silo, client => client.UseLocalhostClustering(gatewayPort, "mot-platform", "mot")))
        {
        }

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

    [Fact]
    public async Task Status_shows_each_trials_run_status_queued_and_running_never_a_vague_active()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        // One at a time, a second a step: the second trial stays queued while the first trains.
        await File.WriteAllTextAsync(spec, TwoRunSweep.Replace("maxConcurrentRuns: 2", "maxConcurrentRuns: 1"), TestContext.Current.CancellationToken);
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
            "--GpuSlots:CpuSlots", "1", "--SimulatedTraining:StepDelay", "00:00:01",
            "--GpuSlots:OutputRoot", Path.Combine(scratch.Path, "runs"), "--Logging:LogLevel:Default", "Warning",
        ], scratch.Path);
        using (await SiloProcess.ConnectClientAsync(silo, client => client.UseLocalhostClustering(gatewayPort, "mot-platform", "mot")))
        {
        }

        var gateway = new[] { "--gateway-port", gatewayPort.ToString() };
        var submitted = await MotProcess.RunAsync(scratch.Path, ["sweep", "submit", spec, .. gateway]);
        Assert.True(submitted.ExitCode == 0, submitted.Output + submitted.Error);
        var sweepId = SweepId().Match(submitted.Output).Groups[1].Value;

        var deadline = DateTime.UtcNow.AddSeconds(60);
        MotProcess.Result status;
        do
        {
            status = await MotProcess.RunAsync(scratch.Path, ["sweep", "status", sweepId, .. gateway]);
        }
        while (!status.Output.Contains(" Running ") && DateTime.UtcNow < deadline);

        var trialLines = status.Output.Split('\n').Where(line => line.Contains("training.lr")).ToList();
        Assert.Equal(2, trialLines.Count);
        Assert.Single(trialLines, line => line.Contains(" Running "));
        Assert.Single(trialLines, line => line.Contains(" Queued "));
        Assert.DoesNotContain("Active", status.Output);
        Assert.Contains("(cli-sweep): Running", status.Output);

        var cancel = await MotProcess.RunAsync(scratch.Path, ["sweep", "cancel", sweepId, .. gateway]);
        Assert.Equal(0, cancel.ExitCode);
    }

    [Fact]
    public async Task Pause_resume_and_extend_answer_one_line_each_and_a_finished_sweep_refuses_with_exit_code_1()
    {
        using var scratch = new ScratchFolder();
        var spec = Path.Combine(scratch.Path, "sweep.yaml");
        await File.WriteAllTextAsync(spec, TwoRunSweep.Replace("maxConcurrentRuns: 2", "maxConcurrentRuns: 1"), TestContext.Current.CancellationToken);
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
            "--GpuSlots:CpuSlots", "1", "--SimulatedTraining:StepDelay", "00:00:01",
            "--GpuSlots:OutputRoot", Path.Combine(scratch.Path, "runs"), "--Logging:LogLevel:Default", "Warning",
        ], scratch.Path);
        using (await SiloProcess.ConnectClientAsync(silo, client => client.UseLocalhostClustering(gatewayPort, "mot-platform", "mot")))
        {
        }

        var gateway = new[] { "--gateway-port", gatewayPort.ToString() };
        var submitted = await MotProcess.RunAsync(scratch.Path, ["sweep", "submit", spec, .. gateway]);
        Assert.True(submitted.ExitCode == 0, submitted.Output + submitted.Error);
        var sweepId = SweepId().Match(submitted.Output).Groups[1].Value;

        var paused = await MotProcess.RunAsync(scratch.Path, ["sweep", "pause", sweepId, .. gateway]);
        Assert.True(paused.ExitCode == 0, paused.Output + paused.Error);
        Assert.Contains("paused", paused.Output);
        var status = await MotProcess.RunAsync(scratch.Path, ["sweep", "status", sweepId, .. gateway]);
        Assert.Contains("(cli-sweep): Paused", status.Output);

        var wider = await MotProcess.RunAsync(scratch.Path, ["sweep", "extend", sweepId, "--max-concurrent", "2", .. gateway]);
        Assert.True(wider.ExitCode == 0, wider.Output + wider.Error);
        Assert.Contains("2 (was 1) at once", wider.Output);
        var gridMore = await MotProcess.RunAsync(scratch.Path, ["sweep", "extend", sweepId, "--max-runs", "5", .. gateway]);
        Assert.Equal(1, gridMore.ExitCode);
        Assert.Contains("maxRuns: a grid sweep runs every combination", gridMore.Error);
        Assert.DoesNotContain("   at ", gridMore.Error);

        var resumed = await MotProcess.RunAsync(scratch.Path, ["sweep", "resume", sweepId, .. gateway]);
        Assert.True(resumed.ExitCode == 0, resumed.Output + resumed.Error);
        Assert.Contains("resumed", resumed.Output);

        await MotProcess.RunAsync(scratch.Path, ["sweep", "cancel", sweepId, .. gateway]);
        var late = await MotProcess.RunAsync(scratch.Path, ["sweep", "pause", sweepId, .. gateway]);
        Assert.Equal(1, late.ExitCode);
        Assert.Equal($"error: Sweep {MoT.Contracts.ShortIds.Of(Guid.Parse(sweepId))} already finished as Cancelled; only a running sweep can be paused.", late.Error.Trim());
    }

    [GeneratedRegex(@"sweep ([0-9a-f-]{36}) queued")]
    private static partial Regex SweepId();
}
