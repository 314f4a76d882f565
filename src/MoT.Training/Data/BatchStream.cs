using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MoT.Training.Data;

/// <summary>Where a <see cref="BatchStream"/> is: the epoch and the next sample within that epoch's order.</summary>
public readonly record struct DataCursor(long Epoch, long Position)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Epoch}:{Position}");
}

/// <summary>One batch as plain arrays: inputs and targets, each (B, S) row-major, targets shifted by one.</summary>
public sealed record Batch(long[] Inputs, long[] Targets, int BatchSize, int SequenceLength)
{
    /// <summary>Int64 tensors (B, S) on <paramref name="device"/> (CPU when null). They belong to the
    /// caller's dispose scope; dispose the pair when not using one.</summary>
    public BatchTensors ToTensors(Device? device = null)
    {
        long[] shape = [BatchSize, SequenceLength];
        var inputs = torch.tensor(Inputs, shape);
        var targets = torch.tensor(Targets, shape);
        if (device is null || device.type == DeviceType.CPU)
            return new BatchTensors(inputs, targets);
        using (inputs)
        using (targets)
            return new BatchTensors(MoT.Training.Training.DeviceCopy.ToDevice(inputs, device), MoT.Training.Training.DeviceCopy.ToDevice(targets, device));
    }
}

/// <summary>A batch's tensors; disposing frees both.</summary>
public sealed record BatchTensors(Tensor Inputs, Tensor Targets) : IDisposable
{
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// An endless stream of batches over a <see cref="TokenDataset"/>. Each epoch visits every sample once,
/// in an order fixed by (seed, epoch) when shuffling; a batch that runs past the end of an epoch
/// continues into the next. The <see cref="Cursor"/> after any batch, saved and restored (also
/// as text via <see cref="SaveCursor"/>), yields exactly the batches an uninterrupted stream would.
/// </summary>
public sealed class BatchStream
{
    private const string CursorVersion = "v1";

    private readonly TokenDataset _dataset;
    private readonly int[] _sample;
    private int[]? _order;
    private long _orderEpoch = -1;

    public BatchStream(TokenDataset dataset, int batchSize, bool shuffle = true, ulong seed = 0, DataCursor start = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (dataset.SampleCount > int.MaxValue)
            throw new NotSupportedException($"{dataset.SampleCount} samples exceed the {int.MaxValue} a stream can order");
        _dataset = dataset;
        BatchSize = batchSize;
        Shuffled = shuffle;
        Seed = seed;
        _sample = new int[dataset.SequenceLength + 1];
        Cursor = start;
    }

    /// <summary>Samples per batch (B).</summary>
    public int BatchSize { get; }

    /// <summary>Context length (S).</summary>
    public int SequenceLength => _dataset.SequenceLength;

    /// <summary>Whether each epoch visits samples in a seeded random order (else in packing order).</summary>
    public bool Shuffled { get; }

    /// <summary>Seeds the per-epoch sample order.</summary>
    public ulong Seed { get; }

    /// <summary>The dataset read.</summary>
    public TokenDataset Dataset => _dataset;

    /// <summary>Dataset plus batching: equal identities and cursors give equal batches.</summary>
    public string Identity => string.Create(CultureInfo.InvariantCulture,
        $"{_dataset.Identity}/B{BatchSize}/{(Shuffled ? $"shuffle{Seed}" : "ordered")}");

    /// <summary>The position of the next batch; setting it restores a saved position.</summary>
    public DataCursor Cursor
    {
        get;
        set
        {
            if (value.Epoch < 0 || value.Position < 0 || value.Position >= _dataset.SampleCount)
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"cursor must have epoch >= 0 and position in [0, {_dataset.SampleCount})");
            field = value;
        }
    }

    /// <summary>The next batch; advances <see cref="Cursor"/>.</summary>
    public Batch Next()
    {
        var length = SequenceLength;
        var inputs = new long[BatchSize * length];
        var targets = new long[BatchSize * length];
        var (epoch, position) = Cursor;
        for (var row = 0; row < BatchSize; row++)
        {
            _dataset.ReadSample(SampleAt(epoch, position), _sample);
            var rowInputs = inputs.AsSpan(row * length, length);
            var rowTargets = targets.AsSpan(row * length, length);
            for (var t = 0; t < length; t++)
            {
                rowInputs[t] = _sample[t];
                rowTargets[t] = _sample[t + 1];
            }
            if (++position == _dataset.SampleCount)
            {
                epoch++;
                position = 0;
            }
        }
        Cursor = new DataCursor(epoch, position);
        return new Batch(inputs, targets, BatchSize, length);
    }

    /// <summary>The next batch as tensors (see <see cref="Batch.ToTensors"/>).</summary>
    public BatchTensors NextTensors(Device? device = null) => Next().ToTensors(device);

    /// <summary>The cursor as text for a checkpoint, tagged with a hash of <see cref="Identity"/>
    /// so it cannot silently be restored into a different stream.</summary>
    public string SaveCursor() => $"{CursorVersion}:{IdentityTag()}:{Cursor}";

    /// <summary>Restores a cursor written by <see cref="SaveCursor"/>.</summary>
    public void RestoreCursor(string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var parts = cursor.Split(':');
        if (parts.Length != 4 || parts[0] != CursorVersion ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ||
            !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var position))
            throw new FormatException($"data cursor '{cursor}' is not of the form {CursorVersion}:<stream>:<epoch>:<position>");
        if (parts[1] != IdentityTag())
            throw new InvalidOperationException($"data cursor '{cursor}' was saved for a different data stream than {Identity}");
        Cursor = new DataCursor(epoch, position);
    }

    private long SampleAt(long epoch, long position)
    {
        if (!Shuffled)
            return position;
        if (_orderEpoch != epoch)
        {
            _order = Shuffle.Permutation((int)_dataset.SampleCount, TextHash.Mix(Seed ^ TextHash.Mix((ulong)epoch)));
            _orderEpoch = epoch;
        }
        return _order![position];
    }

    private string IdentityTag() => TextHash.Of(Identity).ToString("x16", CultureInfo.InvariantCulture)[..8];
}
