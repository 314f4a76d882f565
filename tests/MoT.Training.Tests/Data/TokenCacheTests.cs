using Xunit;
using MoT.Training.Data;

namespace MoT.Training.Tests.Data;

public sealed class TokenCacheTests
{
    [Fact]
    public void Token_file_stores_every_document_exactly_with_uint16_for_small_vocabularies()
    {
        using var folder = new TempFolder();
        var documents = SyntheticText.Documents(25);
        var corpus = folder.WriteJsonl("corpus.jsonl", documents);
        var tokenizer = ByteTokenizer.Instance;

        using var file = TokenCache.GetOrBuild(corpus, tokenizer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, file.TokenBytes);
        Assert.Equal(documents.Count, file.DocumentCount);
        Assert.Equal(tokenizer.Identity, file.TokenizerIdentity);
        Assert.Equal(documents.Sum(d => (long)d.Length), file.Stats.Characters);
        Assert.Equal(documents.Sum(d => (long)tokenizer.Encode(d).Length), file.Stats.Tokens);
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.Equal(tokenizer.Encode(documents[i]), file.ReadDocument(i));
            Assert.Equal(TextHash.Of(documents[i]), file.DocumentHash(i));
        }
    }

    [Fact]
    public void Token_file_uses_int32_when_the_vocabulary_exceeds_uint16()
    {
        using var folder = new TempFolder();
        var documents = SyntheticText.Documents(5);
        var corpus = folder.WriteJsonl("corpus.jsonl", documents);
        var tokenizer = BpeTokenizer.Cl100k();

        using var file = TokenCache.GetOrBuild(corpus, tokenizer, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, file.TokenBytes);
        Assert.Equal(tokenizer.Encode(documents[3]), file.ReadDocument(3));
    }

    [Fact]
    public void Cache_is_reused_while_the_corpus_is_unchanged_and_rebuilt_when_it_changes()
    {
        using var folder = new TempFolder();
        folder.WriteText("docs/a.txt", "alpha");
        var b = folder.WriteText("docs/b.txt", "beta");
        var corpus = folder.File("docs");

        string path;
        DateTime firstWrite;
        using (var first = TokenCache.GetOrBuild(corpus, ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken))
        {
            path = first.Path;
            firstWrite = File.GetLastWriteTimeUtc(path);
            Assert.StartsWith(TokenCache.CacheDirectory(corpus), path);
        }
        using (var again = TokenCache.GetOrBuild(corpus, ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken))
            Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(again.Path));

        File.WriteAllText(b, "beta, longer now");
        using var rebuilt = TokenCache.GetOrBuild(corpus, ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(path, rebuilt.Path);
        Assert.Equal("beta, longer now", ByteTokenizer.Instance.Decode(rebuilt.ReadDocument(1)));
    }

    [Fact]
    public void Compact_bpe_of_a_corpus_is_cached_and_its_token_file_matches_direct_encoding()
    {
        using var folder = new TempFolder();
        var documents = SyntheticText.Documents(40);
        var corpus = folder.WriteJsonl("data/shard.jsonl.gz", documents, gzip: true);

        var compact = TokenCache.GetOrBuildCompactBpe(corpus, cancellationToken: TestContext.Current.CancellationToken);
        var again = TokenCache.GetOrBuildCompactBpe(corpus, cancellationToken: TestContext.Current.CancellationToken);
        using var file = TokenCache.GetOrBuild(corpus, compact, cancellationToken: TestContext.Current.CancellationToken);   // remapped from the cached cl100k file

        Assert.Equal(compact.Identity, again.Identity);
        Assert.Equal(compact.Identity, file.TokenizerIdentity);
        Assert.Equal(2, file.TokenBytes);
        Assert.Equal(documents.Sum(d => (long)d.Length), file.Stats.Characters);
        for (var i = 0; i < documents.Count; i++)
        {
            Assert.Equal(compact.Encode(documents[i]), file.ReadDocument(i));
            Assert.Equal(documents[i], compact.Decode(file.ReadDocument(i)));
        }
    }

    [Fact]
    public void Corpus_stats_count_documents_characters_and_tokens()
    {
        using var folder = new TempFolder();
        var corpus = folder.WriteJsonl("c.jsonl", ["héllo", "wörld!"]);

        var stats = CorpusStats.Of(corpus, ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new CorpusStats(2, 11, 13), stats);   // é and ö are two UTF-8 bytes each
        Assert.Equal("2 documents, 11 characters, 13 tokens", stats.ToString());
    }

    [Fact]
    public void A_corrupt_token_file_is_reported_naming_it()
    {
        using var folder = new TempFolder();
        var path = folder.WriteText("bad.tokens", "definitely not a token file");

        var error = Assert.Throws<CorpusException>(() => TokenFile.Open(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Corpus_error_during_tokenisation_surfaces_unwrapped_with_file_and_line()
    {
        using var folder = new TempFolder();
        var path = folder.WriteText("bad.jsonl", "{\"text\": \"ok\"}\n{oops\n");

        var error = Assert.Throws<CorpusException>(() => TokenCache.GetOrBuild(path, ByteTokenizer.Instance, cancellationToken: TestContext.Current.CancellationToken));

        Assert.StartsWith($"{path}:2:", error.Message);
        Assert.Empty(Directory.GetFiles(TokenCache.CacheDirectory(path), "*.tmp"));
    }
}
