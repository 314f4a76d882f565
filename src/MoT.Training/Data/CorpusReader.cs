using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MoT.Training.Data;

/// <summary>One document of a corpus.</summary>
/// <param name="Source">Where it came from: the file, plus <c>:line</c> for JSONL.</param>
/// <param name="Text">The document's text.</param>
public sealed record CorpusDocument(string Source, string Text);

/// <summary>
/// Reads documents from plain-text files (one document per file) and C4-style JSONL shards
/// (<c>{"text": ...}</c> per line, optionally gzip-compressed), from a file or a directory tree.
/// </summary>
/// <remarks>
/// Directory files are read in ordinal order of their relative paths so the document order, and
/// everything derived from it, is the same on every machine. Hidden files and folders (names
/// starting with '.') and files of other types are skipped, so a cache folder or a README beside
/// the data does no harm.
/// </remarks>
public static class CorpusReader
{
    private static readonly string[] s_textSuffixes = [".txt", ".text", ".md", ".txt.gz"];
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly string[] s_jsonlSuffixes = [".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson"];

    /// <summary>The corpus files under <paramref name="path"/> in reading order (the file itself for a file).</summary>
    public static IReadOnlyList<string> ListFiles(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            return [full];
        if (!Directory.Exists(full))
            throw new CorpusException(full, "corpus path not found (expected a .txt/.jsonl[.gz] file or a folder of them)");
        var files = new List<string>();
        var others = new List<string>();
        try
        {
            Collect(full, files, others);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException(full, $"folder cannot be read: {e.Message}", inner: e);
        }
        files.Sort((a, b) => string.CompareOrdinal(Path.GetRelativePath(full, a), Path.GetRelativePath(full, b)));
        if (files.Count == 0)
        {
            var found = others.Count == 0
                ? "it is empty"
                : $"it holds {others.Count} other file(s), e.g. {string.Join(", ", others.Order(StringComparer.Ordinal).Take(3).Select(f => Path.GetRelativePath(full, f)))}";
            throw new CorpusException(full, $"folder holds no corpus files (.txt, .text, .md, .jsonl, .json, .ndjson, optionally .gz); {found}");
        }
        return files;

        static void Collect(string directory, List<string> files, List<string> others)
        {
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                if (Path.GetFileName(file).StartsWith('.')) continue;
                (IsJsonl(file) || IsText(file) ? files : others).Add(file);
            }
            foreach (var sub in Directory.EnumerateDirectories(directory))
                if (!Path.GetFileName(sub).StartsWith('.'))
                    Collect(sub, files, others);
        }
    }

    /// <summary>All documents under <paramref name="path"/>, lazily, in a stable order.</summary>
    public static IEnumerable<CorpusDocument> ReadDocuments(string path, CancellationToken cancellationToken = default)
    {
        foreach (var file in ListFiles(path))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var documents = IsJsonl(file) ? ReadJsonl(file) : ReadText(file);
            foreach (var document in documents)
                yield return document;
        }
    }

    /// <summary>One document per <c>{"text": ...}</c> line; blank lines are skipped, anything else is an error naming the line.</summary>
    public static IEnumerable<CorpusDocument> ReadJsonl(string file)
    {
        using var reader = OpenText(file);
        long lineNumber = 0;
        while (ReadLine(reader, file, lineNumber + 1) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var text = ParseTextField(line, file, lineNumber);
            if (text.Length > 0)
                yield return new CorpusDocument($"{file}:{lineNumber}", text);
        }
    }

    /// <summary>The whole file as one document (skipped when empty). It must be UTF-8 text: invalid UTF-8 or NUL
    /// bytes (a binary file) are a <see cref="CorpusException"/>, never silently replaced characters.</summary>
    public static IEnumerable<CorpusDocument> ReadText(string file)
    {
        string text;
        using (var reader = OpenText(file))
        {
            try
            {
                text = reader.ReadToEnd();
            }
            catch (DecoderFallbackException e)
            {
                throw NotUtf8(file, e, line: null);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new CorpusException(file, $"cannot be read: {e.Message}", inner: e);
            }
        }
        if (text.Contains('\0'))
            throw new CorpusException(file, "looks like a binary file (it contains NUL bytes); a corpus file must be UTF-8 text");
        if (text.Length > 0)
            yield return new CorpusDocument(file, text);
    }

    private static CorpusException NotUtf8(string file, DecoderFallbackException e, long? line) =>
        new(file, $"is not UTF-8 text (byte{(e.BytesUnknown?.Length > 1 ? "s" : "")} " +
                  $"{string.Join(" ", (e.BytesUnknown ?? []).Select(b => $"0x{b:X2}"))} cannot be decoded); " +
                  "convert it to UTF-8 (a binary file cannot be a corpus)", line, e);

    /// <summary>A short hash of the corpus files' names, sizes and modification times: a cache
    /// built from the corpus is stale when this changes.</summary>
    public static string Fingerprint(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Directory.Exists(full) ? full : Path.GetDirectoryName(full)!;
        var builder = new StringBuilder();
        foreach (var file in ListFiles(full))
        {
            var info = new FileInfo(file);
            builder.Append(Path.GetRelativePath(root, file)).Append('|').Append(info.Length).Append('|')
                .Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString())))[..16];
    }

    private static string ParseTextField(string line, string file, long lineNumber)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw new CorpusException(file, $"expected a JSON object with a \"text\" field, found {json.RootElement.ValueKind}", lineNumber);
            if (!json.RootElement.TryGetProperty("text", out var text))
                throw new CorpusException(file, "JSON object has no \"text\" field", lineNumber);
            if (text.ValueKind != JsonValueKind.String)
                throw new CorpusException(file, $"\"text\" must be a string, found {text.ValueKind}", lineNumber);
            return text.GetString()!;
        }
        catch (JsonException e)
        {
            throw new CorpusException(file, $"malformed JSON: {e.Message}", lineNumber, e);
        }
    }

    private static string? ReadLine(StreamReader reader, string file, long lineNumber)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (DecoderFallbackException e)
        {
            throw NotUtf8(file, e, FirstLineNotUtf8(file) ?? lineNumber);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CorpusException(file, $"cannot be read: {e.Message}", lineNumber, e);
        }
    }

    private static StreamReader OpenText(string file) =>
        // Strict UTF-8: invalid bytes throw (and become one clear error) instead of turning into U+FFFD.
        new(OpenRaw(file), s_strictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    /// <summary>The 1-based line holding the first bytes that are not UTF-8 (null when all are): the decoder works a
    /// buffer ahead of the line being read, so only a second pass over the bytes can say which line it was.</summary>
    private static long? FirstLineNotUtf8(string file)
    {
        using var stream = OpenRaw(file);
        var line = new List<byte>();
        var buffer = new byte[1 << 16];
        long number = 1;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, read);
            for (var newline = span.IndexOf((byte)'\n'); newline >= 0; newline = span.IndexOf((byte)'\n'))
            {
                line.AddRange(span[..newline]);
                if (!System.Text.Unicode.Utf8.IsValid(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line)))
                    return number;
                line.Clear();
                number++;
                span = span[(newline + 1)..];
            }
            line.AddRange(span);
        }
        return System.Text.Unicode.Utf8.IsValid(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(line)) ? null : number;
    }

    private static Stream OpenRaw(string file)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException(file, e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : $"cannot be opened: {e.Message}", inner: e);
        }
        return file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    private static bool IsJsonl(string file) => HasSuffix(file, s_jsonlSuffixes);

    private static bool IsText(string file) => HasSuffix(file, s_textSuffixes);

    private static bool HasSuffix(string file, string[] suffixes)
    {
        foreach (var suffix in suffixes)
            if (file.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
