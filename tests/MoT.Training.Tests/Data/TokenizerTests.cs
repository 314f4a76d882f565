using Xunit;
using MoT.Training.Data;

namespace MoT.Training.Tests.Data;

public sealed class TokenizerTests
{
    private const string Unicode = "Hello, wörld! Ünïcödé: 東京, данные, λx.x, emoji 🙂👍🏽, tab\tnewline\n\r\nend";

    [Fact]
    public void Byte_tokenizer_round_trips_unicode_text_exactly()
    {
        var tokenizer = ByteTokenizer.Instance;
        var ids = tokenizer.Encode(Unicode);

        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(Unicode), ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 0, 255));
        Assert.Equal(Unicode, tokenizer.Decode(ids));
        Assert.Equal(257, tokenizer.VocabSize);
        Assert.Equal(256, tokenizer.EndOfText);
        Assert.Equal("bytes-v1", tokenizer.Identity);
    }

    [Fact]
    public void Byte_tokenizer_rejects_ids_outside_its_vocabulary()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ByteTokenizer.Instance.Decode([65, 300]));
        Assert.Contains("300", error.Message);
    }

    [Fact]
    public void Full_cl100k_round_trips_unicode_and_knows_its_end_of_text()
    {
        var tokenizer = BpeTokenizer.Cl100k();
        var ids = tokenizer.Encode(Unicode);

        Assert.Equal(Unicode, tokenizer.Decode(ids));
        Assert.True(ids.Length < System.Text.Encoding.UTF8.GetByteCount(Unicode));
        Assert.InRange(tokenizer.VocabSize, 100_000, 101_000);
        Assert.Equal(100257, tokenizer.EndOfText);
        Assert.Equal("<|endoftext|>", tokenizer.Decode([tokenizer.EndOfText]));
        Assert.Equal("cl100k", tokenizer.Identity);
    }

    [Fact]
    public void Special_token_text_inside_a_document_is_encoded_as_plain_text()
    {
        const string text = "a literal <|endoftext|> and <|fim_prefix|> in a document, and <|not special|>";
        foreach (var tokenizer in new[] { BpeTokenizer.Cl100k(), BpeTokenizer.BuildCompact([text], cancellationToken: TestContext.Current.CancellationToken) })
        {
            var ids = tokenizer.Encode(text);

            Assert.DoesNotContain(tokenizer.EndOfText, ids);
            Assert.All(ids, id => Assert.True(tokenizer.ToBaseId(id) < 100256, $"special id {tokenizer.ToBaseId(id)} in ordinary text"));
            Assert.Equal(text, tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void Compact_bpe_has_a_small_vocabulary_and_round_trips_the_corpus_it_was_built_from()
    {
        var corpus = SyntheticText.Documents(200);
        var compact = BpeTokenizer.BuildCompact(corpus, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(compact.IsCompact);
        Assert.InRange(compact.VocabSize, 258, 2_000);   // <unk>, end-of-text, 256 bytes, plus the corpus's ids
        foreach (var document in corpus)
        {
            var ids = compact.Encode(document);
            Assert.All(ids, id => Assert.InRange(id, 0, compact.VocabSize - 1));
            Assert.DoesNotContain(BpeTokenizer.CompactUnknownId, ids);
            Assert.Equal(document, compact.Decode(ids));
            // Compaction only renumbers: same token count as the full vocabulary on known text.
            Assert.Equal(compact.EncodeBase(document).Length, ids.Length);
        }
        Assert.Equal("<|endoftext|>", compact.Decode([compact.EndOfText]));
    }

    [Fact]
    public void Compact_bpe_spells_unseen_tokens_as_bytes_so_any_text_round_trips()
    {
        var compact = BpeTokenizer.BuildCompact(["the model mixes tokens"], cancellationToken: TestContext.Current.CancellationToken);
        const string unseen = "Zebras quietly juxtapose 東京 and 🙂";

        var ids = compact.Encode(unseen);

        Assert.DoesNotContain(BpeTokenizer.CompactUnknownId, ids);
        Assert.Equal(unseen, compact.Decode(ids));
        Assert.True(ids.Length > compact.EncodeBase(unseen).Length);   // bytes are longer than merged tokens
    }

    [Fact]
    public void Compact_bpe_without_byte_fallback_maps_unseen_tokens_to_unknown()
    {
        var compact = BpeTokenizer.BuildCompact(["the model mixes tokens"], new CompactOptions(ByteFallback: false), cancellationToken: TestContext.Current.CancellationToken);

        var ids = compact.Encode("the model mixes zebras");

        Assert.Equal(BpeTokenizer.CompactUnknownId, ids[^1]);
        Assert.StartsWith("the model mixes\uFFFD", compact.Decode(ids));
        Assert.True(compact.VocabSize < 20);
        Assert.Equal("the model mixes tokens", compact.Decode(compact.Encode("the model mixes tokens")));
    }

    [Fact]
    public void Compact_ids_below_min_count_fall_back_to_bytes()
    {
        var corpus = new[] { "common common common common rare" };
        var all = BpeTokenizer.BuildCompact(corpus, new CompactOptions(MinCount: 1), cancellationToken: TestContext.Current.CancellationToken);
        var frequent = BpeTokenizer.BuildCompact(corpus, new CompactOptions(MinCount: 2), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(frequent.VocabSize < all.VocabSize);
        Assert.Equal(corpus[0], frequent.Decode(frequent.Encode(corpus[0])));
    }

    [Fact]
    public void Tokenizer_spec_json_rebuilds_the_same_tokenizer()
    {
        var compact = BpeTokenizer.BuildCompact(SyntheticText.Documents(20), cancellationToken: TestContext.Current.CancellationToken);
        foreach (var tokenizer in new ITokenizer[] { ByteTokenizer.Instance, BpeTokenizer.Cl100k(), compact })
        {
            var json = tokenizer.Spec.ToJson();
            var rebuilt = TokenizerSpec.FromJson(json).Create();

            Assert.Equal(tokenizer.Identity, rebuilt.Identity);
            Assert.Equal(tokenizer.VocabSize, rebuilt.VocabSize);
            Assert.Equal(tokenizer.EndOfText, rebuilt.EndOfText);
            Assert.Equal(tokenizer.Encode(Unicode), rebuilt.Encode(Unicode));
            Assert.Contains(tokenizer.Identity, json);
        }
    }

    [Fact]
    public void Tokenizer_spec_saves_and_loads_from_a_file()
    {
        using var folder = new TempFolder();
        var compact = BpeTokenizer.BuildCompact(SyntheticText.Documents(10), new CompactOptions(ByteFallback: false), cancellationToken: TestContext.Current.CancellationToken);
        var path = folder.File("tokenizer.json");

        compact.Spec.Save(path);
        var loaded = TokenizerSpec.Load(path);

        Assert.Equal(compact.Spec, loaded);
        Assert.Equal(compact.Identity, loaded.Create().Identity);
    }

    [Fact]
    public void Compact_identity_is_stable_and_names_the_id_map()
    {
        var a = BpeTokenizer.BuildCompact(["alpha beta gamma"], cancellationToken: TestContext.Current.CancellationToken);
        var b = BpeTokenizer.BuildCompact(["alpha beta gamma beta gamma gamma"], cancellationToken: TestContext.Current.CancellationToken);
        var c = BpeTokenizer.BuildCompact(["delta epsilon"], cancellationToken: TestContext.Current.CancellationToken);

        Assert.StartsWith("cl100k-compact-", a.Identity);
        Assert.Equal(a.Identity, b.Identity);   // same set of ids, whatever the order or counts
        Assert.NotEqual(a.Identity, c.Identity);
        Assert.NotEqual(a.Identity, BpeTokenizer.BuildCompact(["alpha beta gamma"], new CompactOptions(ByteFallback: false), cancellationToken: TestContext.Current.CancellationToken).Identity);
    }

    [Fact]
    public void Tokenizer_spec_with_a_tampered_identity_or_unknown_type_is_rejected_with_the_reason()
    {
        var json = BpeTokenizer.BuildCompact(["alpha beta"], cancellationToken: TestContext.Current.CancellationToken).Spec.ToJson();
        var tampered = json.Replace("cl100k-compact-", "cl100k-compact-0", StringComparison.Ordinal);

        var mismatch = Assert.Throws<FormatException>(() => TokenizerSpec.FromJson(tampered));
        Assert.Contains("identity", mismatch.Message);
        var unknown = Assert.Throws<FormatException>(() => TokenizerSpec.FromJson("""{"type":"gpt2"}""").Create());
        Assert.Contains("gpt2", unknown.Message);
        Assert.Throws<FormatException>(() => TokenizerSpec.FromJson("{not json"));
    }

    [Fact]
    public void Capped_compact_vocabulary_keeps_the_most_frequent_ids_and_still_round_trips()
    {
        var corpus = SyntheticText.Documents(300);
        var uncapped = BpeTokenizer.BuildCompact(corpus, cancellationToken: TestContext.Current.CancellationToken);
        var capped = BpeTokenizer.BuildCompact(corpus, new CompactOptions(MaxVocabSize: 300), TestContext.Current.CancellationToken);

        Assert.True(uncapped.VocabSize > 300);
        Assert.Equal(300, capped.VocabSize);
        var theId = capped.Encode(" the");
        Assert.Single(theId);   // a very frequent token survives the cap
        foreach (var document in corpus.Take(20))
            Assert.Equal(document, capped.Decode(capped.Encode(document)));
        Assert.Throws<ArgumentOutOfRangeException>(() => BpeTokenizer.BuildCompact(corpus, new CompactOptions(MaxVocabSize: 100), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("bytes", "bytes", null)]
    [InlineData("cl100k", "cl100k", null)]
    [InlineData("cl100k-compact", "cl100k", null)]
    [InlineData("CL100K-compact:4096", "cl100k", 4096)]
    public void Tokenizer_names_parse_to_type_and_compaction(string name, string type, int? max)
    {
        var (parsedType, compact) = CorpusData.ParseTokenizer(name);

        Assert.Equal(type, parsedType);
        Assert.Equal(max, compact?.MaxVocabSize);
        Assert.Equal(name.Contains("compact", StringComparison.OrdinalIgnoreCase), compact is not null);
    }

    [Fact]
    public void Unknown_tokenizer_name_lists_the_choices()
    {
        var error = Assert.Throws<FormatException>(() => CorpusData.ParseTokenizer("gpt2"));

        Assert.Contains("'gpt2'", error.Message);
        Assert.Contains("cl100k-compact", error.Message);
    }
}
