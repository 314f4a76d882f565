using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Data;
using MoT.Data.Tests.Infrastructure;
using MoT.Grains.Tests.Infrastructure;
using Npgsql;
using Orleans.Configuration;

namespace MoT.Grains.Tests.Processes;

/// <summary>
/// The team topology on loopback, as docker-compose runs it: silo processes (one control, gpu silos with one CPU slot
/// each) clustered over ADO.NET on a private PostgreSQL database that also holds grain state, runs, metrics and
/// checkpoints. Owns the database, the checkpoint root and the processes; answers what the fault tests assert
/// (metric steps, checkpoint rows and files) and dumps the whole cluster's state when a test fails.
/// </summary>
public sealed class PostgresTopology(PostgresServer postgres) : IAsyncDisposable
{
    private readonly string _database = $"mot_cluster_{Guid.NewGuid():N}"[..24];
    private readonly List<SiloProcess> _silos = [];
    private readonly List<Guid> _watchedRuns = [];
    private readonly Dictionary<string, (int Silo, int Gateway)> _ports = [];
    private IHost? _clientHost;

    public string ClusterId { get; } = $"mot-test-{Guid.NewGuid():N}";

    public string OutputRoot { get; } = Path.Combine(Path.GetTempPath(), "mot-process-tests", Guid.NewGuid().ToString("N"));

    public string ConnectionString { get; private set; } = "";

    public IClusterClient Client => _clientHost?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("no client: call ConnectAsync");

    public async Task CreateAsync() => ConnectionString = await postgres.CreateDatabaseAsync(_database);

    /// <summary>
    /// Starts a silo process. Leases are generous (a loaded 2-core machine delays heartbeats by seconds; a lapsed lease
    /// there is a false alarm) and the restart budget is 0 unless <paramref name="extra"/> says otherwise, so that any
    /// infrastructure fault charged to a run fails it visibly.
    /// </summary>
    public SiloProcess StartSilo(string name, string role, params string[] extra)
    {
        // A silo started again under its name keeps its ports, as a restarted container keeps its address: Orleans
        // then retires the dead incarnation at once instead of waiting for enough live silos to vote it dead.
        if (!_ports.TryGetValue(name, out var ports))
        {
            _ports[name] = ports = (SiloProcess.FreePort(), SiloProcess.FreePort());
        }

        var silo = SiloProcess.Start(name, [
            "--role", role,
            "--Silo:Name", name,
            "--Silo:SiloPort", ports.Silo.ToString(),
            "--Silo:GatewayPort", ports.Gateway.ToString(),
            "--Silo:ClusterId", ClusterId,
            "--Orleans:Clustering:ProviderType", "AdoNet",
            "--Orleans:Clustering:ConnectionString", ConnectionString,
            "--Database:Provider", "PostgreSQL",
            "--Database:ConnectionString", ConnectionString,
            "--Scheduler:HeartbeatLease", "00:00:10",
            "--Scheduler:CheckInterval", "00:00:01",
            "--Scheduler:SlotVerifyInterval", "00:00:05",
            "--Runs:MaxRestarts", "0",
            "--Runs:AttemptCheckInterval", "00:00:05",
            "--GpuSlots:HeartbeatInterval", "00:00:01",
            "--GpuSlots:CpuSlots", "1",
            "--GpuSlots:OutputRoot", OutputRoot,
            "--GpuSlots:ReportRetryMaxDelay", "00:00:01",
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:Orleans", "Error", // a dead silo's failed probes are expected
            "--Logging:LogLevel:MoT", "Information",
            .. extra,
        ]);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Joins the cluster as a client through the membership table (any live silo's gateway serves it).</summary>
    public async Task ConnectAsync(SiloProcess control) =>
        _clientHost = await SiloProcess.ConnectClientAsync(control, client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, "mot-platform"))
            .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", ConnectionString + ";Search Path=mot")));

    /// <summary>Waits until <paramref name="count"/> gpu slots are registered and live.</summary>
    public Task WaitForSlotsAsync(int count) => Eventually.WaitAsync(Client.Scheduler().GetSnapshotAsync,
        s => s.Slots.Count(x => !x.Lost) == count, $"{count} live gpu slots", TimeSpan.FromSeconds(120));

    /// <summary>Calls that fail while the control silo is down count as "not yet".</summary>
    public async Task<T?> TryAsync<T>(Func<Task<T>> call) where T : class
    {
        try
        {
            return await call();
        }
        catch (Exception)
        {
            return null;
        }
    }

    public void Watch(IEnumerable<Guid> runs) => _watchedRuns.AddRange(runs);

    /// <summary>Waits (state, not time) until the sweep finishes; a generous bound only catches a stuck cluster.</summary>
    public Task<SweepSnapshot> WaitForSweepAsync(ISweepGrain sweep, int seconds = 480) => Eventually.WaitAsync(
        async () => await TryAsync(sweep.GetSnapshotAsync),
        s => s is not null && s.Status.IsFinished(),
        $"sweep {sweep.GetPrimaryKey()} to finish", TimeSpan.FromSeconds(seconds))!;

    /// <summary>Every train-loss step recorded for the run, in order, with repeats.</summary>
    public async Task<List<long>> TrainLossStepsAsync(Guid runId)
    {
        await using var db = Context();
        return await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Name == "train_loss")
            .OrderBy(p => p.Step).Select(p => p.Step)
            .ToListAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>The sweeps table's row for a sweep, as the control silo's grain wrote it.</summary>
    public async Task<MoT.Data.Entities.Sweep?> SweepRowAsync(Guid sweepId)
    {
        await using var db = Context();
        return await db.Sweeps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sweepId, TestContext.Current.CancellationToken);
    }

