using MoT.Training.Data;
using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>Feeds the trainer from a packed corpus stream (<see cref="BatchStream"/>).</summary>
internal sealed class CorpusBatchSource(BatchStream stream) : IBatchSource
{
    public string Identity => stream.Identity;

    public TrainingBatch Next(int batchSize, int sequenceLength, Device device)
    {
        if (batchSize != stream.BatchSize || sequenceLength != stream.SequenceLength)
            throw new InvalidOperationException(
                $"corpus stream yields {stream.BatchSize}x{stream.SequenceLength} batches, the trainer asked for {batchSize}x{sequenceLength}");
        var batch = stream.NextTensors(device);
        return new TrainingBatch(batch.Inputs, batch.Targets);
    }

    public string SaveCursor() => stream.SaveCursor();

    public void RestoreCursor(string cursor) => stream.RestoreCursor(cursor);
}
