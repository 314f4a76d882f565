namespace MoT.Training.Checkpoints;

/// <summary>A checkpoint cannot be used: missing, corrupt, or for another architecture.</summary>
public sealed class CheckpointException(string message) : Exception(message);
