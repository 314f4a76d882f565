using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MoT.Contracts.Runs;
using MoT.Contracts.Training;
using MoT.Grains.Configs;

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
/// simulate.loss_offset, simulate.step_delay_ms.
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

        var start = request.ResumeFromCheckpointPath is { } resume ? await ReadCheckpointStepAsync(resume, cancel) : 0;
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

            var loss = Loss(step, steps, lr, seed, offset);
            double? eval = step % evalEvery == 0 || step == steps ? loss + 0.05 : null;
            if (eval is { } e)
            {
                bestEval = bestEval is { } b ? Math.Min(b, e) : e;
            }

            var tokensPerSecond = step * 1024 / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
            observer.OnProgress(new RunProgress(step, loss, eval, lr, tokensPerSecond, clock.Elapsed));
            if (step % checkpointEvery == 0 || step == steps)
            {
                observer.OnCheckpoint(await WriteCheckpointAsync(request, step, cancel));
            }
        }

        return new TrainingOutcome(RunStatus.Completed, steps, bestEval, null, null);
    }

    /// <summary>The simulated training loss: exponential decay towards a floor that is lowest at lr = 1e-3.</summary>
    public static double Loss(long step, long steps, double lr, long seed, double offset)
    {
        var floor = 2.0 + (0.3 * Math.Pow(Math.Log10(lr / 1e-3), 2)) + offset;
        var tau = Math.Max(5.0, steps / 5.0);
        return floor + (3.0 * Math.Exp(-step / tau)) + (0.005 * Math.Sin((step * 0.7) + seed));
    }

    private static async Task<CheckpointInfo> WriteCheckpointAsync(TrainingRequest request, long step, CancellationToken cancel)
    {
        var path = Path.Combine(request.OutputDirectory, $"step-{step:D7}.ckpt.json");
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new SimulatedCheckpoint(request.RunId, step));
        await File.WriteAllBytesAsync(path, bytes, cancel);
        return new CheckpointInfo(step, path, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static async Task<long> ReadCheckpointStepAsync(string path, CancellationToken cancel)
    {
        await using var file = File.OpenRead(path);
        var checkpoint = await JsonSerializer.DeserializeAsync<SimulatedCheckpoint>(file, cancellationToken: cancel)
            ?? throw new InvalidDataException($"Checkpoint {path} is empty.");
        return checkpoint.Step;
    }

    private sealed record SimulatedCheckpoint(Guid RunId, long Step);
}
