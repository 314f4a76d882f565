using MoT.Training.Models;

namespace MoT.Training.Training;

/// <summary>Numeric precision of the forward/backward pass.</summary>
public enum Precision
{
    /// <summary>bf16 compute on CUDA, fp32 on CPU.</summary>
    Auto,
    Fp32,
    /// <summary>bf16 compute with fp32 master weights and optimizer state.</summary>
    Bf16,
}

/// <summary>Where the training text comes from and how it is tokenised.</summary>
/// <param name="Source">"synthetic", "demo" (the prepared demo corpus) or a file/folder of .txt / .jsonl(.gz).</param>
/// <param name="Tokenizer">"bytes" or "bpe" (cl100k compacted to the corpus).</param>
/// <param name="EvalFraction">Share of documents held out for eval loss.</param>
public sealed record DataConfig(string Source = "demo", string Tokenizer = "bytes", double EvalFraction = 0.05);

/// <summary>Everything a training run needs besides its data: model, optimiser, schedule, cadence.
/// Defaults follow the paper (AdamW 0.9/0.999, wd 0.1, clip 0.5, cosine to 10%).</summary>
public sealed record TrainingConfig
{
    public required ModelConfig Model { get; init; }
    /// <summary>Preset the model came from (informational; the model config is authoritative).</summary>
    public string? Preset { get; init; }
    public DataConfig Data { get; init; } = new();
    public int BatchSize { get; init; } = 16;
    public int Steps { get; init; } = 200;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Linear warmup steps; null means min(2500, Steps / 10) (the paper uses 2,500 of 150K).</summary>
    public int? WarmupSteps { get; init; }
    public double FinalLearningRateRatio { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double GradientClip { get; init; } = 0.5;
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Tokens one optimizer step trains: batch size x gradient accumulation x context length (a method, not a
    /// property, so the config document does not carry a derived value).</summary>
    public long TokensPerStep() => (long)BatchSize * GradientAccumulation * Model.ContextLength;
    public int EvalInterval { get; init; } = 50;
    public int EvalBatches { get; init; } = 4;
    public int CheckpointInterval { get; init; } = 100;
    public int LogInterval { get; init; } = 10;
    public long Seed { get; init; } = 1;
    /// <summary>"auto" (CUDA when present), "cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; init; } = "auto";
    public Precision Precision { get; init; } = Precision.Auto;
    /// <summary>Peak device throughput for the MFU estimate; null picks a known figure (H100: 989) or none.</summary>
    public double? PeakTflops { get; init; }

    public int ResolvedWarmupSteps => WarmupSteps ?? Math.Min(2500, Steps / 10);

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first invalid field.</summary>
    public TrainingConfig Validate()
    {
        Model.Validate();
        Model.ValidateBatchSize(BatchSize);
        Require(Steps > 0, nameof(Steps), $"must be positive, got {Steps}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), $"must be a positive number, got {LearningRate}");
        Require(ResolvedWarmupSteps >= 0, nameof(WarmupSteps), $"must be >= 0, got {WarmupSteps}");
        Require(FinalLearningRateRatio is >= 0 and <= 1, nameof(FinalLearningRateRatio), $"must be in [0, 1], got {FinalLearningRateRatio}");
        Require(WeightDecay >= 0, nameof(WeightDecay), $"must be >= 0, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), $"must be in [0, 1), got {Beta1}");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), $"must be in [0, 1), got {Beta2}");
        Require(GradientClip > 0, nameof(GradientClip), $"must be positive, got {GradientClip}");
        Require(GradientAccumulation > 0, nameof(GradientAccumulation), $"must be positive, got {GradientAccumulation}");
        Require(EvalInterval > 0, nameof(EvalInterval), $"must be positive, got {EvalInterval}");
        Require(EvalBatches > 0, nameof(EvalBatches), $"must be positive, got {EvalBatches}");
        Require(CheckpointInterval > 0, nameof(CheckpointInterval), $"must be positive, got {CheckpointInterval}");
        Require(LogInterval > 0, nameof(LogInterval), $"must be positive, got {LogInterval}");
        Require(Data.EvalFraction is > 0 and < 1, "Data.EvalFraction", $"must be in (0, 1), got {Data.EvalFraction}");
        Require(PeakTflops is null or > 0, nameof(PeakTflops), $"must be positive, got {PeakTflops}");
        return this;
    }

    private static void Require(bool ok, string field, string problem)
    {
        if (!ok) throw new ModelConfigException(field, problem);
    }
}
