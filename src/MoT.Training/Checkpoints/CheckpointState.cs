using MoT.Training.Training;

namespace MoT.Training.Checkpoints;

/// <summary>Everything besides tensors that a checkpoint restores.</summary>
/// <param name="Config">The run's full config (model architecture included).</param>
/// <param name="Step">Optimizer steps completed; training resumes at this 0-based step.</param>
/// <param name="DataCursor">The training batch source position (<see cref="IBatchSource.SaveCursor"/>).</param>
/// <param name="RngState">torch's CPU generator state, base64.</param>
/// <param name="DataIdentity">Corpus/split/tokenizer identity the run trained on.</param>
/// <param name="TokenizerSpec">Serialized tokenizer (JSON) so eval/inference can rebuild it; null for synthetic data.</param>
public sealed record CheckpointState(
    TrainingConfig Config,
    int Step,
    string DataCursor,
    string RngState,
    double? BestEvalLoss,
    string DataIdentity,
    string? TokenizerSpec,
    DateTimeOffset CreatedUtc)
{
    public const int FormatVersion = 1;
}

/// <summary>The sidecar manifest: what the checkpoint file must hash to.</summary>
public sealed record CheckpointManifest(int FormatVersion, string File, long Bytes, string Sha256, int Step, string Architecture);
