using MoT.Training.Data;
using Xunit;

namespace MoT.Training.Tests.Data;

public sealed class CorpusDataTests
{
    [Fact]
    public void Opening_a_corpus_by_tokenizer_name_gives_split_datasets_and_a_spec_that_reopens_the_same_data()
    {
        using var folder = new TempFolder();
        var corpus = folder.File("corpus");
        for (var i = 0; i < 12; i++)
            folder.WriteJsonl($"corpus/shard-{i:D2}.jsonl", SyntheticText.Documents(10).Select(d => $"{i}: {d}"));
        var options = new DatasetOptions(32, EvalFraction: 0.1, Seed: 4);

        string specJson;
        long[] firstInputs;
        using (var data = CorpusData.Open(corpus, "cl100k-compact", options, cancellationToken: TestContext.Current.CancellationToken))
        {
            Assert.Equal(120, data.Tokens.Stats.Documents);
            Assert.Equal(120, data.Train.Documents.Count + data.Eval.Documents.Count);
            Assert.Equal(data.Tokenizer.VocabSize, data.Train.VocabSize);
            specJson = data.Tokenizer.Spec.ToJson();
            firstInputs = data.TrainStream(4, seed: 1).Next().Inputs;
            var eval = data.EvalStream(2);
            Assert.False(eval.Shuffled);
        }

        // A checkpoint stores the spec; resuming rebuilds the tokenizer from it and finds the same cached tokens.
        var tokenizer = TokenizerSpec.FromJson(specJson).Create();
        using var reopened = CorpusData.Open(corpus, tokenizer, options, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(firstInputs, reopened.TrainStream(4, seed: 1).Next().Inputs);
    }
}
