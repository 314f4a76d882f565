using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using MoT.Data.Tests.Infrastructure;
using MoT.Grains.Tests.Infrastructure;

namespace MoT.Grains.Tests.Processes;

/// <summary>
/// Faults of the control plane on the team topology (PostgreSQL, one control and two gpu silos, simulated training so
/// that only orchestration is under test: real checkpoint files, real metric ingest). Each sweep must complete with no
/// run stuck, none cancelled by the platform, every metric step exactly once and a row for every checkpoint file; the
/// restart budget is 0, so a fault charged to a run would fail it.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ControlPlaneOutageTests(PostgresServer postgres) : IAsyncLifetime
{
    private const long Steps = 300;
    private readonly PostgresTopology _cluster = new(postgres);

    public async ValueTask InitializeAsync() => await _cluster.CreateAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public Task A_control_silo_killed_and_restarted_at_once_leaves_training_untouched() => _cluster.RunAsync(async () =>
    {
        var (control, gpus, sweep, runs) = await StartSweepAsync();

        var outage = System.Diagnostics.Stopwatch.StartNew();
        control.Kill();
        // Restart as soon as the gpu silos notice: the outage of the second case (seconds, not minutes).
        await Eventually.WaitAsync(() => Task.FromResult(gpus.All(g => g.Output().Contains("Control side unreachable"))), b => b,
            "both gpu silos to notice the outage", TimeSpan.FromSeconds(60));
        _cluster.StartSilo("control", "control");

        await MeasureRecoveryAsync(runs, outage);
        await AssertCompletedIntactAsync(sweep, runs);
    });

    [Fact]
    public Task A_control_silo_down_while_its_runs_finish_gets_their_checkpoints_and_outcomes_when_it_returns() => _cluster.RunAsync(async () =>
    {
        var (control, _, sweep, runs) = await StartSweepAsync();

        var outage = System.Diagnostics.Stopwatch.StartNew();
        control.Kill();
        // The slow case: the gpu silos train on alone and finish both runs (final checkpoints on disk) before it returns.
        await Eventually.WaitAsync(() => Task.FromResult(runs.Min(_cluster.HighestCheckpointOnDisk)), step => step == Steps,
            "both runs to finish training during the outage", TimeSpan.FromSeconds(300));
        _cluster.StartSilo("control", "control");

        await MeasureRecoveryAsync(runs, outage);
        await AssertCompletedIntactAsync(sweep, runs);
        foreach (var run in runs)
        {
            // One attempt each: the outage cost nothing, and the outcome written during it is the one that counted.
            Assert.Single((await _cluster.Client.GetGrain<IRunGrain>(run).GetSnapshotAsync()).Attempts);
        }
    });

    [Fact]
    public Task A_gpu_silo_lost_during_a_control_outage_has_its_run_resumed_on_the_other_silo_without_spending_its_restart_budget() => _cluster.RunAsync(async () =>
    {
        var (control, gpus, sweep, runs) = await StartSweepAsync();
        var victimRun = await RunOnAsync(runs, "gpu-a/");

        control.Kill();
        var killedAt = _cluster.HighestCheckpointOnDisk(victimRun);
        await Eventually.WaitAsync(() => Task.FromResult(_cluster.HighestCheckpointOnDisk(victimRun)), step => step > killedAt,
            "a checkpoint written during the outage", TimeSpan.FromSeconds(120));
        gpus[0].Kill(); // gpu-a dies while nobody can hear it
        var outage = System.Diagnostics.Stopwatch.StartNew();
        _cluster.StartSilo("control", "control");

        await Eventually.WaitAsync(async () => await _cluster.TryAsync(() => _cluster.Client.GetGrain<IRunGrain>(victimRun).GetSnapshotAsync()),
            s => s is { Attempts.Count: 2 }, "the lost run's second attempt", TimeSpan.FromSeconds(300));
        Report($"restart of the control silo -> the lost run's second attempt started: {outage.Elapsed.TotalSeconds:F1} s");
        await AssertCompletedIntactAsync(sweep, runs);
        var resumed = await _cluster.Client.GetGrain<IRunGrain>(victimRun).GetSnapshotAsync();
        Assert.Equal(2, resumed.Attempts.Count);
        Assert.StartsWith("gpu-b/", resumed.Attempts[1].SlotKey);
        Assert.NotNull(resumed.Attempts[1].ResumedFromCheckpoint);
        // Runs:MaxRestarts is 0 on this cluster: a lost silo charged to the run would have failed it instead.
        Assert.StartsWith("slot lost", resumed.Attempts[0].EndReason);
    });

    [Fact]
    public Task A_checkpoint_directory_that_cannot_be_written_fails_the_run_at_once_with_that_reason() => _cluster.RunAsync(async () =>
    {
        // A file where the checkpoint root should be: no attempt can create its folder (as root, permissions would not stop it).
        Directory.CreateDirectory(_cluster.OutputRoot);
        var blocked = Path.Combine(_cluster.OutputRoot, "not-a-directory");
        await File.WriteAllTextAsync(blocked, "", TestContext.Current.CancellationToken);
        var control = _cluster.StartSilo("control", "control", "--Runs:MaxRestarts", "3");
        await _cluster.ConnectAsync(control);
        _cluster.StartSilo("gpu-a", "gpu", "--simulate", "--GpuSlots:OutputRoot", Path.Combine(blocked, "runs"));
        await _cluster.WaitForSlotsAsync(1);

        var sweep = _cluster.Client.GetGrain<ISweepGrain>(Guid.NewGuid());
        var submitted = await sweep.SubmitAsync(Sweep(trials: 1));
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        _cluster.Watch(submitted.RunIds);
        await _cluster.WaitForSweepAsync(sweep, 120);

        var run = await _cluster.Client.GetGrain<IRunGrain>(submitted.RunIds[0]).GetSnapshotAsync();
        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(FailureClass.Storage, run.FailureClass);
        Assert.Contains("not writable", run.StatusMessage);
        Assert.Single(run.Attempts); // a budget of 3 and still one attempt: the same volume fails the same way
        Assert.Null(run.LastProgress); // found before the first step, not at the first checkpoint
    });

    /// <summary>Control silo, two gpu silos, and a two-trial sweep training one trial per silo, each past its first checkpoint.</summary>
    private async Task<(SiloProcess Control, SiloProcess[] Gpus, ISweepGrain Sweep, Guid[] Runs)> StartSweepAsync()
    {
        var control = _cluster.StartSilo("control", "control"); // migrates the database first
        await _cluster.ConnectAsync(control);
        SiloProcess[] gpus = [_cluster.StartSilo("gpu-a", "gpu", "--simulate"), _cluster.StartSilo("gpu-b", "gpu", "--simulate")];
        await _cluster.WaitForSlotsAsync(2);
        var sweep = _cluster.Client.GetGrain<ISweepGrain>(Guid.NewGuid());
        var submitted = await sweep.SubmitAsync(Sweep(trials: 2));
        Assert.True(submitted.Accepted, string.Join("; ", submitted.Errors));
        _cluster.Watch(submitted.RunIds);
        var runs = submitted.RunIds.ToArray();
        await Eventually.WaitAsync(() => Task.FromResult(runs.Min(_cluster.HighestCheckpointOnDisk)), step => step >= 40,
            "both trials to train past their first checkpoints", TimeSpan.FromSeconds(120));
        return (control, gpus, sweep, runs);
    }

    /// <summary>Kill -> both runs' state reachable again and their latest checkpoints on disk recorded (the recovery the docs quote).</summary>
    private async Task MeasureRecoveryAsync(Guid[] runs, System.Diagnostics.Stopwatch sinceKill)
    {
        var restartedAt = sinceKill.Elapsed;
        await Eventually.WaitAsync(async () =>
        {
            foreach (var run in runs)
            {
                var snapshot = await _cluster.TryAsync(() => _cluster.Client.GetGrain<IRunGrain>(run).GetSnapshotAsync());
                if (snapshot?.LastCheckpoint is null || snapshot.LastCheckpoint.Step < _cluster.HighestCheckpointOnDisk(run) - 20) return false;
            }
            return true;
        }, caughtUp => caughtUp, "the runs to catch up with their checkpoints on disk", TimeSpan.FromSeconds(300));
        Report($"control silo down {restartedAt.TotalSeconds:F1} s; restart -> runs caught up: {(sinceKill.Elapsed - restartedAt).TotalSeconds:F1} s");
    }

    private static void Report(string measurement) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"[measured] {measurement}");

    private async Task<Guid> RunOnAsync(Guid[] runs, string slotPrefix)
    {
        foreach (var run in runs)
        {
            if ((await _cluster.Client.GetGrain<IRunGrain>(run).GetSnapshotAsync()).SlotKey?.StartsWith(slotPrefix, StringComparison.Ordinal) == true)
                return run;
        }

        throw new InvalidOperationException($"no run trains on {slotPrefix}");
    }

    private async Task AssertCompletedIntactAsync(ISweepGrain sweep, Guid[] runs)
    {
        var finished = await _cluster.WaitForSweepAsync(sweep);
        Assert.Equal(SweepStatus.Completed, finished.Status);
        foreach (var run in runs)
        {
            await _cluster.AssertRunIntactAsync(run, Steps);
        }
    }

    /// <summary>Simulated trials of <see cref="Steps"/> steps at 40 ms (12 s each), logging every step, checkpointing every 20.</summary>
    private static SweepSpec Sweep(int trials)
    {
        var config = new JsonObject
        {
            ["model"] = new JsonObject { ["family"] = "Dense" },
            ["training"] = new JsonObject { ["steps"] = Steps, ["eval_interval"] = 50, ["checkpoint_interval"] = 20, ["log_interval"] = 1 },
            ["simulate"] = new JsonObject { ["step_delay_ms"] = 40 },
        };
        var seeds = Enumerable.Range(1, trials).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new SweepSpec("outage-test", config.ToJsonString(),
            [new SearchParameter("training.seed", ParameterKind.Choice, seeds)],
            SearchMethod.Grid, MaxConcurrentRuns: 2, Name: "outage");
    }
}
