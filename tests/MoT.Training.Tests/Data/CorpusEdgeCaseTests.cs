using System.Diagnostics;
using System.Text;
using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;
using MoT.Training.Data;
using MoT.Training.Models;
using MoT.Training.Training;
using Xunit;

namespace MoT.Training.Tests.Data;

/// <summary>Corpora a new user is likely to point at first: one file, an empty file, a binary or non-UTF-8 file, a
/// folder of the wrong files, one enormous line. Each trains or gets one clear line naming the file, and nothing is
/// ever written beside the user's data.</summary>
public sealed class CorpusEdgeCaseTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string[] Listing(string folder) =>
        [.. Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static CorpusData Open(string path, int sequenceLength = 16, double evalFraction = 0.1) =>
        CorpusData.Open(path, ByteTokenizer.Instance, new DatasetOptions(sequenceLength, evalFraction, Seed: 3), cancellationToken: Token);

    [Fact]
    public void A_single_text_file_trains_with_its_tail_held_out_for_eval_and_says_so()
    {
        using var folder = new TempFolder();
        var text = string.Concat(Enumerable.Range(0, 200).Select(i => $"sentence {i} of the only document. "));
        var file = folder.WriteText("book.txt", text);
        var tokens = Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();

        using var corpus = Open(file, sequenceLength: 1);

        // Independent of the dataset code: eval is the last 10 % of the file's bytes, train everything before.
        var evalLength = (int)Math.Round(tokens.Length * 0.1);
        Assert.Equal(tokens[^evalLength..].Append(corpus.Tokens.EndOfText), Stream(corpus.Eval));
        Assert.Equal(tokens[..^evalLength].Append(corpus.Tokens.EndOfText), Stream(corpus.Train));
        Assert.Equal($"the corpus is one document: its last {evalLength} of {tokens.Length} tokens (10.0%) are held out for eval", corpus.SplitNote);
        Assert.Equal([file], Listing(folder.Path));
    }

    // The whole packed stream of a split: with S = 1, sample i is stream[i, i + 1], so the samples cover every token.
    private static int[] Stream(TokenDataset dataset)
    {
        Assert.Equal(1, dataset.SequenceLength);
        var stream = new List<int> { dataset.Sample(0)[0] };
        for (var i = 0L; i < dataset.SampleCount; i++)
            stream.Add(dataset.Sample(i)[1]);
        Assert.Equal(dataset.StreamLength, stream.Count);
        return [.. stream];
    }

    [Fact]
    public void A_one_document_corpus_too_short_for_two_samples_is_refused_with_the_sizes()
    {
        using var folder = new TempFolder();
        var file = folder.WriteText("tiny.txt", "twenty bytes of text");

        var error = Assert.Throws<CorpusException>(() => Open(file, sequenceLength: 16));

        Assert.Contains("the corpus is one document of 20 tokens, too short to split into train and eval samples of sequence length + 1 = 17 tokens each (need 34", error.Message);
    }

    [Fact]
    public void An_empty_file_is_one_line_naming_it_and_leaves_nothing_behind()
    {
        using var folder = new TempFolder();
        var file = folder.WriteText("empty.txt", "");

        var error = Assert.Throws<CorpusException>(() => Open(file));

        Assert.Equal($"{file}: the file is empty: there is no text to train on", error.Message);
        Assert.Equal([file], Listing(folder.Path));
        Assert.False(File.Exists(TokenCache.TokenFilePath(file, ByteTokenizer.Instance.Identity)));
    }

    [Fact]
    public void A_folder_of_empty_files_is_one_line_counting_them()
    {
        using var folder = new TempFolder();
        folder.WriteText("data/a.txt", "");
        folder.WriteJsonl("data/b.jsonl", []);

        var error = Assert.Throws<CorpusException>(() => Open(folder.File("data")));

        Assert.Equal($"{folder.File("data")}: none of its 2 corpus files holds any text", error.Message);
    }

    [Fact]
    public void A_binary_file_is_refused_and_no_cache_folder_appears_beside_it()
    {
        using var folder = new TempFolder();
        var file = folder.File("weights.txt");
        File.WriteAllBytes(file, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 256))]);

        var error = Assert.Throws<CorpusException>(() => Open(file));

        Assert.StartsWith($"{file}: ", error.Message);
        Assert.Matches("looks like a binary file|is not UTF-8 text", error.Message);
        Assert.Equal([file], Listing(folder.Path));
    }

    [Fact]
    public void Ascii_binary_with_NUL_bytes_is_called_binary()
    {
        using var folder = new TempFolder();
        var file = folder.File("dump.txt");
        File.WriteAllBytes(file, [(byte)'a', 0, 0, 0, (byte)'b', 0]);

        var error = Assert.Throws<CorpusException>(() => Open(file));

        Assert.Equal($"{file}: looks like a binary file (it contains NUL bytes); a corpus file must be UTF-8 text", error.Message);
    }

    [Fact]
    public void Latin1_text_is_named_as_not_UTF8_with_the_byte_and_a_JSONL_line_number()
    {
        using var folder = new TempFolder();
        var text = folder.File("cafe.txt");
        File.WriteAllBytes(text, [.. "caf"u8, 0xE9, .. " au lait"u8]);
        var jsonl = folder.File("shard.jsonl");
        File.WriteAllBytes(jsonl, [.. "{\"text\":\"fine\"}\n{\"text\":\"caf"u8, 0xE9, .. "\"}\n"u8]);

        var textError = Assert.Throws<CorpusException>(() => Open(text));
        var jsonlError = Assert.Throws<CorpusException>(() => Open(jsonl));

        Assert.Equal($"{text}: is not UTF-8 text (byte 0xE9 cannot be decoded); convert it to UTF-8 (a binary file cannot be a corpus)", textError.Message);
        Assert.StartsWith($"{jsonl}:2: is not UTF-8 text", jsonlError.Message);
    }

    [Fact]
    public void A_folder_without_corpus_files_says_what_it_does_hold()
    {
        using var folder = new TempFolder();
        folder.WriteText("data/b.csv", "x,y");
        folder.WriteText("data/a.bin", "zz");
        Directory.CreateDirectory(folder.File("empty"));

        var wrong = Assert.Throws<CorpusException>(() => Open(folder.File("data")));
        var empty = Assert.Throws<CorpusException>(() => Open(folder.File("empty")));

        Assert.EndsWith("folder holds no corpus files (.txt, .text, .md, .jsonl, .json, .ndjson, optionally .gz); it holds 2 other file(s), e.g. a.bin, b.csv", wrong.Message);
        Assert.EndsWith("; it is empty", empty.Message);
    }

    [Fact]
    public void A_corpus_file_that_cannot_be_opened_is_named()
    {
        using var folder = new TempFolder();
        folder.WriteText("data/a.txt", "readable text");
        File.CreateSymbolicLink(folder.File("data/b.txt"), folder.File("nowhere.txt"));

        var error = Assert.Throws<CorpusException>(() => Open(folder.File("data")));

        Assert.Equal($"{folder.File("data/b.txt")}: file not found", error.Message);
    }

    [Fact]
    public void Token_caches_live_under_the_data_directory_not_beside_the_corpus()
    {
        using var folder = new TempFolder();
        var corpus = folder.WriteJsonl("data/shard.jsonl", SyntheticText.Documents(20));

        using var data = Open(corpus);

        Assert.StartsWith(Path.Combine(TestDataDirectory.Path, TokenCache.FolderName) + Path.DirectorySeparatorChar, data.Tokens.Path);
        Assert.Equal([folder.File("data"), corpus], Listing(folder.Path));
    }

    [Fact]
    public void A_500_KB_line_without_spaces_tokenizes_with_bpe_in_seconds_and_losslessly()
    {
        var line = string.Concat(Enumerable.Range(0, 500_000 / 26).Select(_ => "abcdefghijklmnopqrstuvwxyz"));
        var tokenizer = BpeTokenizer.Cl100k();
        tokenizer.Encode("warm up the vocabulary");

        var clock = Stopwatch.StartNew();
        var ids = tokenizer.Encode(line);
        var seconds = clock.Elapsed.TotalSeconds;

        TestContext.Current.TestOutputHelper?.WriteLine($"{line.Length} characters -> {ids.Length} tokens in {seconds:F2} s");
        Assert.True(seconds < 30, $"took {seconds:F1} s");   // unbounded, this took minutes
        Assert.Equal(line, tokenizer.Decode(ids));
    }

    [Fact]
    public void Ordinary_text_tokenizes_exactly_as_cl100k_does()
    {
        var reference = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        var text = string.Join("\n\n", SyntheticText.Documents(30)) + " https://example.com/" + new string('x', 200) + "  \t end";

        Assert.Equal(reference.EncodeToIds(text), BpeTokenizer.Cl100k().EncodeBase(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("short text")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("a b                                        c 😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀")]
    public void Pre_token_pieces_cover_the_text_in_order_and_bound_every_run(string text)
    {
        const int max = 8;
        var pieces = PreTokenBound.Pieces(text, max).ToList();

        Assert.Equal(text, string.Concat(pieces.Select(p => text.Substring(p.Start, p.Length))));
        foreach (var (start, length) in pieces)
        {
            var piece = text.Substring(start, length);
            Assert.False(piece.Length > 0 && char.IsLowSurrogate(piece[0]), "a piece starts inside a surrogate pair");
            var run = 1;
            for (var i = 1; i < piece.Length; i++)
            {
                run = char.IsWhiteSpace(piece[i]) == char.IsWhiteSpace(piece[i - 1]) ? run + 1 : 1;
                Assert.True(run <= max + 1, $"a run of {run} in '{piece}'");
            }
        }
        if (!HasRunLongerThan(text, max)) Assert.Single(pieces);
    }

    private static bool HasRunLongerThan(string text, int max)
    {
        var run = 1;
        for (var i = 1; i < text.Length; i++)
        {
            run = char.IsWhiteSpace(text[i]) == char.IsWhiteSpace(text[i - 1]) ? run + 1 : 1;
            if (run > max) return true;
        }
        return false;
    }

    [Fact]
    public void Building_a_token_cache_reports_progress_from_its_start()
    {
        using var folder = new TempFolder();
        var corpus = folder.WriteJsonl("data/shard.jsonl", SyntheticText.Documents(10));
        var reports = new List<CorpusStats>();

        using var file = TokenCache.GetOrBuild(corpus, ByteTokenizer.Instance, new SynchronousProgress(reports.Add), Token);

        Assert.Equal(new CorpusStats(0, 0, 0), reports[0]);
        Assert.Equal(file.Stats, reports[^1]);
    }

    [Fact]
    public void Training_data_for_a_single_file_carries_the_split_note()
    {
        using var folder = new TempFolder();
        var file = folder.WriteText("book.txt", string.Concat(Enumerable.Repeat("A long enough single document. ", 400)));
        var config = new TrainingConfig
        {
            Model = ModelPresets.Get("Transformer-Tiny").Config with { ContextLength = 32 },
            Data = new DataConfig(file, "bytes"),
            BatchSize = 2,
        };

        var data = TrainingData.Open(config);

        Assert.StartsWith("the corpus is one document: its last", data.Note);
    }

    private sealed class SynchronousProgress(Action<CorpusStats> report) : IProgress<CorpusStats>
    {
        public void Report(CorpusStats value) => report(value);
    }
}
