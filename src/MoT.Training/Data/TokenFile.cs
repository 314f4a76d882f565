using System.Buffers;
using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace MoT.Training.Data;

/// <summary>
/// A pre-tokenised corpus on disk: a header, the tokens of every document back to back (uint16 when
/// the vocabulary fits, else int32), then a table of document offsets and content hashes. Opened by
/// memory-mapping, so training start-up costs a header read rather than a tokenisation pass.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "MOTTOKv1"; int32 version, token width in bytes, vocab size,
/// end-of-text id; int64 documents, tokens, characters, tokens offset, table offset; int32-prefixed
/// UTF-8 tokenizer identity and source fingerprint; padding to 8 bytes; tokens; per document an int64
/// start offset (plus one final end offset) and then a uint64 hash of its text.
/// </remarks>
public sealed class TokenFile : IDisposable
{
    /// <summary>File format version; files of other versions are rebuilt.</summary>
    public const int FormatVersion = 1;

    private static readonly byte[] s_magic = "MOTTOKv1"u8.ToArray();
    private const int FixedHeaderBytes = 8 + 4 * 4 + 5 * 8;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _tokensOffset;
    private readonly long[] _documentStarts;   // documents + 1 entries, in tokens
    private readonly ulong[] _documentHashes;

    private TokenFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, Header header, long[] starts, ulong[] hashes)
    {
        Path = path;
        _map = map;
        _view = view;
        _tokensOffset = header.TokensOffset;
        _documentStarts = starts;
        _documentHashes = hashes;
        TokenBytes = header.TokenBytes;
        VocabSize = header.VocabSize;
        EndOfText = header.EndOfText;
        TokenizerIdentity = header.TokenizerIdentity;
        SourceFingerprint = header.SourceFingerprint;
        Stats = new CorpusStats(header.Documents, header.Characters, header.Tokens);
    }

    /// <summary>Where the file lives.</summary>
    public string Path { get; }

    /// <summary>2 (uint16) or 4 (int32).</summary>
    public int TokenBytes { get; }

    /// <summary>Vocabulary size of the tokenizer that wrote the file.</summary>
    public int VocabSize { get; }

    /// <summary>End-of-text id of that tokenizer.</summary>
    public int EndOfText { get; }

    /// <summary>Identity of that tokenizer.</summary>
    public string TokenizerIdentity { get; }

    /// <summary>Fingerprint of the corpus the file was built from (<see cref="CorpusReader.Fingerprint"/>).</summary>
    public string SourceFingerprint { get; }

    /// <summary>Documents, characters and tokens (separators not counted).</summary>
    public CorpusStats Stats { get; }

    /// <summary>Number of documents.</summary>
    public int DocumentCount => _documentHashes.Length;

    /// <summary>Token count of document <paramref name="document"/>.</summary>
    public int DocumentLength(int document) => checked((int)(_documentStarts[document + 1] - _documentStarts[document]));

    /// <summary>A hash of document <paramref name="document"/>'s text: independent of the tokenizer,
    /// so a split by hash puts the same documents in eval whichever tokenizer is used.</summary>
    public ulong DocumentHash(int document) => _documentHashes[document];

    /// <summary>Copies tokens [<paramref name="offset"/>, offset + destination.Length) of a document.</summary>
    public void ReadDocument(int document, int offset, Span<int> destination)
    {
        var length = DocumentLength(document);
        if (offset < 0 || offset + destination.Length > length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"tokens [{offset}, {offset + destination.Length}) are outside document {document} of length {length}");
        var position = _tokensOffset + (_documentStarts[document] + offset) * TokenBytes;
        if (TokenBytes == 4)
        {
            var buffer = ArrayPool<int>.Shared.Rent(destination.Length);
            _view.ReadArray(position, buffer, 0, destination.Length);
            buffer.AsSpan(0, destination.Length).CopyTo(destination);
            ArrayPool<int>.Shared.Return(buffer);
        }
        else
        {
            var buffer = ArrayPool<ushort>.Shared.Rent(destination.Length);
            _view.ReadArray(position, buffer, 0, destination.Length);
            for (var i = 0; i < destination.Length; i++)
                destination[i] = buffer[i];
            ArrayPool<ushort>.Shared.Return(buffer);
        }
    }

    /// <summary>All tokens of one document.</summary>
    public int[] ReadDocument(int document)
    {
        var tokens = new int[DocumentLength(document)];
        ReadDocument(document, 0, tokens);
        return tokens;
    }

    /// <summary>Opens a file written by <see cref="Write"/>; a corrupt or foreign file is a <see cref="CorpusException"/>.</summary>
    public static TokenFile Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new CorpusException(full, "token file not found");
        var length = new FileInfo(full).Length;
        Header header;
        using (var stream = File.OpenRead(full))
            header = ReadHeader(stream, full);
        var tableBytes = (header.Documents + 1) * 8 + header.Documents * 8;
        if (header.TableOffset + tableBytes != length || header.TokensOffset + header.Tokens * header.TokenBytes != header.TableOffset)
            throw new CorpusException(full, "token file is truncated or corrupt (sizes in its header do not match its length)");

        var map = MemoryMappedFile.CreateFromFile(full, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            var starts = new long[header.Documents + 1];
            view.ReadArray(header.TableOffset, starts, 0, starts.Length);
            var hashes = new ulong[header.Documents];
            if (hashes.Length > 0)   // an empty array at the very end of the file is past the accessor's capacity
                view.ReadArray(header.TableOffset + starts.Length * 8L, hashes, 0, hashes.Length);
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("token files are little-endian");
            if (starts[0] != 0 || starts[^1] != header.Tokens)
                throw new CorpusException(full, "token file is corrupt (document table does not cover its tokens)");
            return new TokenFile(full, map, view, header, starts, hashes);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the header: cheap enough to check whether a cache is current.</summary>
    public static (string TokenizerIdentity, string SourceFingerprint, CorpusStats Stats)? TryReadHeader(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var header = ReadHeader(stream, path);
            return (header.TokenizerIdentity, header.SourceFingerprint, new CorpusStats(header.Documents, header.Characters, header.Tokens));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <paramref name="documents"/> (token ids plus the source text's length and hash) to
    /// <paramref name="path"/> atomically (a temporary file renamed at the end) and opens it.
    /// </summary>
    public static TokenFile Write(string path, ITokenizer tokenizer, string sourceFingerprint,
        IEnumerable<TokenizedDocument> documents, IProgress<CorpusStats>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(documents);
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var tokenBytes = tokenizer.VocabSize <= ushort.MaxValue + 1 ? 2 : 4;
        var starts = new List<long> { 0 };
        var hashes = new List<ulong>();
        long tokens = 0, characters = 0;
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
            {
                var identity = Encoding.UTF8.GetBytes(tokenizer.Identity);
                var fingerprint = Encoding.UTF8.GetBytes(sourceFingerprint);
                var tokensOffset = Align8(FixedHeaderBytes + 4 + identity.Length + 4 + fingerprint.Length);
                var prelude = new byte[tokensOffset];
                var cursor = FixedHeaderBytes;
                BinaryPrimitives.WriteInt32LittleEndian(prelude.AsSpan(cursor), identity.Length);
                identity.CopyTo(prelude, cursor + 4);
                cursor += 4 + identity.Length;
                BinaryPrimitives.WriteInt32LittleEndian(prelude.AsSpan(cursor), fingerprint.Length);
                fingerprint.CopyTo(prelude, cursor + 4);
                stream.Write(prelude);

                var buffer = new byte[64 * 1024];
                // Progress by time as well as by count: a corpus of a few huge documents reports too.
                var sinceReport = System.Diagnostics.Stopwatch.StartNew();
                progress?.Report(new CorpusStats(0, 0, 0));
                foreach (var document in documents)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    WriteTokens(stream, document.Tokens, tokenBytes, tokenizer.VocabSize, ref buffer);
                    tokens += document.Tokens.Length;
                    characters += document.Characters;
                    starts.Add(tokens);
                    hashes.Add(document.TextHash);
                    if (hashes.Count % 256 == 0 || sinceReport.ElapsedMilliseconds >= 500)
                    {
                        progress?.Report(new CorpusStats(hashes.Count, characters, tokens));
                        sinceReport.Restart();
                    }
                }

                var tableOffset = stream.Position;
                var table = new byte[starts.Count * 8 + hashes.Count * 8];
                for (var i = 0; i < starts.Count; i++)
                    BinaryPrimitives.WriteInt64LittleEndian(table.AsSpan(i * 8), starts[i]);
                for (var i = 0; i < hashes.Count; i++)
                    BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan((starts.Count + i) * 8), hashes[i]);
                stream.Write(table);

                var fixedHeader = new byte[FixedHeaderBytes];
                s_magic.CopyTo(fixedHeader, 0);
                var span = fixedHeader.AsSpan(8);
                BinaryPrimitives.WriteInt32LittleEndian(span, FormatVersion);
                BinaryPrimitives.WriteInt32LittleEndian(span[4..], tokenBytes);
                BinaryPrimitives.WriteInt32LittleEndian(span[8..], tokenizer.VocabSize);
                BinaryPrimitives.WriteInt32LittleEndian(span[12..], tokenizer.EndOfText);
                BinaryPrimitives.WriteInt64LittleEndian(span[16..], hashes.Count);
                BinaryPrimitives.WriteInt64LittleEndian(span[24..], tokens);
                BinaryPrimitives.WriteInt64LittleEndian(span[32..], characters);
                BinaryPrimitives.WriteInt64LittleEndian(span[40..], tokensOffset);
                BinaryPrimitives.WriteInt64LittleEndian(span[48..], tableOffset);
                stream.Position = 0;
                stream.Write(fixedHeader);
            }
            progress?.Report(new CorpusStats(hashes.Count, characters, tokens));
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        return Open(full);
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }

    private static void WriteTokens(Stream stream, int[] ids, int tokenBytes, int vocabSize, ref byte[] buffer)
    {
        var needed = ids.Length * tokenBytes;
        if (buffer.Length < needed)
            buffer = new byte[Math.Max(needed, buffer.Length * 2)];
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if ((uint)id >= (uint)vocabSize)
                throw new InvalidOperationException($"tokenizer produced id {id} outside its vocabulary [0, {vocabSize})");
            if (tokenBytes == 2)
                BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(i * 2), (ushort)id);
            else
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(i * 4), id);
        }
        stream.Write(buffer, 0, needed);
    }

    private static long Align8(long value) => (value + 7) & ~7L;

    private static Header ReadHeader(Stream stream, string path)
    {
        var fixedHeader = new byte[FixedHeaderBytes];
        if (stream.ReadAtLeast(fixedHeader, FixedHeaderBytes, throwOnEndOfStream: false) < FixedHeaderBytes || !fixedHeader.AsSpan(0, 8).SequenceEqual(s_magic))
            throw new CorpusException(path, "not a MoT token file (bad magic)");
        var span = fixedHeader.AsSpan(8);
        var version = BinaryPrimitives.ReadInt32LittleEndian(span);
        if (version != FormatVersion)
            throw new CorpusException(path, $"token file version {version} is not supported (expected {FormatVersion})");
        var header = new Header
        {
            TokenBytes = BinaryPrimitives.ReadInt32LittleEndian(span[4..]),
            VocabSize = BinaryPrimitives.ReadInt32LittleEndian(span[8..]),
            EndOfText = BinaryPrimitives.ReadInt32LittleEndian(span[12..]),
            Documents = BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            Tokens = BinaryPrimitives.ReadInt64LittleEndian(span[24..]),
            Characters = BinaryPrimitives.ReadInt64LittleEndian(span[32..]),
            TokensOffset = BinaryPrimitives.ReadInt64LittleEndian(span[40..]),
            TableOffset = BinaryPrimitives.ReadInt64LittleEndian(span[48..]),
        };
        if (header.TokenBytes is not (2 or 4) || header.Documents is < 0 or > int.MaxValue || header.Tokens < 0)
            throw new CorpusException(path, "token file header is corrupt");
        header.TokenizerIdentity = ReadString(stream, path);
        header.SourceFingerprint = ReadString(stream, path);
        return header;
    }

    private static string ReadString(Stream stream, string path)
    {
        Span<byte> length = stackalloc byte[4];
        if (stream.ReadAtLeast(length, 4, throwOnEndOfStream: false) < 4)
            throw new CorpusException(path, "token file header is truncated");
        var count = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (count is < 0 or > 4096)
            throw new CorpusException(path, "token file header is corrupt");
        var bytes = new byte[count];
        if (stream.ReadAtLeast(bytes, count, throwOnEndOfStream: false) < count)
            throw new CorpusException(path, "token file header is truncated");
        return Encoding.UTF8.GetString(bytes);
    }

    private sealed class Header
    {
        public int TokenBytes;
        public int VocabSize;
        public int EndOfText;
        public long Documents;
        public long Tokens;
        public long Characters;
        public long TokensOffset;
        public long TableOffset;
        public string TokenizerIdentity = "";
        public string SourceFingerprint = "";
    }
}

/// <summary>One document ready to be written to a <see cref="TokenFile"/>.</summary>
/// <param name="Tokens">Its token ids (no end-of-text).</param>
/// <param name="Characters">Length of its text in UTF-16 characters.</param>
/// <param name="TextHash">Hash of its text (<see cref="TextHash.Of"/>).</param>
public sealed record TokenizedDocument(int[] Tokens, long Characters, ulong TextHash);

/// <summary>A fixed, seedable 64-bit hash (FNV-1a then a SplitMix finaliser): stable across
/// processes and machines, unlike <see cref="string.GetHashCode()"/>.</summary>
public static class TextHash
{
    /// <summary>Hash of a text's UTF-16 code units.</summary>
    public static ulong Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return Mix(hash);
    }

    /// <summary>SplitMix64 finaliser: spreads nearby inputs over the whole range.</summary>
    public static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
