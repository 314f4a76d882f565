using static TorchSharp.torch;

namespace MoT.Training.Training;

/// <summary>
/// Learnable synthetic text for tests and benchmarks with no corpus: each sequence counts upward
/// from a random start with a random stride (mod vocab), so a model can drive the loss far below
/// log(vocab) by learning the stride from context. Batch i depends only on (seed, i).
/// </summary>
public sealed class SyntheticBatchSource(int vocabSize, long seed, int maxStride = 4) : IBatchSource
{
    private long _batchIndex;

    public string Identity => $"synthetic-v1/vocab{vocabSize}/stride{maxStride}/seed{seed}";

    public TrainingBatch Next(int batchSize, int sequenceLength, Device device)
    {
        var random = new Random(HashCode.Combine(seed, _batchIndex++));
        var tokens = new long[batchSize * (sequenceLength + 1)];
        for (var row = 0; row < batchSize; row++)
        {
            var start = random.Next(vocabSize);
            var stride = 1 + random.Next(maxStride);
            for (var t = 0; t <= sequenceLength; t++)
                tokens[row * (sequenceLength + 1) + t] = (start + (long)stride * t) % vocabSize;
        }
        var all = DeviceCopy.ToDevice(tensor(tokens, [batchSize, sequenceLength + 1]), device);
        return new TrainingBatch(all.narrow(1, 0, sequenceLength), all.narrow(1, 1, sequenceLength));
    }

    public string SaveCursor() => _batchIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void RestoreCursor(string cursor) =>
        _batchIndex = long.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture);
}
