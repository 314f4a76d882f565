using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MoT.Contracts;
using MoT.Contracts.Runs;
using MoT.Contracts.Scheduling;
using MoT.Grains.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace MoT.Cli.Bench;

/// <summary>What <see cref="SchedulerBenchmark"/> sets up.</summary>
/// <param name="Runs">Runs queued at once (split evenly between the owners).</param>
/// <param name="RunMilliseconds">How long one simulated run trains (one step of this delay).</param>
public sealed record SchedulerBenchmarkSettings(int Runs = 1000, int GpuSilos = 8, int SlotsPerSilo = 8, int Owners = 4, double RunMilliseconds = 20);

/// <summary>Per owner: its share of the queued runs and of the dispatches made while every owner still had runs waiting.</summary>
public sealed record OwnerShare(string Owner, int Queued, double QueuedShare, int DispatchedWhileAllWaiting, double DispatchShare);

/// <summary>The figures of one scheduler benchmark run (times in milliseconds).</summary>
public sealed record SchedulerBenchmarkResult(
    SchedulerBenchmarkSettings Settings,
    int Dispatches,
    int AllDispatches,
    int MaxQueued,
    double DispatchP50, double DispatchP99, double DispatchMax,
    double QueuedToRunningP50, double QueuedToRunningP99,
    double FinishIntervalMs,
    double Seconds,
    long GrainCalls,
    IReadOnlyList<(string Method, double PerDispatch, double MeanMs)> TopCalls,
    double SchedulerBusyShare,
    IReadOnlyList<OwnerShare> Owners,
    double GrainCallP50, double GrainCallP99)
{
    /// <summary>Where dispatch latency goes, phase by phase (p50 / p99 / max, ms); empty when nothing was dispatched.</summary>
    public IReadOnlyList<(string Phase, double P50, double P99, double Max)> Phases { get; init; } = [];

    /// <summary>Writes of the scheduler's state while the runs were queued and during the drain, and their mean time (ms).</summary>
    public (long Queueing, long Drain, double MeanMs) SchedulerWrites { get; init; }

    /// <summary>The slowest dispatches, each as its phases in ms after its ready time (negative: before it).</summary>
    public IReadOnlyList<string> Slowest { get; init; } = [];

    /// <summary>Garbage collections in the process during the drain, and the time the runtime was paused for them.</summary>
    public (int Gen0, int Gen1, int Gen2, double PausedMs) Collections { get; init; }

    /// <summary>Platform grain calls per run dispatched, over whole lifecycles (the blocker runs' included).</summary>
    public double CallsPerDispatch => AllDispatches == 0 ? 0 : (double)GrainCalls / AllDispatches;

    /// <summary>Largest gap between an owner's dispatch share and an equal share among the owners.</summary>
    public double WorstShareGap => Owners.Count == 0 ? 0 : Owners.Max(o => Math.Abs(o.DispatchShare - 1.0 / Owners.Count));
}

/// <summary>
/// <c>mot bench scheduler</c>: an in-process Orleans cluster (one control silo, <c>GpuSilos</c> gpu silos with CPU slots
/// and the simulated executor, grain state in memory) takes <c>Runs</c> runs from <c>Owners</c> owners, queued while
/// every slot is held by a blocker run; the blockers are then cancelled together and the queue drains. An incoming call filter on every
/// silo counts grain calls and timestamps queueing, slot releases and starts.
/// Dispatch latency of a run = started on its slot - the later of (run queued, slot handed back): the time the scheduler
/// itself took, not the wait for capacity (that is "queued to running").
/// </summary>
public sealed class SchedulerBenchmark(SchedulerBenchmarkSettings settings)
{
    private readonly SchedulerCallRecorder _recorder = new();
    private readonly StorageWriteCounts _writes = new();
    private readonly InMemoryStateStore _store = new();

