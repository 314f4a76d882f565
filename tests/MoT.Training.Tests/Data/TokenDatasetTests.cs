using Xunit;
using MoT.Training.Data;

namespace MoT.Training.Tests.Data;

public sealed class TokenDatasetTests
{
    private static TokenFile BuildFile(TempFolder folder, IEnumerable<string> documents) =>
        TokenCache.GetOrBuild(folder.WriteJsonl("corpus.jsonl", documents), ByteTokenizer.Instance);

    [Fact]
    public void Every_sample_has_S_plus_1_tokens_and_documents_are_separated_by_end_of_text()
    {
        using var folder = new TempFolder();
        using var file = BuildFile(folder, SyntheticText.Documents(30));
        const int s = 16;
        var dataset = new TokenDataset(file, DataSplit.All, new DatasetOptions(s, Seed: 3));

        // The packed stream is the documents in packing order, each followed by end-of-text.
        var stream = dataset.Documents.SelectMany(d => file.ReadDocument(d).Append(file.EndOfText)).ToArray();
        Assert.Equal(stream.Length, dataset.StreamLength);
        Assert.Equal((stream.Length - 1) / s, dataset.SampleCount);
        for (var i = 0L; i < dataset.SampleCount; i++)
        {
            var sample = dataset.Sample(i);
            Assert.Equal(s + 1, sample.Length);
            Assert.Equal(stream.AsSpan((int)(i * s), s + 1).ToArray(), sample);
        }
        Assert.Equal(30, stream.Count(t => t == file.EndOfText));
        Assert.Equal(30, dataset.Documents.Count);
    }

    [Fact]
    public void Packing_order_depends_on_the_seed_only()
    {
        using var folder = new TempFolder();
        using var file = BuildFile(folder, SyntheticText.Documents(50));

        var a = new TokenDataset(file, DataSplit.All, new DatasetOptions(8, Seed: 1)).Documents;
        var b = new TokenDataset(file, DataSplit.All, new DatasetOptions(8, Seed: 1)).Documents;
        var c = new TokenDataset(file, DataSplit.All, new DatasetOptions(8, Seed: 2)).Documents;

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Train_and_eval_splits_are_disjoint_cover_the_corpus_and_are_stable()
    {
        using var folder = new TempFolder();
        using var file = BuildFile(folder, SyntheticText.Documents(400));
        var options = new DatasetOptions(8, EvalFraction: 0.1, Seed: 5);

        var train = new TokenDataset(file, DataSplit.Train, options).Documents.ToHashSet();
        var eval = new TokenDataset(file, DataSplit.Eval, options).Documents.ToHashSet();

        Assert.Empty(train.Intersect(eval));
        Assert.Equal(400, train.Count + eval.Count);
        Assert.InRange(eval.Count, 20, 70);   // ~10% of 400
        Assert.Equal(eval, new TokenDataset(file, DataSplit.Eval, options).Documents.ToHashSet());
        Assert.NotEqual(eval, new TokenDataset(file, DataSplit.Eval, options with { Seed = 6 }).Documents.ToHashSet());
    }

    [Fact]
    public void A_document_keeps_its_split_when_the_tokenizer_or_file_order_changes()
    {
        using var folder = new TempFolder();
        var documents = SyntheticText.Documents(200);
        var options = new DatasetOptions(8, EvalFraction: 0.2, Seed: 9);
        using var bytes = TokenCache.GetOrBuild(folder.WriteJsonl("a/corpus.jsonl", documents), ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken);
        var reversed = Enumerable.Reverse(documents).ToList();
        using var bpe = TokenCache.GetOrBuild(folder.WriteJsonl("b/corpus.jsonl", reversed), BpeTokenizer.Cl100k(), cancellationToken: TestContext.Current.CancellationToken);

        var evalTexts = new TokenDataset(bytes, DataSplit.Eval, options).Documents.Select(d => documents[d]).ToHashSet();
        var evalTextsOther = new TokenDataset(bpe, DataSplit.Eval, options).Documents.Select(d => reversed[d]).ToHashSet();

        Assert.Equal(evalTexts, evalTextsOther);
    }

    [Fact]
    public void Tiny_corpus_still_gets_a_non_empty_eval_split()
    {
        using var folder = new TempFolder();
        using var file = BuildFile(folder, ["first document here", "second document here"]);

        var eval = new TokenDataset(file, DataSplit.Eval, new DatasetOptions(4, EvalFraction: 0.01));
        var train = new TokenDataset(file, DataSplit.Train, new DatasetOptions(4, EvalFraction: 0.01));

        Assert.Single(eval.Documents);
        Assert.Single(train.Documents);
    }

    [Fact]
    public void A_split_shorter_than_one_sample_is_an_error_naming_the_split_and_sizes()
    {
        using var folder = new TempFolder();
        using var file = BuildFile(folder, ["tiny", "docs"]);

        var error = Assert.Throws<CorpusException>(() => new TokenDataset(file, DataSplit.Train, new DatasetOptions(64, EvalFraction: 0.5)));

        Assert.Contains("train split", error.Message);
        Assert.Contains("65", error.Message);
    }

    [Fact]
    public void Invalid_options_name_the_field()
    {
        Assert.Contains("SequenceLength", Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetOptions(0).Validate()).Message);
        Assert.Contains("EvalFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new DatasetOptions(8, 1.5).Validate()).Message);
    }
}
