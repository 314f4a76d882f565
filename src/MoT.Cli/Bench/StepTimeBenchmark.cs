using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Bench;

/// <summary>Measured training-step speed of one preset.</summary>
public sealed record StepTime(string Preset, int BatchSize, double MillisecondsPerStep, double TokensPerSecond, double TrainGflopsPerToken);

/// <summary>Times full optimizer steps (forward, backward, clip, AdamW) on synthetic data, after warmup,
/// for several presets in one process so the ratios between them are meaningful. Uses the median of
/// the trainer's own per-step timings, so checkpoint and eval I/O never count.</summary>
internal static class StepTimeBenchmark
{
    public static IEnumerable<StepTime> Run(IEnumerable<string> presets, int steps, int warmup, string device, int? batchSize)
    {
        var names = presets.ToList();
        // The first model timed in a process pays for thread pools and allocator growth: time it once
        // untimed so every row is measured warm and the ratios compare like with like.
        _ = Time(names[0], steps, warmup, device, batchSize);
        foreach (var name in names)
            yield return Time(name, steps, warmup, device, batchSize);
    }

    private static StepTime Time(string name, int steps, int warmup, string device, int? batchSize)
    {
        var preset = ModelPresets.Get(name);
        var config = new TrainingConfig
        {
            Model = preset.Config, Preset = preset.Name, BatchSize = batchSize ?? preset.DefaultBatchSize,
            Steps = warmup + steps, Device = device, Data = new DataConfig("synthetic"),
            LogInterval = 1, EvalInterval = int.MaxValue, CheckpointInterval = int.MaxValue,
        };
        var data = TrainingData.Open(config.Validate());
        using var temporary = new TemporaryFolder();
        using var trainer = Trainer.Create(config, data.Train, data.Eval, temporary.Path);
        var timings = new StepTimings(warmup);
        trainer.Run(timings);
        var tokensPerSecond = timings.Median;
        var tokensPerStep = (double)config.BatchSize * config.Model.ContextLength;
        return new StepTime(preset.Name, config.BatchSize, tokensPerStep / tokensPerSecond * 1000, tokensPerSecond,
            ModelCost.TrainingFlopsPerToken(config.Model) / 1e9);
    }

    private sealed class StepTimings(int warmup) : ITrainingObserver
    {
        private readonly List<double> _tokensPerSecond = [];
        public double Median => _tokensPerSecond.Order().ElementAt(_tokensPerSecond.Count / 2);
        public void OnStep(StepReport report)
        {
            if (report.Step > warmup) _tokensPerSecond.Add(report.TokensPerSecond);
        }
    }

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mot-bench-" + Guid.NewGuid().ToString("N"));
        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}
