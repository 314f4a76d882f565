namespace MoT.Training.Training;

/// <summary>Final state of a training run.</summary>
public enum TrainingStatus
{
    Completed,
    /// <summary>Stopped on request (cancel or preempt) after writing a checkpoint.</summary>
    Cancelled,
    /// <summary>Reached the requested pause step after writing a checkpoint; resumable.</summary>
    Paused,
    Diverged,
}

/// <summary>Routing statistics of one MoT/MoE block, read at a log step.</summary>
public sealed record LayerDiagnostics(int Block, float[] ExpertLoad, float Entropy, float DroppedFraction);

/// <summary>Progress at a log step. <paramref name="DeviceMemoryBytes"/>: on CUDA, the most GPU memory
/// seen in use so far in this run (driver figure: allocator reserve + context); null on CPU.</summary>
public sealed record StepReport(
    int Step, int TotalSteps, double TrainLoss, double LearningRate, double GradientNorm,
    double TokensPerSecond, double? ModelFlopsUtilization, TimeSpan Elapsed, TimeSpan? EstimatedRemaining,
    IReadOnlyList<LayerDiagnostics> Diagnostics, long? DeviceMemoryBytes);

/// <summary>Eval loss at an eval step.</summary>
public sealed record EvalReport(int Step, double EvalLoss);

/// <summary>A checkpoint that was written and verified.</summary>
public sealed record CheckpointReport(int Step, string Path, long Bytes, string Sha256);

/// <summary>What a finished (or stopped) run achieved.</summary>
public sealed record TrainingResult(
    TrainingStatus Status, int StepsCompleted, double? FinalTrainLoss, double? FinalEvalLoss, double? BestEvalLoss,
    string? LastCheckpoint, int? DivergedAtStep);

/// <summary>Receives progress from the trainer (the CLI's progress bar, the platform's GPU slot).
/// Called on the training thread: implementations must be quick and must not block.</summary>
public interface ITrainingObserver
{
    void OnStep(StepReport report) { }
    void OnEval(EvalReport report) { }
    void OnCheckpoint(CheckpointReport report) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    public static readonly NullTrainingObserver Instance = new();
}
