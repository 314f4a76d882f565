using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Processes;

/// <summary>Real silo processes on localhost clustering; a gpu silo is SIGKILLed mid-run.</summary>
public sealed class ProcessFailoverTests
{
    private readonly string _clusterId = $"mot-test-{Guid.NewGuid():N}";
    private readonly string _outputRoot = Path.Combine(Path.GetTempPath(), "mot-process-tests", Guid.NewGuid().ToString("N"));
    private readonly int _primaryPort = SiloProcess.FreePort();

    private SiloProcess StartSilo(string name, string role, string stepDelay, out int gatewayPort)
    {
        var siloPort = name == "control" ? _primaryPort : SiloProcess.FreePort();
        gatewayPort = SiloProcess.FreePort();
        // Each test its own working directory, so the control silo's default store (./data) is its own: a store shared
        // with earlier runs hands their leftover queued runs the slots this test waits for.
        var workingDirectory = Directory.CreateDirectory(Path.Combine(_outputRoot, "silos", name)).FullName;
        return SiloProcess.Start(name, [
            "--role", role, "--simulate",
            "--Silo:Name", name,
            "--Silo:SiloPort", siloPort.ToString(),
            "--Silo:GatewayPort", gatewayPort.ToString(),
            "--Silo:PrimarySiloPort", _primaryPort.ToString(),
            "--Silo:ClusterId", _clusterId,
            "--Scheduler:HeartbeatLease", "00:00:04",
            "--Scheduler:CheckInterval", "00:00:01",
            "--GpuSlots:HeartbeatInterval", "00:00:01",
            "--GpuSlots:OutputRoot", _outputRoot,
            "--SimulatedTraining:StepDelay", stepDelay,
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:MoT", "Information",
        ], workingDirectory);
    }

    [Fact]
    public async Task A_sigkilled_gpu_silo_process_loses_its_run_to_another_silo_which_resumes_it_from_the_checkpoint()
    {
        using var control = StartSilo("control", "control", "00:00:00.001", out var controlGateway);
        using var slow = StartSilo("gpu-slow", "gpu", "00:00:00.100", out _);
        using var clientHost = await SiloProcess.ConnectClientAsync(control, client => client.UseLocalhostClustering(controlGateway, "mot-platform", _clusterId));
        var client = clientHost.Services.GetRequiredService<IClusterClient>();
        SiloProcess? fast = null;
        try
        {
            var scheduler = client.Scheduler();
            await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Any(x => x.Info.SlotKey == "gpu-slow/0"), "the slow silo's slot", TimeSpan.FromSeconds(60));
            var run = client.GetGrain<IRunGrain>(Guid.NewGuid());
            await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 600, evalInterval: 5, checkpointInterval: 5), "process-failover"));
            RunSnapshot training;
            try
            {
                training = await run.WaitForRunAsync(s => s.LastCheckpoint is not null, "to checkpoint on the slow silo", 60);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\ncontrol:\n{control.Output()}\nslow:\n{slow.Output()}", ex);
            }
            Assert.Equal("gpu-slow/0", training.SlotKey);

            fast = StartSilo("gpu-fast", "gpu", "00:00:00.001", out _);
            await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Any(x => x.Info.SlotKey == "gpu-fast/0"), "the fast silo's slot", TimeSpan.FromSeconds(60));
            Assert.Equal(RunStatus.Running, (await run.GetSnapshotAsync()).Status); // 600 steps at 100 ms: still training
            slow.Kill();
            var checkpointAtDeath = (await run.GetSnapshotAsync()).LastCheckpoint!;

            var diagnostics = () => $"control:\n{control.Output()}\nfast:\n{fast.Output()}";
            RunSnapshot done;
            try
            {
                done = await run.WaitUntilFinishedAsync(60);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\n{diagnostics()}", ex);
            }

            Assert.True(done.Status == RunStatus.Completed, $"{done}\n{diagnostics()}");
            Assert.Equal(2, done.Attempts.Count);
            Assert.StartsWith("slot lost", done.Attempts[0].EndReason);
            Assert.Equal("gpu-fast/0", done.Attempts[1].SlotKey);
            Assert.Equal(checkpointAtDeath.Path, done.Attempts[1].ResumedFromCheckpoint);
            Assert.Equal(600, done.LastProgress!.Step);
            Assert.True((await scheduler.GetSnapshotAsync()).Slots.Single(s => s.Info.SlotKey == "gpu-slow/0").Lost);
        }
        finally
        {
            await clientHost.StopAsync(CancellationToken.None);
            fast?.Dispose();
            try
            {
                Directory.Delete(_outputRoot, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }
}
