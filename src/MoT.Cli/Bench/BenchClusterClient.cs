using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Silo;

namespace MoT.Cli.Bench;

/// <summary>An Orleans client of a benchmark's child host (localhost gateway), with the waits the memory benchmark needs.</summary>
internal sealed class BenchClusterClient(IHost host) : IAsyncDisposable
{
    public IClusterClient Client { get; } = host.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchClusterClient> ConnectAsync(int gatewayPort, PlatformProcess server, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            var clustering = ClusterMembership.Read(new ConfigurationBuilder().Build());
            var options = new SiloHostOptions();
            builder.UseOrleansClient(client => client.UseMotClustering(clustering, gatewayPort, options.ServiceId, options.ClusterId));
            var app = builder.Build();
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(20));
                await app.StartAsync(attempt.Token);
                return new BenchClusterClient(app);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                app.Dispose();
                server.ThrowIfExited("the platform host");
                if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"no gateway answered on port {gatewayPort} within 3 minutes: {error.Message}");
                await Task.Delay(1000, cancellationToken);
            }
        }
    }

    /// <summary>Waits until the scheduler knows at least <paramref name="slots"/> live slots.</summary>
    public async Task WaitForSlotsAsync(int slots, PlatformProcess server, CancellationToken cancellationToken)
    {
        var scheduler = Client.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler);
        var deadline = Stopwatch.StartNew();
        while ((await scheduler.GetSnapshotAsync()).Slots.Count(s => !s.Lost) < slots)
        {
            server.ThrowIfExited("the platform host");
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"fewer than {slots} slot(s) registered within 3 minutes");
            await Task.Delay(250, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<Guid>> CreateRunsAsync(int count, string config, string owner, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (id, _) => await Client.GetGrain<IRunGrain>(id).CreateAsync(new RunSpec(config, owner)));
        return ids;
    }

    /// <summary>Waits until every run has trained at least one step (its curves exist).</summary>
    public async Task WaitTrainingAsync(IReadOnlyList<Guid> runs, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var id in runs)
        {
            while (true)
            {
                var run = await Client.GetGrain<IRunGrain>(id).GetSnapshotAsync();
                if (run.Status == RunStatus.Running && run.LastProgress is { Step: > 0 }) break;
                if (run.Status.IsTerminal()) throw new InvalidOperationException($"training run {id} ended {run.Status}: {run.StatusMessage}");
                if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"run {id} was still {run.Status} after 3 minutes");
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    /// <summary>Steps trained so far by each run.</summary>
    public async Task<long[]> StepsAsync(IReadOnlyList<Guid> runs) =>
        await Task.WhenAll(runs.Select(async id => (await Client.GetGrain<IRunGrain>(id).GetSnapshotAsync()).LastProgress?.Step ?? 0));

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        host.Dispose();
    }
}
