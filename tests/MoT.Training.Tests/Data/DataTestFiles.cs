using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace MoT.Training.Tests.Data;

/// <summary>A temporary folder per test, deleted afterwards, with writers for synthetic corpora.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mot-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public string WriteText(string relative, string text)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    public string WriteJsonl(string relative, IEnumerable<string> documents, bool gzip = false)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var lines = string.Concat(documents.Select(d => JsonSerializer.Serialize(new { text = d, url = "https://example.invalid/" }) + "\n"));
        if (!gzip)
        {
            System.IO.File.WriteAllText(path, lines);
            return path;
        }
        using var file = System.IO.File.Create(path);
        using var compressed = new GZipStream(file, CompressionLevel.Fastest);
        compressed.Write(Encoding.UTF8.GetBytes(lines));
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A memory-mapped file still open elsewhere is cleaned up with the temp folder later.
        }
    }
}

/// <summary>Deterministic synthetic documents of varied length and content.</summary>
internal static class SyntheticText
{
    private static readonly string[] s_words =
    [
        "the", "model", "mixes", "tokens", "across", "examples", "at", "each", "position", "and", "experts",
        "learn", "continuous", "routing", "without", "dropping", "anything", "while", "training", "stays", "stable",
        "café", "naïve", "über", "東京", "данные", "λ", "🙂", "co-operate", "1,234.5", "(parenthesis)", "\"quoted\"",
    ];

    public static string Document(int index, int minWords = 5, int maxWords = 60)
    {
        var random = new Random(index * 7919 + 17);
        var count = random.Next(minWords, maxWords + 1);
        var builder = new StringBuilder($"Document {index}:");
        for (var i = 0; i < count; i++)
        {
            builder.Append(' ').Append(s_words[random.Next(s_words.Length)]);
            if (random.Next(12) == 0)
                builder.Append(".\n");
        }
        return builder.ToString();
    }

    public static List<string> Documents(int count, int minWords = 5, int maxWords = 60) =>
        Enumerable.Range(0, count).Select(i => Document(i, minWords, maxWords)).ToList();
}
