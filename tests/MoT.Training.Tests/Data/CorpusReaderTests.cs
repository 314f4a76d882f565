using Xunit;
using MoT.Training.Data;

namespace MoT.Training.Tests.Data;

public sealed class CorpusReaderTests
{
    [Fact]
    public void Jsonl_yields_one_document_per_line_and_skips_blank_lines()
    {
        using var folder = new TempFolder();
        var path = folder.WriteText("shard.jsonl", """
            {"text": "first document", "url": "x"}

            {"timestamp": 1, "text": "second\nwith a newline"}
            """);

        var documents = CorpusReader.ReadDocuments(path, cancellationToken: TestContext.Current.CancellationToken).ToList();

        Assert.Equal(["first document", "second\nwith a newline"], documents.Select(d => d.Text));
        Assert.Equal($"{path}:1", documents[0].Source);
        Assert.Equal($"{path}:3", documents[1].Source);
    }

    [Fact]
    public void Gzipped_jsonl_reads_the_same_documents_as_plain_jsonl()
    {
        using var folder = new TempFolder();
        var documents = SyntheticText.Documents(30);
        var plain = folder.WriteJsonl("plain/c4-00000.json", documents);
        var gzipped = folder.WriteJsonl("gz/c4-00000.json.gz", documents, gzip: true);

        Assert.Equal(documents, CorpusReader.ReadDocuments(plain, cancellationToken: TestContext.Current.CancellationToken).Select(d => d.Text));
        Assert.Equal(documents, CorpusReader.ReadDocuments(gzipped, cancellationToken: TestContext.Current.CancellationToken).Select(d => d.Text));
    }

    [Fact]
    public void A_folder_is_read_in_ordinal_path_order_one_document_per_text_file_skipping_hidden_and_other_files()
    {
        using var folder = new TempFolder();
        folder.WriteText("b.txt", "bee");
        folder.WriteText("a.txt", "ay");
        folder.WriteText("sub/c.md", "sea");
        folder.WriteJsonl("sub/d.jsonl", ["dee 1", "dee 2"]);
        folder.WriteText("empty.txt", "");
        folder.WriteText(".hidden.txt", "hidden");
        folder.WriteText(".mot-cache/x.txt", "cached");
        folder.WriteText("LICENSE", "not a document");
        folder.WriteText("image.png", "not a document");

        var texts = CorpusReader.ReadDocuments(folder.Path, cancellationToken: TestContext.Current.CancellationToken).Select(d => d.Text).ToList();

        Assert.Equal(["ay", "bee", "sea", "dee 1", "dee 2"], texts);
    }

    [Fact]
    public void Missing_corpus_path_names_the_path()
    {
        using var folder = new TempFolder();
        var missing = folder.File("nope/corpus.jsonl");

        var error = Assert.Throws<CorpusException>(() => CorpusReader.ReadDocuments(missing, cancellationToken: TestContext.Current.CancellationToken).ToList());

        Assert.Contains(missing, error.Message);
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public void Folder_without_corpus_files_is_an_error_naming_the_folder()
    {
        using var folder = new TempFolder();
        folder.WriteText("notes.csv", "a,b");

        var error = Assert.Throws<CorpusException>(() => CorpusReader.ListFiles(folder.Path));

        Assert.Contains(folder.Path, error.Message);
    }

    [Theory]
    [InlineData("{\"text\": \"unterminated", "malformed JSON")]
    [InlineData("{\"content\": \"no text field\"}", "no \"text\" field")]
    [InlineData("{\"text\": 42}", "\"text\" must be a string")]
    [InlineData("[\"an array\"]", "expected a JSON object")]
    public void Malformed_jsonl_line_is_reported_with_file_and_line_number(string badLine, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.WriteText("bad.jsonl", "{\"text\": \"fine\"}\n{\"text\": \"also fine\"}\n" + badLine + "\n{\"text\": \"never read\"}\n");

        var error = Assert.Throws<CorpusException>(() => CorpusReader.ReadDocuments(path, cancellationToken: TestContext.Current.CancellationToken).ToList());

        Assert.StartsWith($"{path}:3: ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(3, error.Line);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Corrupt_gzip_is_reported_naming_the_file()
    {
        using var folder = new TempFolder();
        var path = folder.WriteText("broken.jsonl.gz", "this is not gzip data at all");

        var error = Assert.Throws<CorpusException>(() => CorpusReader.ReadDocuments(path, cancellationToken: TestContext.Current.CancellationToken).ToList());

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Fingerprint_changes_when_a_corpus_file_changes()
    {
        using var folder = new TempFolder();
        var file = folder.WriteText("a.txt", "one");
        var before = CorpusReader.Fingerprint(folder.Path);

        Assert.Equal(before, CorpusReader.Fingerprint(folder.Path));
        File.WriteAllText(file, "one two");
        Assert.NotEqual(before, CorpusReader.Fingerprint(folder.Path));
    }
}