    /// <summary>Paths of the checkpoint rows of a run.</summary>
    public async Task<HashSet<string>> CheckpointRowsAsync(Guid runId)
    {
        await using var db = Context();
        return (await db.Checkpoints.AsNoTracking().Where(c => c.RunId == runId).Select(c => c.Path)
            .ToListAsync(TestContext.Current.CancellationToken)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Checkpoint files the run's attempts wrote under the checkpoint root (any silo, any attempt; manifests beside them excluded).</summary>
    public IReadOnlyList<string> CheckpointFiles(Guid runId)
    {
        var folder = Path.Combine(OutputRoot, runId.ToString("N"));
        return Directory.Exists(folder)
            ? Directory.GetFiles(folder, "step-*", SearchOption.AllDirectories)
                .Where(f => !f.EndsWith(".manifest.json", StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>The highest step among the run's checkpoint files on disk (0 when none): progress that needs no control side.</summary>
    public long HighestCheckpointOnDisk(Guid runId) => CheckpointFiles(runId)
        .Select(f => long.Parse(Path.GetFileName(f)["step-".Length..][..7], System.Globalization.CultureInfo.InvariantCulture))
        .DefaultIfEmpty(0).Max();

    /// <summary>
    /// The properties every fault test asserts for a finished run: completed, never cancelled; every train step from
    /// 1 to <paramref name="steps"/> recorded exactly once; a checkpoint row for every checkpoint file on disk.
    /// </summary>
    public async Task AssertRunIntactAsync(Guid runId, long steps)
    {
        var run = await Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync();
        Assert.True(run.Status == RunStatus.Completed, $"run {runId} ended {run.Status}: {run.StatusMessage}");
        Assert.DoesNotContain(run.Attempts, a => a.EndReason?.Contains("Cancel", StringComparison.OrdinalIgnoreCase) == true);
        var recorded = await Eventually.WaitAsync(() => TrainLossStepsAsync(runId), s => s.Count >= steps,
            $"run {runId}'s {steps} train-loss points", TimeSpan.FromSeconds(60), s => $"missing steps {string.Join(", ", Enumerable.Range(1, (int)steps).Select(i => (long)i).Except(s))}");
        Assert.Equal(Enumerable.Range(1, (int)steps).Select(s => (long)s), recorded);
        var rows = await CheckpointRowsAsync(runId);
        var files = CheckpointFiles(runId);
        Assert.NotEmpty(files);
        var unrecorded = files.Where(f => !rows.Contains(f)).ToList();
        Assert.True(unrecorded.Count == 0, $"checkpoint files without a row: {string.Join(", ", unrecorded)}");
    }

    /// <summary>Everything needed to see why a multi-process scenario went wrong, as one text.</summary>
    public async Task<string> DumpAsync()
    {
        var dump = new StringBuilder();
        try
        {
            await using var db = Context();
            foreach (var run in await db.Runs.AsNoTracking().OrderBy(r => r.CreatedAt).ToListAsync())
            {
                dump.AppendLine($"run {run.Id}: {run.Status} attempt {run.Attempt} reason {run.FailureReason}");
            }
            foreach (var c in await db.Checkpoints.AsNoTracking().OrderBy(c => c.RunId).ThenBy(c => c.Step).ToListAsync())
            {
                dump.AppendLine($"checkpoint row {c.RunId} step {c.Step} {c.Path}");
            }
        }
        catch (Exception error)
        {
            dump.AppendLine($"(store unreadable: {error.Message})");
        }

        foreach (var runId in _watchedRuns)
        {
            var snapshot = _clientHost is null ? null : await TryAsync(() => Client.GetGrain<IRunGrain>(runId).GetSnapshotAsync());
            dump.AppendLine(snapshot is null ? $"run {runId}: unreachable" :
                $"run {runId}: {snapshot.Status} on {snapshot.SlotKey} step {snapshot.LastProgress?.Step} ckpt {snapshot.LastCheckpoint?.Step} — {snapshot.StatusMessage}; attempts: " +
                string.Join(" | ", snapshot.Attempts.Select(a => $"#{a.Number} {a.SlotKey} from {a.ResumedFromCheckpoint} ended {a.EndReason}")));
            dump.AppendLine($"  files: {string.Join(", ", CheckpointFiles(runId).Select(Path.GetFileName))}");
        }

        if (_clientHost is not null && await TryAsync(() => Client.Scheduler().GetSnapshotAsync()) is { } scheduler)
        {
            dump.AppendLine($"queue: {string.Join(", ", scheduler.Queue.Select(q => q.RunId))}");
            dump.AppendLine($"slots: {string.Join(", ", scheduler.Slots.Select(s => $"{s.Info.SlotKey} busy={s.Info.BusyRunId} lost={s.Lost}"))}");
        }

        foreach (var silo in _silos)
        {
            var lines = silo.Output().Split('\n');
            dump.AppendLine($"--- {silo.Name} (last 150 lines of {lines.Length}):");
            dump.AppendLine(string.Join('\n', lines.TakeLast(150)));
        }

        return dump.ToString();
    }

    /// <summary>Runs <paramref name="scenario"/>; on failure, rethrows with the cluster dump attached.</summary>
    public async Task RunAsync(Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Exception failure)
        {
            throw new InvalidOperationException($"{failure.Message}\n{await DumpAsync()}", failure);
        }
    }

    private MotDbContext Context()
    {
        var options = new DbContextOptionsBuilder<MotDbContext>();
        new MotDataOptions(DatabaseProvider.PostgreSQL, ConnectionString).Configure(options);
        return new MotDbContext(options.Options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            _clientHost.Dispose();
        }

        foreach (var silo in _silos)
        {
            silo.Dispose();
        }

        NpgsqlConnection.ClearAllPools();
        await postgres.DropDatabaseAsync(_database);
        if (Directory.Exists(OutputRoot)) Directory.Delete(OutputRoot, recursive: true);
    }
}
