using System.Security.Cryptography;
using System.Text;

namespace MoT.Training.Data;

/// <summary>
/// Tokenises a corpus once and keeps the result under the data directory
/// (<c>$MOT_DATA_DIR/token-cache/&lt;corpus name&gt;-&lt;hash of its full path&gt;/</c>, default <c>~/.cache/mot</c>), never
/// beside the user's data. A cache is reused while the corpus files' names, sizes and times and the tokenizer
/// identity are unchanged; otherwise it is rebuilt.
/// </summary>
public static class TokenCache
{
    /// <summary>Name of the folder under the data directory that holds every corpus's cache.</summary>
    public const string FolderName = "token-cache";

    /// <summary>The cache folder of a corpus file or folder: one per corpus path, under <see cref="DataDirectory.Root"/>.</summary>
    public static string CacheDirectory(string corpusPath)
    {
        var full = Path.GetFullPath(corpusPath).TrimEnd(Path.DirectorySeparatorChar);
        var pathHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..16];
        return Path.Combine(DataDirectory.Root, FolderName, $"{Readable(Path.GetFileName(full))}-{pathHash}");
    }

    /// <summary>Where the token file of <paramref name="corpusPath"/> under <paramref name="tokenizerIdentity"/> lives.</summary>
    public static string TokenFilePath(string corpusPath, string tokenizerIdentity)
    {
        return Path.Combine(CacheDirectory(corpusPath), $"{Stem(corpusPath)}.{tokenizerIdentity}.tokens");
    }

    private static string Stem(string corpusPath)
    {
        var full = Path.GetFullPath(corpusPath).TrimEnd(Path.DirectorySeparatorChar);
        return Directory.Exists(full) ? "corpus" : Readable(Path.GetFileName(full));
    }

    // The corpus name as a safe, short folder name (the hash beside it keeps names unique).
    private static string Readable(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]).Trim('.');
        return safe.Length == 0 ? "corpus" : safe[..Math.Min(safe.Length, 48)];
    }

    /// <summary>The cached token file of a corpus, built first when missing or stale.</summary>
    public static TokenFile GetOrBuild(string corpusPath, ITokenizer tokenizer, IProgress<CorpusStats>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var fingerprint = CorpusReader.Fingerprint(corpusPath);
        var path = TokenFilePath(corpusPath, tokenizer.Identity);
        if (IsCurrent(path, tokenizer.Identity, fingerprint))
            return TokenFile.Open(path);

        // A compact BPE only renumbers cl100k ids: remap a current full-vocabulary cache rather than re-encode.
        if (tokenizer is BpeTokenizer { IsCompact: true } compact)
        {
            var basePath = TokenFilePath(corpusPath, BpeTokenizer.Cl100k().Identity);
            if (IsCurrent(basePath, BpeTokenizer.Cl100k().Identity, fingerprint))
            {
                using var baseFile = TokenFile.Open(basePath);
                return TokenFile.Write(path, tokenizer, fingerprint, Remap(baseFile, compact), progress, cancellationToken);
            }
        }
        return TokenFile.Write(path, tokenizer, fingerprint, Tokenize(corpusPath, tokenizer.Encode, cancellationToken), progress, cancellationToken);
    }

    /// <summary>
    /// The compact cl100k tokenizer of a corpus, chosen by <paramref name="options"/> (default: every id it uses).
    /// Counting needs the full-vocabulary token file, which is cached too, so a later
    /// <see cref="GetOrBuild"/> with the compact tokenizer only renumbers it.
    /// </summary>
    public static BpeTokenizer GetOrBuildCompactBpe(string corpusPath, CompactOptions? options = null,
        IProgress<CorpusStats>? progress = null, CancellationToken cancellationToken = default)
    {
        options = (options ?? new CompactOptions()).Validate();
        var fingerprint = CorpusReader.Fingerprint(corpusPath);
        var specPath = Path.Combine(CacheDirectory(corpusPath),
            $"{Stem(corpusPath)}.cl100k-compact-{options.Tag}.{fingerprint}.tokenizer.json");
        if (File.Exists(specPath))
        {
            try
            {
                if (TokenizerSpec.Load(specPath).Create() is BpeTokenizer cached)
                    return cached;
            }
            catch (FormatException)
            {
                // A damaged cache entry is rebuilt below.
            }
        }

        var full = BpeTokenizer.Cl100k();
        using var baseFile = GetOrBuild(corpusPath, full, progress, cancellationToken);
        var counts = new long[full.VocabSize];
        var buffer = Array.Empty<int>();
        for (var document = 0; document < baseFile.DocumentCount; document++)
        {
            var length = baseFile.DocumentLength(document);
            if (buffer.Length < length)
                buffer = new int[length];
            baseFile.ReadDocument(document, 0, buffer.AsSpan(0, length));
            foreach (var id in buffer.AsSpan(0, length))
                counts[id]++;
        }
        var compact = BpeTokenizer.FromCounts(counts, options);
        compact.Spec.Save(specPath);
        return compact;
    }

    /// <summary>Reads and encodes every document of a corpus, on all cores, in corpus order; a corpus without any
    /// text is a <see cref="CorpusException"/> (nothing is cached for it).</summary>
    internal static IEnumerable<TokenizedDocument> Tokenize(string corpusPath, Func<string, int[]> encode, CancellationToken cancellationToken)
    {
        var documents = 0;
        foreach (var document in TokenizeAll(corpusPath, encode, cancellationToken))
        {
            documents++;
            yield return document;
        }
        if (documents == 0)
        {
            var files = CorpusReader.ListFiles(corpusPath);
            throw new CorpusException(Path.GetFullPath(corpusPath), files.Count == 1 && File.Exists(Path.GetFullPath(corpusPath))
                ? "the file is empty: there is no text to train on"
                : $"none of its {files.Count} corpus files holds any text");
        }
    }

    private static IEnumerable<TokenizedDocument> TokenizeAll(string corpusPath, Func<string, int[]> encode, CancellationToken cancellationToken)
    {
        var query = CorpusReader.ReadDocuments(corpusPath, cancellationToken)
            .AsParallel().AsOrdered().WithCancellation(cancellationToken)
            .Select(document => new TokenizedDocument(encode(document.Text), document.Text.Length, TextHash.Of(document.Text)));
        using var enumerator = query.GetEnumerator();
        while (true)
        {
            var more = false;
            try
            {
                more = enumerator.MoveNext();
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                // Surface a corpus error as itself (file and line), not wrapped by PLINQ.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            if (!more)
                yield break;
            yield return enumerator.Current;
        }
    }

    private static IEnumerable<TokenizedDocument> Remap(TokenFile baseFile, BpeTokenizer compact)
    {
        // Character counts per document are not stored; spread the total so the sum stays exact.
        var totalCharacters = baseFile.Stats.Characters;
        for (var document = 0; document < baseFile.DocumentCount; document++)
        {
            var characters = document == baseFile.DocumentCount - 1 ? totalCharacters : 0;
            yield return new TokenizedDocument(compact.FromBaseIds(baseFile.ReadDocument(document)), characters, baseFile.DocumentHash(document));
        }
    }

    private static bool IsCurrent(string path, string identity, string fingerprint) =>
        File.Exists(path) && TokenFile.TryReadHeader(path) is { } header &&
        header.TokenizerIdentity == identity && header.SourceFingerprint == fingerprint;
}
