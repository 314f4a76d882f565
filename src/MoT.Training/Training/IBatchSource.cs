using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>One batch of next-token prediction: inputs and targets, both (B, S) int64.</summary>
public sealed record TrainingBatch(Tensor Inputs, Tensor Targets);

/// <summary>An endless, deterministic stream of batches whose position can be saved and restored,
/// so a resumed run sees exactly the batches it would have seen.</summary>
public interface IBatchSource
{
    /// <summary>Identity of the data (corpus + split + tokenizer), recorded with runs for comparability.</summary>
    string Identity { get; }

    /// <summary>The next batch on <paramref name="device"/>; tensors belong to the caller's dispose scope.</summary>
    TrainingBatch Next(int batchSize, int sequenceLength, Device device);

    /// <summary>Opaque position to store in a checkpoint.</summary>
    string SaveCursor();

    /// <summary>Continue from a position returned by <see cref="SaveCursor"/>.</summary>
    void RestoreCursor(string cursor);
}
