using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Grains.Configs;
using MoT.Grains.Runs;

namespace MoT.Grains.Training;

/// <summary>Settings of the <see cref="SimulatedTrainingExecutor"/> (configuration section "SimulatedTraining").</summary>
public sealed class SimulatedTrainingOptions
{
    public const string Section = "SimulatedTraining";

    /// <summary>Wall time per simulated step (0: as fast as possible).</summary>
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(2);
}

/// <summary>
/// A stand-in trainer for tests and <c>--simulate</c> demos: a deterministic loss curve shaped by the config, small
/// checkpoint files (JSON with the step) that a resumed attempt continues from.
/// Reads training.steps (100), training.lr (1e-3), training.eval_interval (10), training.checkpoint_interval (25),
/// training.seed (0), and for failure drills simulate.fail_at_step + simulate.failure_class, simulate.diverge_at_step,
/// simulate.loss_offset, simulate.step_delay_ms. MoT and MoE families (model.family, or the preset's prefix) also report
/// per-block routing diagnostics for the second half of model.layers (4) with model.experts (from the preset, 8) experts.
/// </summary>
public sealed class SimulatedTrainingExecutor(IOptions<SimulatedTrainingOptions> options) : ITrainingExecutor
{
    public async Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel)
    {
        var config = JsonConfig.ParseObject(request.ConfigJson);
        var steps = JsonConfig.GetLong(config, "training.steps") ?? 100;
        var lr = JsonConfig.GetDouble(config, "training.lr") ?? 1e-3;
        var evalEvery = Math.Max(1, JsonConfig.GetLong(config, "training.eval_interval") ?? 10);
        var checkpointEvery = Math.Max(1, JsonConfig.GetLong(config, "training.checkpoint_interval") ?? 25);
        var seed = JsonConfig.GetLong(config, "training.seed") ?? 0;
        var failAt = JsonConfig.GetLong(config, "simulate.fail_at_step");
        var failureClass = Enum.TryParse<FailureClass>(JsonConfig.GetString(config, "simulate.failure_class"), true, out var fc) ? fc : FailureClass.Unknown;
        var divergeAt = JsonConfig.GetLong(config, "simulate.diverge_at_step");
        var offset = JsonConfig.GetDouble(config, "simulate.loss_offset") ?? 0;
        var delay = JsonConfig.GetDouble(config, "simulate.step_delay_ms") is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Value.StepDelay;

        var routing = RoutingShape.Of(config);
        var settings = WarmStarts.SettingsKey(request.ConfigJson);
        var resumed = request.ResumeFromCheckpointPath is { } resume ? await ReadCheckpointAsync(resume, cancel) : null;
        // Like the real trainer: the same settings continue the checkpoint's step count and curve (a new total only
        // extends it); other settings start a new schedule at step 0 from the checkpoint's weights.
        var continues = resumed is not null && (resumed.Settings is null || resumed.Settings == settings);
        var start = continues ? resumed!.Step : 0;
        var tau = continues && resumed!.Tau is { } kept ? kept : Tau(steps);
        Directory.CreateDirectory(request.OutputDirectory);
        var clock = Stopwatch.StartNew();
        double? bestEval = null;
        for (var step = start + 1; step <= steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancel);
            }
            else if (step % 64 == 0)
            {
                await Task.Yield();
            }

            if (failAt == step)
            {
                return new TrainingOutcome(RunStatus.Failed, step, bestEval, $"Simulated {failureClass} failure at step {step}", failureClass);
            }

            if (divergeAt == step)
            {
                return new TrainingOutcome(RunStatus.Diverged, step, bestEval, $"Loss became NaN at step {step}", FailureClass.Diverged);
            }

            var loss = Loss(step, tau, lr, seed, offset);
            double? eval = step % evalEvery == 0 || step == steps ? loss + 0.05 : null;
            if (eval is { } e)
            {
                bestEval = bestEval is { } b ? Math.Min(b, e) : e;
            }

            // Steps this attempt trained, not the checkpoint's: a resumed run's rate is its own.
            var tokensPerSecond = (step - start) * 1024 / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            observer.OnProgress(new RunProgress(step, loss, eval, lr, tokensPerSecond, clock.Elapsed, routing?.At(step, steps, seed)));
            if (step % checkpointEvery == 0 || step == steps)
            {
                observer.OnCheckpoint(await WriteCheckpointAsync(request, new SimulatedCheckpoint(request.RunId, step, settings, tau), cancel));
            }
        }

        return new TrainingOutcome(RunStatus.Completed, steps, bestEval, null, null);
    }

    /// <summary>The simulated training loss: exponential decay towards a floor that is lowest at lr = 1e-3.</summary>
    public static double Loss(long step, long steps, double lr, long seed, double offset) => Loss(step, Tau(steps), lr, seed, offset);

    private static double Loss(long step, double tau, double lr, long seed, double offset)
    {
        var floor = 2.0 + (0.3 * Math.Pow(Math.Log10(lr / 1e-3), 2)) + offset;
        return floor + (3.0 * Math.Exp(-step / tau)) + (0.005 * Math.Sin((step * 0.7) + seed));
    }

    /// <summary>The decay time of a run planned for <paramref name="steps"/> steps; a continued run keeps its parent's.</summary>
    private static double Tau(long steps) => Math.Max(5.0, steps / 5.0);

    /// <summary>Which blocks route and how: the simulated counterpart of the trainer's per-layer diagnostics.</summary>
    internal sealed record RoutingShape(string Family, int Experts, IReadOnlyList<int> Blocks)
    {
        public static RoutingShape? Of(System.Text.Json.Nodes.JsonObject config)
        {
            var preset = JsonConfig.GetString(config, "model.preset") ?? "";
            var family = JsonConfig.GetString(config, "model.family") ?? preset.Split('-')[0];
            if (family is not ("MoT" or "TokenChoice" or "ExpertChoice")) return null;
            var presetExperts = System.Text.RegularExpressions.Regex.Match(preset, @"/(\d+)E");
            var experts = (int)(JsonConfig.GetLong(config, "model.experts") ?? (presetExperts.Success ? long.Parse(presetExperts.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 8));
            var layers = (int)Math.Max(1, JsonConfig.GetLong(config, "model.layers") ?? 4);
            return new RoutingShape(family, Math.Max(2, experts), [.. Enumerable.Range(layers / 2, layers - (layers / 2))]);
        }

        /// <summary>Deterministic diagnostics at <paramref name="step"/>: routing sharpens (entropy falls, the busiest
        /// expert's share grows) as training goes on; Token/Expert Choice drop fewer tokens over time, MoT drops none.</summary>
        public IReadOnlyList<BlockRouting> At(long step, long steps, long seed)
        {
            var progress = 1 - Math.Exp(-step / Math.Max(5.0, steps / 4.0));
            var uniform = Math.Log(Experts);
            return [.. Blocks.Select((block, i) =>
            {
                var wobble = 0.01 * Math.Sin((step * 0.3) + seed + block);
                var entropy = uniform * (1 - ((0.25 + (0.1 * i)) * progress)) + wobble;
                var maxLoad = (1.0 / Experts) * (1 + ((0.6 + (0.2 * i)) * progress)) + (wobble / 10);
                var dropped = Family == "MoT" ? 0 : Math.Max(0, (0.12 * (1 - progress)) + 0.02 + (0.01 * i) + (wobble / 2));
                return new BlockRouting(block, entropy, dropped, maxLoad);
            })];
        }
    }

    private static async Task<CheckpointInfo> WriteCheckpointAsync(TrainingRequest request, SimulatedCheckpoint checkpoint, CancellationToken cancel)
    {
        var path = Path.Combine(request.OutputDirectory, $"step-{checkpoint.Step:D7}.ckpt.json");
        var bytes = JsonSerializer.SerializeToUtf8Bytes(checkpoint);
        await File.WriteAllBytesAsync(path, bytes, cancel);
        return new CheckpointInfo(checkpoint.Step, path, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static async Task<SimulatedCheckpoint> ReadCheckpointAsync(string path, CancellationToken cancel)
    {
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<SimulatedCheckpoint>(file, cancellationToken: cancel)
            ?? throw new InvalidDataException($"Checkpoint {path} is empty.");
    }

    /// <param name="Settings">The config apart from its step count (null in checkpoints of earlier versions).</param>
    /// <param name="Tau">The loss curve's decay time, kept by a continued run so its curve goes on smoothly.</param>
    private sealed record SimulatedCheckpoint(Guid RunId, long Step, string? Settings = null, double? Tau = null);
}
