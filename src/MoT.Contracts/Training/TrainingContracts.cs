using MoT.Contracts.Runs;

namespace MoT.Contracts.Training;

/// <summary>Runs one training attempt. Called off the grain scheduler, on a dedicated thread.</summary>
public interface ITrainingExecutor
{
    /// <summary>Trains until done, failed or cancelled; reports through <paramref name="observer"/>.</summary>
    Task<TrainingOutcome> RunAsync(TrainingRequest request, ITrainingObserver observer, CancellationToken cancel);
}

/// <summary>What to train and where to write.</summary>
/// <param name="ResumeFromCheckpointPath">Checkpoint to restore (model, optimizer, step, RNG, data cursor) before training, or null to start fresh.</param>
/// <param name="OutputDirectory">Directory the attempt writes its checkpoints into.</param>
/// <param name="Device">The slot's device in the trainer's words ("cuda:1", "cpu"); "auto" lets the trainer pick.</param>
[GenerateSerializer, Immutable]
public sealed record TrainingRequest(
    [property: Id(0)] Guid RunId,
    [property: Id(1)] string ConfigJson,
    [property: Id(2)] string? ResumeFromCheckpointPath,
    [property: Id(3)] string OutputDirectory,
    [property: Id(4)] string Device = "auto");

/// <summary>Receives an attempt's reports. Called on the training thread: implementations return at once.</summary>
public interface ITrainingObserver
{
    void OnProgress(RunProgress progress);

    void OnCheckpoint(CheckpointInfo checkpoint);

    /// <summary>A line for the run's console log (what the trainer is doing, a warning). Wrappers forward it.</summary>
    void OnMessage(ConsoleLevel level, string text)
    {
    }
}

/// <summary>How a line of a run's console log reads (colour on the run page, prefix in <c>mot runs log</c>).</summary>
public enum ConsoleLevel
{
    Info,
    Warning,
    Error,
}

/// <summary>How a training attempt ended.</summary>
/// <param name="FinalStatus">Completed, Failed, Cancelled or Diverged.</param>
/// <param name="FailureClass">Set when <paramref name="FinalStatus"/> is not Completed.</param>
[GenerateSerializer, Immutable]
public sealed record TrainingOutcome(
    [property: Id(0)] RunStatus FinalStatus,
    [property: Id(1)] long FinalStep,
    [property: Id(2)] double? BestEvalLoss,
    [property: Id(3)] string? FailureReason,
    [property: Id(4)] FailureClass? FailureClass);
