using System.Text.Json.Nodes;
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
/// The multi-machine topology on loopback, as docker-compose runs it: one control silo and two gpu silos (one CPU slot
/// each, real TorchSharp training) sharing a private PostgreSQL for membership (ADO.NET clustering), grain state,
/// runs and metrics. A sweep of Tiny models runs; the silo training one of them is SIGKILLed mid-run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterFailoverTests(PostgresServer postgres) : IAsyncLifetime
{
    private const long Steps = 240;
    private readonly string _database = $"mot_cluster_{Guid.NewGuid():N}"[..24];
    private readonly string _clusterId = $"mot-test-{Guid.NewGuid():N}";
    private readonly string _outputRoot = Path.Combine(Path.GetTempPath(), "mot-process-tests", Guid.NewGuid().ToString("N"));
    private string _connectionString = "";

    public async ValueTask InitializeAsync() => _connectionString = await postgres.CreateDatabaseAsync(_database);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await postgres.DropDatabaseAsync(_database);
        if (Directory.Exists(_outputRoot)) Directory.Delete(_outputRoot, recursive: true);
    }

    [Fact]
    public async Task A_sigkilled_gpu_silo_loses_its_sweep_run_to_the_other_silo_which_resumes_it_with_no_missing_metric_steps()
    {
        // The control silo migrates the database (our tables and Orleans' membership tables) before it joins.
        using var control = StartSilo("control", "control");
        using var clientHost = await SiloProcess.ConnectClientAsync(control, client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (_clusterId, "mot-platform"))
            .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", _connectionString + ";Search Path=mot")));
        using var gpuA = StartSilo("gpu-a", "gpu");
        using var gpuB = StartSilo("gpu-b", "gpu");
        var client = clientHost.Services.GetRequiredService<IClusterClient>();
        try
        {
            var scheduler = client.Scheduler();
            await Eventually.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Count(x => !x.Lost) == 2, "both gpu silos' slots", TimeSpan.FromSeconds(90));
            var sweep = client.GetGrain<ISweepGrain>(Guid.NewGuid());
            var submitted = await sweep.SubmitAsync(TinySweep());
            Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));

            // Both trials train at once, one per silo; kill the silo of the first one to write a checkpoint.
            var (victim, atDeath) = await Eventually.WaitAsync(async () =>
            {
                foreach (var trial in (await sweep.GetSnapshotAsync()).Trials)
                {
                    var snapshot = await client.GetGrain<IRunGrain>(trial.RunId).GetSnapshotAsync();
                    if (snapshot is { Status: RunStatus.Running, LastCheckpoint: not null }) return (trial.RunId, snapshot);
                }
                return (Guid.Empty, (RunSnapshot?)null);
            }, found => found.Item2 is not null, "a sweep run to checkpoint", TimeSpan.FromSeconds(300));
            var killed = atDeath!.SlotKey!.StartsWith("gpu-a/", StringComparison.Ordinal) ? gpuA : gpuB;
            var survivor = killed == gpuA ? gpuB : gpuA;
            killed.Kill();
            var run = client.GetGrain<IRunGrain>(victim);
            var checkpointAtDeath = (await run.GetSnapshotAsync()).LastCheckpoint!;
            Assert.True(checkpointAtDeath.Step < Steps, $"the run finished before the kill: {checkpointAtDeath}");

            var finished = await sweep.WaitUntilFinishedAsync(600);

            Assert.Equal(SweepStatus.Completed, finished.Status);
            Assert.All(finished.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
            var done = await run.GetSnapshotAsync();
            Assert.Equal(RunStatus.Completed, done.Status);
            Assert.Equal(2, done.Attempts.Count);
            Assert.StartsWith("slot lost", done.Attempts[0].EndReason);
            Assert.Equal($"{survivor.Name}/0", done.Attempts[1].SlotKey);
            Assert.Equal(checkpointAtDeath.Path, done.Attempts[1].ResumedFromCheckpoint);
            Assert.Equal(Steps, done.LastProgress!.Step);

            // One continuous history: every step after the checkpoint the run resumed from has its train loss, once.
            var steps = await Eventually.WaitAsync(() => TrainLossStepsAsync(victim), s => s.Count > 0 && s[^1] == Steps,
                "the resumed attempt's last metric point", TimeSpan.FromSeconds(30));
            var expected = Enumerable.Range((int)checkpointAtDeath.Step + 1, (int)(Steps - checkpointAtDeath.Step)).Select(s => (long)s);
            Assert.Empty(expected.Except(steps));
            Assert.Equal(steps.Count, steps.Distinct().Count());
        }
        catch (Exception failure)
        {
            // What the silos logged is the only way to see why a multi-process scenario went wrong.
            var silos = string.Join("\n", new[] { control, gpuA, gpuB }.Select(s => $"--- {s.Name}:\n{s.Output()}"));
            throw new InvalidOperationException($"{failure.Message}\n{silos}", failure);
        }
    }

    private SiloProcess StartSilo(string name, string role) => SiloProcess.Start(name, [
        "--role", role,
        "--Silo:Name", name,
        "--Silo:SiloPort", SiloProcess.FreePort().ToString(),
        "--Silo:GatewayPort", SiloProcess.FreePort().ToString(),
        "--Silo:ClusterId", _clusterId,
        "--Orleans:Clustering:ProviderType", "AdoNet",
        "--Orleans:Clustering:ConnectionString", _connectionString,
        "--Database:Provider", "PostgreSQL",
        "--Database:ConnectionString", _connectionString,
        "--Scheduler:HeartbeatLease", "00:00:04",
        "--Scheduler:CheckInterval", "00:00:01",
        "--GpuSlots:HeartbeatInterval", "00:00:01",
        "--GpuSlots:CpuSlots", "1",
        "--GpuSlots:OutputRoot", _outputRoot,
        "--Logging:LogLevel:Default", "Warning",
        "--Logging:LogLevel:Orleans", "Error", // the dead silo's failed probes are expected
        "--Logging:LogLevel:MoT", "Information",
    ]);

    /// <summary>Two Tiny models (dense and MoT) on synthetic data, logging every step, checkpointing every 20.</summary>
    private static SweepSpec TinySweep()
    {
        var config = new JsonObject
        {
            ["model"] = new JsonObject { ["size"] = "Tiny", ["seq_len"] = 32 },
            ["training"] = new JsonObject
            {
                ["steps"] = Steps, ["batch_size"] = 8, ["lr"] = 2e-3, ["eval_interval"] = 100,
                ["checkpoint_interval"] = 20, ["log_interval"] = 1, ["seed"] = 7,
            },
            ["data"] = new JsonObject { ["source"] = "synthetic", ["tokenizer"] = "bytes" },
        };
        return new SweepSpec("failover-test", config.ToJsonString(),
            [new SearchParameter("model.family", ParameterKind.Choice, ["Dense", "MoT"])],
            SearchMethod.Grid, MaxConcurrentRuns: 2, Name: "failover");
    }

    private async Task<List<long>> TrainLossStepsAsync(Guid runId)
    {
        var options = new DbContextOptionsBuilder<MotDbContext>();
        new MotDataOptions(DatabaseProvider.PostgreSQL, _connectionString).Configure(options);
        await using var db = new MotDbContext(options.Options);
        return await db.MetricPoints.AsNoTracking()
            .Where(p => p.RunId == runId && p.Name == "train_loss")
            .OrderBy(p => p.Step).Select(p => p.Step)
            .ToListAsync(TestContext.Current.CancellationToken);
    }
}
