using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Contracts.Sweeps;

namespace MoT.Silo;

/// <summary>
/// <c>--demo</c>: once the silo is up, submits a small TPE sweep with ASHA early stopping over the simulated trainer
/// and logs how its trials fare. Shows the orchestration end to end without a client.
/// </summary>
internal sealed class DemoSweepService(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<DemoSweepService> logger) : BackgroundService
{
    /// <summary>The demo sweep: TPE with ASHA over learning rate, family and experts of Tiny models on the demo corpus.</summary>
    public static SweepSpec Spec
    {
        get
        {
            var baseConfig = new JsonObject
            {
                ["model"] = new JsonObject { ["family"] = "MoT", ["size"] = "Tiny", ["seq_len"] = 64 },
                ["training"] = new JsonObject { ["steps"] = 80, ["batch_size"] = 8, ["eval_interval"] = 10, ["checkpoint_interval"] = 20 },
                ["data"] = new JsonObject { ["source"] = "demo", ["tokenizer"] = "bytes" },
            };
            return new SweepSpec("demo", baseConfig.ToJsonString(), [
                new SearchParameter("training.lr", ParameterKind.LogUniform, Low: 1e-4, High: 1e-2),
                new SearchParameter("model.family", ParameterKind.Choice, ["Dense", "MoT", "TokenChoice"]),
                new SearchParameter("model.experts", ParameterKind.Choice, ["4", "8"], Condition: new ParameterCondition("model.family", ["MoT", "TokenChoice"])),
            ], SearchMethod.Tpe, MaxConcurrentRuns: 2, MaxRuns: 10, Seed: 1, EarlyStopping: new AshaSettings(10, 2, 80), TpeStartupTrials: 4, Name: "demo");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);
        await Task.Delay(TimeSpan.FromSeconds(3), stoppingToken); // let gpu silos register their slots

        var spec = Spec;
        var sweep = grains.GetGrain<ISweepGrain>(Guid.NewGuid());
        var submission = await sweep.SubmitAsync(spec);
        if (!submission.Accepted)
        {
            logger.LogError("Demo sweep rejected: {Errors}", string.Join("; ", submission.Errors));
            return;
        }

        logger.LogInformation("Demo sweep {SweepId} submitted", sweep.GetPrimaryKey());
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            var snapshot = await sweep.GetSnapshotAsync();
            logger.LogInformation("Demo sweep: {Status}, trials {Trials} ({Stopped} stopped early), best loss {Best:F4}",
                snapshot.Status, snapshot.Trials.Count, snapshot.Trials.Count(t => t.Status == TrialStatus.Pruned), snapshot.BestEvalLoss);
            if (snapshot.Status.IsFinished())
            {
                foreach (var trial in snapshot.Trials)
                {
                    logger.LogInformation("  trial {Index} {Status} loss {Loss:F4} {Parameters}", trial.Index, trial.Status, trial.BestEvalLoss, trial.ParametersJson);
                }

                return;
            }
        }
    }
}
