using System.Diagnostics;
using MoT.Contracts;
using MoT.Contracts.Scheduling;

namespace MoT.Cli.Bench;

/// <summary>The silo's resident memory at each stage (MiB), and what was running then.</summary>
public sealed record SiloMemoryResult(
    double AfterStartMiB, double AfterTrainingsMiB, double AfterEnqueueMiB, double EndMiB, double PeakMiB,
    int Trainings, int Queued, long StepsDuringHold, double HoldSeconds);

/// <summary>
/// Part one of <c>mot bench memory</c>: the real silo host (<c>MoT.Silo --role all --simulate</c>, a child process with its own
/// SQLite store) with <c>Trainings</c> CPU slots; the runs train, <c>Queued</c> more wait behind them, and the host's
/// VmRSS/VmHWM is read after start-up, after the trainings begin, after the queue is full and at the end of the hold.
/// </summary>
internal sealed class SiloMemoryBenchmark(MemoryBenchmarkSettings settings)
{
    public async Task<SiloMemoryResult> RunAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "mot-bench-memory-silo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var siloPort = PlatformProcess.FreePort();
        var gatewayPort = PlatformProcess.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "MoT.Silo.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build src/MoT.Cli (it builds the silo beside it)");
        progress($"starting the silo (2 roles, {settings.Trainings} CPU slot(s), simulated executor)");
        try
        {
            await using var silo = PlatformProcess.Start(dll, root,
            [
                "--role", "all", "--simulate",
                $"--Silo:Name=bench-memory-{siloPort}", $"--Silo:SiloPort={siloPort}", $"--Silo:PrimarySiloPort={siloPort}", $"--Silo:GatewayPort={gatewayPort}",
                $"--Database:DataDirectory={root}", $"--GpuSlots:OutputRoot={Path.Combine(root, "runs")}",
                $"--GpuSlots:CpuSlots={settings.Trainings}", "--GpuSlots:CudaDevices=0",
            ]);
            await using var client = await BenchClusterClient.ConnectAsync(gatewayPort, silo, cancellationToken);
            await client.WaitForSlotsAsync(settings.Trainings, silo, cancellationToken);
            var afterStart = ProcessMemory.Read(silo.Id).ResidentMiB;

            progress($"starting {settings.Trainings} training run(s)");
            var trainings = await client.CreateRunsAsync(settings.Trainings, MemoryBenchmarkSettings.TrainingConfig(), "bench-memory", cancellationToken);
            await client.WaitTrainingAsync(trainings, cancellationToken);
            var afterTrainings = ProcessMemory.Read(silo.Id).ResidentMiB;

            progress($"queueing {settings.Queued} runs behind them");
            await client.CreateRunsAsync(settings.Queued, MemoryBenchmarkSettings.QueuedConfig(), "bench-memory", cancellationToken);
            var queued = (await client.Client.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler).GetSnapshotAsync()).Queue.Count;
            var afterEnqueue = ProcessMemory.Read(silo.Id).ResidentMiB;

            progress($"holding for {settings.HoldSeconds} s while they train");
            var before = (await client.StepsAsync(trainings)).Sum();
            var hold = Stopwatch.StartNew();
            while (hold.Elapsed < TimeSpan.FromSeconds(settings.HoldSeconds))
            {
                silo.ThrowIfExited("the silo");
                await Task.Delay(500, cancellationToken);
            }

            var steps = (await client.StepsAsync(trainings)).Sum() - before;
            var (end, peak) = ProcessMemory.Read(silo.Id);
            return new SiloMemoryResult(afterStart, afterTrainings, afterEnqueue, end, peak, trainings.Count, queued, steps, hold.Elapsed.TotalSeconds);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
