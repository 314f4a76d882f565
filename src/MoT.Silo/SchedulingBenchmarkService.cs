using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Contracts.Runs;

namespace MoT.Silo;

/// <summary>
/// <c>--bench N</c>: measures scheduling latency (run created -> attempt started on a slot, from the run's own
/// timestamps) for N one-step simulated runs created one after another, then a burst of N runs for throughput;
/// prints the numbers and stops the host.
/// </summary>
internal sealed class SchedulingBenchmarkService(
    IGrainFactory grains, IHostApplicationLifetime lifetime, SiloHostOptions options, ILogger<SchedulingBenchmarkService> logger) : BackgroundService
{
    private static readonly string OneStep = new JsonObject
    {
        ["model"] = new JsonObject { ["family"] = "Dense" },
        ["training"] = new JsonObject { ["steps"] = 1, ["eval_interval"] = 1, ["checkpoint_interval"] = 1 },
        ["simulate"] = new JsonObject { ["step_delay_ms"] = 0 },
    }.ToJsonString();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);
        await Task.Delay(TimeSpan.FromSeconds(3), stoppingToken); // slots register
        var count = Math.Max(1, options.Bench);

        // Warm-up: first activations and JIT.
        for (var i = 0; i < 5; i++)
        {
            await RunToEndAsync(stoppingToken);
        }

        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var run = await RunToEndAsync(stoppingToken);
            latencies.Add((run.Attempts[0].StartedAt - run.CreatedAt).TotalMilliseconds);
        }

        latencies.Sort();
        var burst = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        await Task.WhenAll(ids.Select(id => grains.GetGrain<IRunGrain>(id).CreateAsync(new RunSpec(OneStep, "bench"))));
        foreach (var id in ids)
        {
            await WaitAsync(grains.GetGrain<IRunGrain>(id), stoppingToken);
        }

        burst.Stop();
        logger.LogWarning(
            "Scheduling latency over {Count} sequential runs: p50 {P50:F1} ms, p95 {P95:F1} ms, max {Max:F1} ms; burst of {Count} runs finished in {Burst:F2} s ({Rate:F1} runs/s)",
            count, Percentile(latencies, 0.5), Percentile(latencies, 0.95), latencies[^1], count, burst.Elapsed.TotalSeconds, count / burst.Elapsed.TotalSeconds);
        lifetime.StopApplication();
    }

    private async Task<RunSnapshot> RunToEndAsync(CancellationToken cancellationToken)
    {
        var run = grains.GetGrain<IRunGrain>(Guid.NewGuid());
        await run.CreateAsync(new RunSpec(OneStep, "bench"));
        return await WaitAsync(run, cancellationToken);
    }

    private static async Task<RunSnapshot> WaitAsync(IRunGrain run, CancellationToken cancellationToken)
    {
        while (true)
        {
            var snapshot = await run.GetSnapshotAsync();
            if (snapshot.Status.IsTerminal())
            {
                return snapshot;
            }

            await Task.Delay(2, cancellationToken);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