    public async Task<SchedulerBenchmarkResult> RunAsync(Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Runs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.GpuSilos, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.SlotsPerSilo, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Owners, 1);
        var outputRoot = Path.Combine(Path.GetTempPath(), "mot-bench-scheduler", Guid.NewGuid().ToString("N"));
        var builder = new InProcessTestClusterBuilder((short)(settings.GpuSilos + 1));
        builder.Options.ConfigureFileLogging = false; // no logs/ folder left in the user's working directory
        builder.ConfigureSilo((options, silo) =>
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["GpuSlots:CpuSlots"] = settings.SlotsPerSilo.ToString(),
                ["GpuSlots:OutputRoot"] = Path.Combine(outputRoot, options.SiloName),
            }).Build();
            silo.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Error));
            silo.AddIncomingGrainCallFilter(_recorder.Invoke);
            silo.AddOutgoingGrainCallFilter(_recorder.Stamp);
            // Grain state in memory as by default, with its writes counted (registered first: the roles keep it).
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (sp, _) =>
                new CountingGrainStorage(new InMemoryGrainStorage(_store, sp.GetRequiredService<Serializer>()), _writes));
            if (options.SiloName == "Silo_0")
            {
                silo.AddControlRole(configuration);
            }
            else
            {
                silo.Services.AddSimulatedTraining(configuration);
                silo.AddGpuRole(configuration);
            }
        });

        await using var cluster = builder.Build();
        progress?.Invoke($"starting {settings.GpuSilos + 1} silos");
        await cluster.DeployAsync();
        try
        {
            return await MeasureAsync(cluster.Client, progress, cancellationToken);
        }
        finally
        {
            try { Directory.Delete(outputRoot, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }

    private async Task<SchedulerBenchmarkResult> MeasureAsync(IClusterClient client, Action<string>? progress, CancellationToken cancellationToken)
    {
        var scheduler = client.GetGrain<ISchedulerGrain>(WellKnownGrainKeys.Scheduler);
        var slotCount = settings.GpuSilos * settings.SlotsPerSilo;
        var deadline = Stopwatch.StartNew();
        while ((await scheduler.GetSnapshotAsync()).Slots.Count(s => !s.Lost) < slotCount)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException($"only some of the {slotCount} slots registered within 2 minutes");
            await Task.Delay(100, cancellationToken);
        }

        progress?.Invoke("warming up");
        await RunAllAsync(client, Enumerable.Range(0, slotCount).Select(_ => (Guid.NewGuid(), "warmup", RunConfig(1))).ToList(), cancellationToken);

        // The floor any dispatch pays: one grain call from outside the silo to a slot grain, cluster idle.
        var slotKeys = (await scheduler.GetSnapshotAsync()).Slots.Select(s => s.Info.SlotKey).ToArray();
        var callTimes = new List<double>();
        for (var i = 0; i < 500; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.GetGrain<IGpuSlotGrain>(slotKeys[i % slotKeys.Length]).GetInfoAsync();
            callTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        callTimes.Sort();

        // Blockers hold every slot while the measured runs queue up, so all of them are waiting at once. Calls are counted
        // from here on, blockers included, so calls per dispatch covers whole lifecycles.
        _recorder.Start();
        _writes.Start();
        var recording = Stopwatch.StartNew();
        var blockers = Enumerable.Range(0, slotCount).Select(_ => Guid.NewGuid()).ToList();
        var blockerConfig = RunConfig(TimeSpan.FromMinutes(30).TotalMilliseconds); // held until cancelled below
        foreach (var blocker in blockers)
            await client.GetGrain<IRunGrain>(blocker).CreateAsync(new RunSpec(blockerConfig, "blocker"));
        await WaitUntilRunningAsync(client, blockers, cancellationToken);
        var owners = Enumerable.Range(0, settings.Owners).Select(i => $"owner-{(char)('a' + i)}").ToArray();
        // Each owner's runs arrive as one block: first come, first served alone would serve the owners one after another.
        var runs = Enumerable.Range(0, settings.Runs)
            .Select(i => (Id: Guid.NewGuid(), Owner: owners[Math.Min(owners.Length - 1, i * owners.Length / settings.Runs)], Config: RunConfig(settings.RunMilliseconds)))
            .ToList();

        progress?.Invoke($"queueing {settings.Runs} runs behind {slotCount} blocker runs");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(runs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (run, _) => await client.GetGrain<IRunGrain>(run.Id).CreateAsync(new RunSpec(run.Config, run.Owner)));
        progress?.Invoke($"queued in {clock.Elapsed.TotalSeconds:F1} s; releasing the blockers");
        clock.Restart(); // the drain: from the blockers' release to the last run's end
        var writesQueueing = _writes.Of(StateNames.Scheduler);
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        await Task.WhenAll(blockers.Select(b => client.GetGrain<IRunGrain>(b).CancelAsync("scheduler benchmark: queue is full")));
        await WaitAllAsync(client, blockers, cancellationToken, RunStatus.Cancelled);
        await WaitAllAsync(client, runs.Select(r => r.Id).ToList(), cancellationToken);
        _recorder.Stop();
        _writes.Stop();
        clock.Stop();
        var writesAll = _writes.Of(StateNames.Scheduler);
        var writes = (writesQueueing.Writes, writesAll.Writes - writesQueueing.Writes,
            writesAll.Writes == 0 ? 0 : writesAll.Ticks * 1000.0 / Stopwatch.Frequency / writesAll.Writes);
        var collections = (GC.CollectionCount(0) - gcBefore.Item1, GC.CollectionCount(1) - gcBefore.Item2, GC.CollectionCount(2) - gcBefore.Item3,
            (GC.GetTotalPauseDuration() - gcBefore.Item4).TotalMilliseconds);

        return Summarize(runs, owners, clock.Elapsed, recording.Elapsed, callTimes) with { Collections = collections, SchedulerWrites = writes };
    }

    private SchedulerBenchmarkResult Summarize(
        IReadOnlyList<(Guid Id, string Owner, string Config)> runs, string[] owners, TimeSpan elapsed, TimeSpan recorded, List<double> callTimes)
    {
        var ownerOf = runs.ToDictionary(r => r.Id, r => r.Owner);
        var dispatches = _recorder.Dispatches.Where(d => ownerOf.ContainsKey(d.RunId)).OrderBy(d => d.StartedAt).ToList();
        var queuedAt = _recorder.QueuedAt;
        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

        var latency = dispatches.Select(d => Ms(d.StartedAt - d.ReadyAt)).Order().ToList();
        var waited = dispatches.Select(d => Ms(d.StartedAt - d.QueuedAt)).Order().ToList();

        // Queue depth and fairness by replaying queueing and starts in time order.
        var events = runs.Where(r => queuedAt.ContainsKey(r.Id)).Select(r => (At: queuedAt[r.Id], Delta: +1, r.Owner))
            .Concat(dispatches.Select(d => (At: d.StartedAt, Delta: -1, Owner: ownerOf[d.RunId])))
            .OrderBy(e => e.At).ThenBy(e => -e.Delta).ToList();
        var waiting = owners.ToDictionary(o => o, _ => 0);
        var dispatchedWhileAll = owners.ToDictionary(o => o, _ => 0);
        int depth = 0, maxDepth = 0;
        var everyone = false;
        foreach (var e in events)
        {
            if (e.Delta < 0 && owners.All(o => waiting[o] > 0)) dispatchedWhileAll[e.Owner]++;
            waiting[e.Owner] += e.Delta;
            depth += e.Delta;
            maxDepth = Math.Max(maxDepth, depth);
            everyone |= owners.All(o => waiting[o] > 0);
        }

        var fairTotal = dispatchedWhileAll.Values.Sum();
        var shares = owners.Select(o =>
        {
            var queued = runs.Count(r => r.Owner == o);
            return new OwnerShare(o, queued, (double)queued / runs.Count, dispatchedWhileAll[o], fairTotal == 0 ? 0 : (double)dispatchedWhileAll[o] / fairTotal);
        }).ToList();

        // The platform's own calls; the benchmark's polling (GetSnapshotAsync) and Orleans' internal traffic are not counted.
        var calls = _recorder.CallsByMethod.Where(c => IsPlatformCall(c.Key)).ToDictionary();
        var ticks = _recorder.TicksByMethod;
        var total = calls.Values.Sum();
        var allDispatches = _recorder.Dispatches.Count; // blockers too: their calls are counted
        var top = calls.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => (c.Key, allDispatches == 0 ? 0 : (double)c.Value / allDispatches, Ms(ticks[c.Key]) / c.Value)).ToList();
        var runningAt = _recorder.RunningAt;
        List<double> Sorted(Func<SchedulerCallRecorder.Dispatch, double> phase) => dispatches.Select(phase).Order().ToList();
        (string, double, double, double) Row(string name, List<double> sorted) =>
            (name, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Count == 0 ? 0 : sorted[^1]);
        var phases = new List<(string, double, double, double)>
        {
            Row("ready (release sent) -> running on slot", Sorted(d => Ms(d.StartedAt - d.ReadySentAt))),
            Row("  release: wait for the scheduler's turn", Sorted(d => Math.Max(0, Ms(d.ReadyAt - d.ReadySentAt)))),
            Row("  scheduler: release turn -> start sent", Sorted(d => Math.Max(0, Ms(d.StartSentAt - d.ReadyAt)))),
            Row("  start: sent -> slot's turn begins", Sorted(d => Ms(d.StartTurnAt - d.StartSentAt))),
            Row("  start: slot's turn", Sorted(d => Ms(d.StartedAt - d.StartTurnAt))),
            Row("running on slot -> run grain Running", dispatches.Where(d => runningAt.ContainsKey(d.RunId))
                .Select(d => Ms(runningAt[d.RunId] - d.StartedAt)).Order().ToList()),
        };
        var slowest = dispatches.OrderByDescending(d => d.StartedAt - d.ReadyAt).Take(3).Select(d =>
            $"run {ShortIds.Of(d.RunId)} on {d.SlotKey}: release sent {Ms(d.ReadySentAt - d.ReadyAt):F0}, release turn done {Ms(d.DecidedAt - d.ReadyAt):F0}, " +
            $"start sent {Ms(d.StartSentAt - d.ReadyAt):F0}, slot's turn {Ms(d.StartTurnAt - d.ReadyAt):F0}, running {Ms(d.StartedAt - d.ReadyAt):F0}" +
            (d.QueuedAt == d.ReadyAt ? " (ready = queued)" : "")).ToList();
        var schedulerBusy = ticks.Where(t => t.Key.StartsWith(nameof(ISchedulerGrain) + ".", StringComparison.Ordinal)).Sum(t => Ms(t.Value)) / recorded.TotalMilliseconds;
        var finishes = dispatches.Count > 1 ? elapsed.TotalMilliseconds / dispatches.Count : 0;
        return new SchedulerBenchmarkResult(settings, dispatches.Count, allDispatches, maxDepth,
            Percentile(latency, 0.50), Percentile(latency, 0.99), latency.Count == 0 ? 0 : latency[^1],
            Percentile(waited, 0.50), Percentile(waited, 0.99), finishes, elapsed.TotalSeconds,
            total, top, schedulerBusy, shares, Percentile(callTimes, 0.50), Percentile(callTimes, 0.99)) { Phases = phases, Slowest = slowest };
    }

    private static bool IsPlatformCall(string method) =>
        method.StartsWith("I", StringComparison.Ordinal) && !method.EndsWith(".GetSnapshotAsync", StringComparison.Ordinal)
        && (method.Contains("RunGrain.") || method.Contains("SchedulerGrain.") || method.Contains("SlotGrain.")
            || method.Contains("LeaderboardGrain.") || method.Contains("SweepGrain."));

    private static string RunConfig(double stepMilliseconds) =>
        MemoryBenchmarkSettings.Config(steps: 1, stepMilliseconds, evalInterval: 1, checkpointInterval: 1);

    private static async Task RunAllAsync(IClusterClient client, IReadOnlyList<(Guid Id, string Owner, string Config)> runs, CancellationToken cancellationToken)
    {
        foreach (var run in runs)
            await client.GetGrain<IRunGrain>(run.Id).CreateAsync(new RunSpec(run.Config, run.Owner));
        await WaitAllAsync(client, runs.Select(r => r.Id).ToList(), cancellationToken);
    }

    /// <summary>Blockers must hold their slots before they are cancelled, or the queue would drain into free slots.</summary>
    private static async Task WaitUntilRunningAsync(IClusterClient client, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            while ((await client.GetGrain<IRunGrain>(id).GetSnapshotAsync()).Status != RunStatus.Running)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"blocker run {id} did not start within 5 minutes");
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    private static async Task WaitAllAsync(IClusterClient client, IReadOnlyList<Guid> ids, CancellationToken cancellationToken,
        RunStatus expected = RunStatus.Completed)
    {
        var deadline = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            while (true)
            {
                var snapshot = await client.GetGrain<IRunGrain>(id).GetSnapshotAsync();
                if (snapshot.Status.IsTerminal())
                {
                    if (snapshot.Status != expected)
                        throw new InvalidOperationException($"benchmark run {id} ended {snapshot.Status}: {snapshot.StatusMessage}");
                    break;
                }
                if (deadline.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"benchmark run {id} still {snapshot.Status} after 10 minutes");
                await Task.Delay(20, cancellationToken);
            }
        }
    }

    internal static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
