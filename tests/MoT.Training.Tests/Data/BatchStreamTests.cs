using Xunit;
using MoT.Training.Data;
using TorchSharp;

namespace MoT.Training.Tests.Data;

public sealed class BatchStreamTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly TokenFile _file;
    private readonly TokenDataset _dataset;

    public BatchStreamTests()
    {
        _file = TokenCache.GetOrBuild(_folder.WriteJsonl("corpus.jsonl", SyntheticText.Documents(60)), ByteTokenizer.Instance);
        _dataset = new TokenDataset(_file, DataSplit.Train, new DatasetOptions(12, EvalFraction: 0.1, Seed: 1));
    }

    public void Dispose()
    {
        _file.Dispose();
        _folder.Dispose();
    }

    private static List<Batch> Take(BatchStream stream, int count) => Enumerable.Range(0, count).Select(_ => stream.Next()).ToList();

    private static void AssertSameBatches(IReadOnlyList<Batch> expected, IReadOnlyList<Batch> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Inputs, actual[i].Inputs);
            Assert.Equal(expected[i].Targets, actual[i].Targets);
        }
    }

    [Fact]
    public void Targets_are_inputs_shifted_by_one_token()
    {
        var stream = new BatchStream(_dataset, batchSize: 4, shuffle: true, seed: 7);
        var batch = stream.Next();

        Assert.Equal(4 * 12, batch.Inputs.Length);
        for (var row = 0; row < 4; row++)
            for (var t = 0; t < 11; t++)
                Assert.Equal(batch.Inputs[row * 12 + t + 1], batch.Targets[row * 12 + t]);
    }

    [Fact]
    public void Shuffle_is_deterministic_for_a_seed_and_differs_across_seeds()
    {
        var a = Take(new BatchStream(_dataset, 8, shuffle: true, seed: 11), 5);
        var b = Take(new BatchStream(_dataset, 8, shuffle: true, seed: 11), 5);
        var c = Take(new BatchStream(_dataset, 8, shuffle: true, seed: 12), 5);

        AssertSameBatches(a, b);
        Assert.NotEqual(a.SelectMany(x => x.Inputs), c.SelectMany(x => x.Inputs));
    }

    [Fact]
    public void Each_epoch_visits_every_sample_once_in_a_new_order()
    {
        var samples = (int)_dataset.SampleCount;
        var stream = new BatchStream(_dataset, batchSize: 1, shuffle: true, seed: 3);

        var epoch0 = Enumerable.Range(0, samples).Select(_ => string.Join(',', stream.Next().Inputs)).ToList();
        Assert.Equal(new DataCursor(1, 0), stream.Cursor);
        var epoch1 = Enumerable.Range(0, samples).Select(_ => string.Join(',', stream.Next().Inputs)).ToList();

        var all = Enumerable.Range(0, samples).Select(i => string.Join(',', _dataset.Sample(i)[..^1])).Order().ToList();
        Assert.Equal(all, epoch0.Order().ToList());
        Assert.Equal(all, epoch1.Order().ToList());
        Assert.NotEqual(epoch0, epoch1);
    }

    [Fact]
    public void Unshuffled_stream_reads_samples_in_packing_order()
    {
        var stream = new BatchStream(_dataset, batchSize: 2, shuffle: false);
        var batch = stream.Next();

        Assert.Equal(_dataset.Sample(0)[..^1].Select(t => (long)t), batch.Inputs.Take(12));
        Assert.Equal(_dataset.Sample(1)[1..].Select(t => (long)t), batch.Targets.Skip(12));
    }

    [Fact]
    public void Resuming_from_a_saved_cursor_yields_the_same_batches_as_an_uninterrupted_stream()
    {
        // Enough batches to cross an epoch boundary with a batch that straddles it.
        var batchesPerEpoch = (int)(_dataset.SampleCount / 5) + 1;
        var uninterrupted = Take(new BatchStream(_dataset, 5, shuffle: true, seed: 21), batchesPerEpoch * 2 + 3);

        var first = new BatchStream(_dataset, 5, shuffle: true, seed: 21);
        Take(first, batchesPerEpoch - 1);
        var saved = first.SaveCursor();

        var resumed = new BatchStream(_dataset, 5, shuffle: true, seed: 21);
        resumed.RestoreCursor(saved);
        var rest = Take(resumed, uninterrupted.Count - (batchesPerEpoch - 1));

        AssertSameBatches(uninterrupted.Skip(batchesPerEpoch - 1).ToList(), rest);
        Assert.True(resumed.Cursor.Epoch >= 2);
    }

    [Fact]
    public void Cursor_struct_restores_the_same_position()
    {
        var stream = new BatchStream(_dataset, 3, seed: 2);
        Take(stream, 4);
        var cursor = stream.Cursor;
        var expected = Take(stream, 3);

        var other = new BatchStream(_dataset, 3, seed: 2, start: cursor);

        AssertSameBatches(expected, Take(other, 3));
    }

    [Fact]
    public void A_cursor_from_a_different_stream_or_in_a_bad_format_is_refused()
    {
        var saved = new BatchStream(_dataset, 4, seed: 1).SaveCursor();
        var otherSeed = new BatchStream(_dataset, 4, seed: 2);
        var otherBatch = new BatchStream(_dataset, 8, seed: 1);

        Assert.Throws<InvalidOperationException>(() => otherSeed.RestoreCursor(saved));
        Assert.Throws<InvalidOperationException>(() => otherBatch.RestoreCursor(saved));
        Assert.Throws<FormatException>(() => otherSeed.RestoreCursor("12"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchStream(_dataset, 4, start: new DataCursor(0, _dataset.SampleCount)));
    }

    [Fact]
    public void Batch_tensors_are_int64_B_by_S_and_disposable()
    {
        var stream = new BatchStream(_dataset, 4, seed: 5);
        var batch = stream.Next();

        using (var tensors = batch.ToTensors())
        {
            Assert.Equal([4L, 12L], tensors.Inputs.shape);
            Assert.Equal([4L, 12L], tensors.Targets.shape);
            Assert.Equal(torch.ScalarType.Int64, tensors.Inputs.dtype);
            Assert.Equal(batch.Inputs[13], tensors.Inputs[1, 1].item<long>());
            Assert.Equal(batch.Targets[47], tensors.Targets[3, 11].item<long>());
        }

        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = torch.NewDisposeScope())
        {
            var tensors = stream.NextTensors();
            _ = tensors.Inputs.sum();
        }
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
