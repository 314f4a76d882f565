using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Bench;

/// <summary>The shape every model of a GPU benchmark trains at (the paper's: batch 256, context 256, GPT-2 vocab).</summary>
public sealed record BenchShape(int BatchSize, int SequenceLength, int VocabSize, int Steps, int Warmup, string Device, Precision Precision);

/// <summary>One model's measured training speed.</summary>
/// <param name="ModelFlopsUtilization">Null where no peak is known (CPU).</param>
/// <param name="DeviceMemoryBytes">GPU memory in use, this process's high-water mark so far (null on CPU).</param>
public sealed record GpuStepTime(string Preset, ModelConfig Model, long Parameters, double MillisecondsPerStep, double TokensPerSecond,
    double? ModelFlopsUtilization, long? DeviceMemoryBytes);

/// <summary>
/// Times full optimizer steps (forward, backward, clip, AdamW; bf16 compute with fp32 masters on CUDA)
/// on synthetic data at one shape, with no eval or checkpoint I/O. Steps are timed in windows that end
/// with the trainer's log-step host sync (on CUDA every <see cref="CudaWindow"/> steps, so the GPU runs
/// ahead of the host as in real training); the row is the median window after warmup.
/// </summary>
internal static class GpuBenchmark
{
    public const int CudaWindow = 5;

    /// <summary>The preset's architecture at the benchmark's context and vocabulary.</summary>
    public static ModelConfig ModelFor(string preset, BenchShape shape) =>
        ModelPresets.Get(preset).Config with { ContextLength = shape.SequenceLength, VocabSize = shape.VocabSize };

    public static GpuStepTime Time(string presetName, BenchShape shape)
    {
        var preset = ModelPresets.Get(presetName);
        var device = TrainingDevice.Resolve(shape.Device);
        var window = device.type == TorchSharp.DeviceType.CUDA ? CudaWindow : 1;
        var warmup = RoundUp(Math.Max(shape.Warmup, 1), window);
        var timed = RoundUp(Math.Max(shape.Steps, 1), window);
        var config = new TrainingConfig
        {
            Model = ModelFor(presetName, shape), Preset = preset.Name, BatchSize = shape.BatchSize,
            Steps = warmup + timed, Device = shape.Device, Precision = shape.Precision, Data = new DataConfig("synthetic"),
            LogInterval = window, EvalInterval = int.MaxValue, CheckpointInterval = int.MaxValue,
        }.Validate();
        var data = new SyntheticBatchSource(config.Model.VocabSize, config.Seed);
        var output = Path.Combine(Path.GetTempPath(), "mot-bench-gpu-" + Guid.NewGuid().ToString("N"));
        using var trainer = Trainer.Create(config, data, data, output);
        var windows = new WindowTimings(warmup);
        trainer.Run(windows, evaluateAndCheckpoint: false);
        if (windows.TokensPerSecond.Count == 0)
            throw new InvalidOperationException($"{preset.Name}: no timed steps (diverged during warmup?)");

        var tokensPerSecond = windows.TokensPerSecond.Order().ElementAt(windows.TokensPerSecond.Count / 2);
        var tokensPerStep = (double)config.BatchSize * config.Model.ContextLength;
        double? mfu = TrainingDevice.PeakTflops(config, device) is { } peak
            ? ModelCost.TrainingFlopsPerToken(config.Model) * tokensPerSecond / (peak * 1e12) : null;
        return new GpuStepTime(preset.Name, config.Model, ModelCost.Parameters(config.Model), tokensPerStep / tokensPerSecond * 1000,
            tokensPerSecond, mfu, windows.DeviceMemoryBytes);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private sealed class WindowTimings(int warmup) : ITrainingObserver
    {
        public List<double> TokensPerSecond { get; } = [];
        public long? DeviceMemoryBytes { get; private set; }

        public void OnStep(StepReport report)
        {
            if (report.Step > warmup) TokensPerSecond.Add(report.TokensPerSecond);
            DeviceMemoryBytes = report.DeviceMemoryBytes ?? DeviceMemoryBytes;
        }
    }
}
