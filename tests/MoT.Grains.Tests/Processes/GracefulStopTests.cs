using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MoT.Contracts.Runs;
using MoT.Data;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Processes;

/// <summary>
/// How compose and Kubernetes stop a silo: SIGTERM. The process must drain, write every buffered metric point, exit 0
/// and log no exception; the same for the end of <c>--bench</c>, which stops the host itself.
/// </summary>
public sealed class GracefulStopTests : IDisposable
{
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("mot-graceful-stop-").FullName;

    [Fact]
    public async Task SIGTERM_while_a_run_trains_exits_0_without_exception_and_every_metric_step_is_written()
    {
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        var clusterId = $"mot-test-{Guid.NewGuid():N}";
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(),
            "--Silo:GatewayPort", gatewayPort.ToString(), "--Silo:ClusterId", clusterId,
            "--GpuSlots:OutputRoot", Path.Combine(_workingDirectory, "runs"),
            "--SimulatedTraining:StepDelay", "00:00:00.020",
            "--Logging:LogLevel:Default", "Warning",
        ], _workingDirectory);
        Guid runId;
        RunSnapshot beforeStop;
        using (var clientHost = await SiloProcess.ConnectClientAsync(silo, c => c.UseLocalhostClustering(gatewayPort, "mot-platform", clusterId)))
        {
            var client = clientHost.Services.GetRequiredService<IClusterClient>();
            var run = client.GetGrain<IRunGrain>(runId = Guid.NewGuid());
            await run.CreateAsync(new RunSpec(TestConfigs.Run(steps: 100_000, evalInterval: 50, checkpointInterval: 50), "graceful-stop"));
            beforeStop = await run.WaitForRunAsync(s => s.LastProgress?.Step >= 60, "the run to train past step 60", 120);
            await clientHost.StopAsync(CancellationToken.None);
        }

        silo.Terminate();
        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var output = silo.Output();
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
        Assert.False(output.Contains("Exception", StringComparison.Ordinal), $"an exception was logged:\n{output}");
        // The final flush: one train-loss point for every step the attempt trained, none missing, none twice.
        var steps = await TrainLossStepsAsync(runId);
        Assert.True(steps.Count >= beforeStop.LastProgress!.Step, $"{steps.Count} points for {beforeStop.LastProgress.Step}+ trained steps");
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(s => (long)s), steps);
    }

    [Fact]
    public async Task The_end_of_a_bench_exits_0_without_exception()
    {
        var siloPort = SiloProcess.FreePort();
        using var silo = SiloProcess.Start("bench", [
            "--role", "all", "--simulate", "--bench", "3",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(),
            "--Silo:GatewayPort", SiloProcess.FreePort().ToString(), "--Silo:ClusterId", $"mot-test-{Guid.NewGuid():N}",
            "--GpuSlots:OutputRoot", Path.Combine(_workingDirectory, "runs"),
            "--Logging:LogLevel:Default", "Warning",
        ], _workingDirectory);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(180));

        var output = silo.Output();
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
        Assert.Contains("Scheduling latency", output, StringComparison.Ordinal);
        Assert.False(output.Contains("Exception", StringComparison.Ordinal), $"an exception was logged:\n{output}");
    }

    private async Task<List<long>> TrainLossStepsAsync(Guid runId)
    {
        var options = new DbContextOptionsBuilder<MotDbContext>();
        MotDataOptions.DefaultSqlite(Path.Combine(_workingDirectory, "data")).Configure(options);
        await using var db = new MotDbContext(options.Options);
        return await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Name == "train_loss")
            .OrderBy(p => p.Step).Select(p => p.Step)
            .ToListAsync(TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_workingDirectory, recursive: true);
    }
}
