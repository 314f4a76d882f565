using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Data.Tests.Infrastructure;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Processes;

/// <summary>
/// The multi-machine topology on loopback, as docker-compose runs it: one control silo and two gpu silos (one CPU slot
/// each, real TorchSharp training) sharing a private PostgreSQL for membership (ADO.NET clustering), grain state,
/// runs and metrics. A sweep of Tiny models runs; the silo training one of them is SIGKILLed mid-run.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterFailoverTests(PostgresServer postgres) : IAsyncLifetime
{
    private const long Steps = 120; // few steps: the test is about the failover, and it must stay short on a loaded 2-core CI machine
    private readonly PostgresTopology _cluster = new(postgres);

    public async ValueTask InitializeAsync() => await _cluster.CreateAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public Task A_sigkilled_gpu_silo_loses_its_sweep_run_to_the_other_silo_which_resumes_it_with_no_missing_metric_steps() => _cluster.RunAsync(async () =>
    {
        // The control silo migrates the database (our tables and Orleans' membership tables) before it joins.
        var control = _cluster.StartSilo("control", "control");
        await _cluster.ConnectAsync(control);
        var gpuA = _cluster.StartSilo("gpu-a", "gpu");
        var gpuB = _cluster.StartSilo("gpu-b", "gpu");
        var client = _cluster.Client;
        await _cluster.WaitForSlotsAsync(2);
        var sweep = client.GetGrain<ISweepGrain>(Guid.NewGuid());
        var submitted = await sweep.SubmitAsync(TinySweep());
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        _cluster.Watch(submitted.RunIds);

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

        var finished = await _cluster.WaitForSweepAsync(sweep, 600);

        Assert.Equal(SweepStatus.Completed, finished.Status);
        Assert.All(finished.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
        var done = await run.GetSnapshotAsync();
        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(2, done.Attempts.Count);
        Assert.StartsWith("slot lost", done.Attempts[0].EndReason);
        Assert.Equal($"{survivor.Name}/0", done.Attempts[1].SlotKey);
        Assert.Equal(checkpointAtDeath.Path, done.Attempts[1].ResumedFromCheckpoint);
        Assert.Equal(Steps, done.LastProgress!.Step);

        // One continuous history: every step has its train loss, once (steps after the checkpoint were trained again and
        // their points replaced); every checkpoint file on disk, the dead silo's too, has its row.
        foreach (var trial in finished.Trials)
        {
            await _cluster.AssertRunIntactAsync(trial.RunId, Steps);
        }

        // The store holds the sweep as the grain finished it, read from the table, not from the grain.
        var row = await _cluster.SweepRowAsync(sweep.GetPrimaryKey());
        Assert.NotNull(row);
        Assert.Equal(("failover", "failover-test", SweepStatus.Completed, finished.BestRunId), (row.Name, row.OwnerId, row.Status, row.BestRunId));
        Assert.NotNull(row.FinishedAt);
        var stored = JsonNode.Parse(row.SpecJson)!;
        Assert.Equal(Steps, (long)stored["baseConfig"]!["training"]!["steps"]!);
        Assert.Equal("model.family", (string)stored["searchSpace"]![0]!["path"]!);
    });

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
}
