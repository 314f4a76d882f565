using MoT.Cli.Output;
using MoT.Training.Data;

namespace MoT.Cli.Tests;

/// <summary>`mot` on corpora a new user points at first: each trains or gets one line naming the file, and the
/// user's data folder is left exactly as it was.</summary>
public sealed class DataCliTests
{
    private static string[] Listing(string folder) =>
        [.. Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private static Task<MotProcess.Result> MotAsync(ScratchFolder scratch, params string[] args) =>
        MotProcess.RunWithEnvironmentAsync(scratch.Path,
            new Dictionary<string, string?> { [DataDirectory.EnvironmentVariable] = Path.Combine(scratch.Path, "mot-data") }, args);

    [Fact]
    public async Task Training_on_one_text_file_holds_out_its_tail_and_says_so()
    {
        using var scratch = new ScratchFolder();
        var data = Directory.CreateDirectory(Path.Combine(scratch.Path, "data")).FullName;
        var book = Path.Combine(data, "book.txt");
        await File.WriteAllTextAsync(book, string.Concat(Enumerable.Repeat("The only document of this corpus, repeated. ", 300)), TestContext.Current.CancellationToken);

        var result = await MotAsync(scratch, "train", "--preset", "Transformer-Tiny", "--data", book, "--steps", "2",
            "--batch-size", "2", "--eval-interval", "2", "--out", "run");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("note: the corpus is one document: its last", result.Output);
        Assert.Equal([book], Listing(data));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(scratch.Path, "mot-data", TokenCache.FolderName), "*.tokens", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("empty.txt", new byte[0], "the file is empty: there is no text to train on")]
    [InlineData("model.txt", new byte[] { 0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00 }, "looks like a binary file")]
    [InlineData("latin1.txt", new byte[] { 0x63, 0x61, 0x66, 0xE9 }, "is not UTF-8 text (byte 0xE9 cannot be decoded)")]
    public async Task A_bad_data_file_is_one_line_naming_it_and_nothing_appears_beside_it(string name, byte[] content, string expected)
    {
        using var scratch = new ScratchFolder();
        var data = Directory.CreateDirectory(Path.Combine(scratch.Path, "data")).FullName;
        var file = Path.Combine(data, name);
        await File.WriteAllBytesAsync(file, content, TestContext.Current.CancellationToken);

        foreach (var args in new[] { new[] { "data", "stats", file }, ["train", "--preset", "Transformer-Tiny", "--data", file, "--steps", "2", "--out", "run"] })
        {
            var result = await MotAsync(scratch, args);
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith($"error: {file}: {expected}", result.Error);
            Assert.DoesNotContain("unexpected", result.Error);
            Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal([file], Listing(data));
        }
    }

    [Fact]
    public async Task A_folder_without_text_files_is_one_line_saying_what_it_holds()
    {
        using var scratch = new ScratchFolder();
        var data = Directory.CreateDirectory(Path.Combine(scratch.Path, "data")).FullName;
        await File.WriteAllTextAsync(Path.Combine(data, "table.csv"), "a,b", TestContext.Current.CancellationToken);

        var result = await MotAsync(scratch, "data", "stats", data);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{data}: folder holds no corpus files", result.Error);
        Assert.Contains("it holds 1 other file(s), e.g. table.csv", result.Error);
    }

    [Fact]
    public async Task Tokenizing_progress_stays_quiet_for_quick_builds_and_speaks_up_for_slow_ones()
    {
        var quick = new StringWriter();
        using (var progress = new TokenizingProgress("quick", quick))
            progress.Report(new CorpusStats(10, 100, 50));
        Assert.Equal("", quick.ToString());

        var slow = new StringWriter();
        using (var progress = new TokenizingProgress("big.txt", slow))
        {
            progress.Report(new CorpusStats(0, 0, 0));
            progress.Report(new CorpusStats(3, 1_500_000, 400_000));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!slow.ToString().Contains("tokenizing") && DateTime.UtcNow < deadline)
                await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        var lines = slow.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("tokenizing big.txt: 3 documents, 1,500,000 characters, 400,000 tokens so far", lines[0]);
        Assert.StartsWith("tokenized big.txt: 3 documents, 400,000 tokens in", lines[^1]);
    }
}
