using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MoT.Training.Data;

/// <summary>
/// GPT-4's cl100k BPE (Microsoft.ML.Tokenizers), either whole (~100k ids) or compacted to the ids a
/// corpus uses so a small model's embedding is a few thousand rows instead of 100k.
/// </summary>
/// <remarks>
/// Compact id layout: 0 = &lt;unk&gt;, 1 = end-of-text, then (with byte fallback) the 256 single-byte
/// tokens in byte order, then the kept cl100k ids in ascending order. An id the compact vocabulary
/// lacks is spelled with its bytes when byte fallback is on (lossless), otherwise it becomes &lt;unk&gt;.
/// </remarks>
public sealed class BpeTokenizer : ITokenizer
{
    /// <summary>The tiktoken encoding used as the base vocabulary.</summary>
    public const string BaseEncoding = "cl100k_base";

    /// <summary>Longest run of whitespace or of non-whitespace characters encoded in one piece (see <c>EncodeBounded</c>).</summary>
    public const int MaxRunLength = 256;

    /// <summary>The compact id of the unknown token.</summary>
    public const int CompactUnknownId = 0;

    private const int CompactEndOfTextId = 1;
    private const int CompactFirstByteId = 2;

    private static readonly Lazy<BaseVocabulary> s_base = new(BaseVocabulary.Load);

    private readonly BaseVocabulary _base;
    private readonly int[]? _compactToBase;   // compact id -> cl100k id (index 0, <unk>, is -1)
    private readonly int[]? _baseToCompact;   // cl100k id -> compact id, -1 where absent

    private BpeTokenizer(BaseVocabulary baseVocabulary, int[]? compactToBase, bool byteFallback)
    {
        _base = baseVocabulary;
        ByteFallback = byteFallback;
        if (compactToBase is null)
        {
            Identity = "cl100k";
            VocabSize = _base.VocabSize;
            EndOfText = _base.EndOfText;
            Spec = TokenizerSpec.Cl100k;
            return;
        }

        _compactToBase = compactToBase;
        _baseToCompact = new int[_base.VocabSize];
        Array.Fill(_baseToCompact, -1);
        for (var compact = 1; compact < compactToBase.Length; compact++)
            _baseToCompact[compactToBase[compact]] = compact;
        VocabSize = compactToBase.Length;
        EndOfText = CompactEndOfTextId;
        var keptIds = compactToBase.AsSpan(CompactEndOfTextId + 1 + (byteFallback ? 256 : 0)).ToArray();
        Spec = new TokenizerSpec(TokenizerSpec.Cl100kType, keptIds, byteFallback);
        Identity = CompactIdentity(keptIds, byteFallback);
    }

    public string Identity { get; }

    public int VocabSize { get; }

    public int EndOfText { get; }

    public TokenizerSpec Spec { get; }

    /// <summary>True when ids are a compact subset of cl100k.</summary>
    public bool IsCompact => _compactToBase is not null;

    /// <summary>True when ids missing from a compact vocabulary are spelled as bytes instead of &lt;unk&gt;.</summary>
    public bool ByteFallback { get; }

    /// <summary>The whole cl100k vocabulary.</summary>
    public static BpeTokenizer Cl100k() => new(s_base.Value, null, byteFallback: false);

    /// <summary>A compact tokenizer keeping exactly <paramref name="keptBaseIds"/> (cl100k ids; order and
    /// duplicates do not matter). End-of-text is always kept; with <paramref name="byteFallback"/> the
    /// 256 byte tokens are kept too.</summary>
    public static BpeTokenizer Compact(IEnumerable<int> keptBaseIds, bool byteFallback = true)
    {
        ArgumentNullException.ThrowIfNull(keptBaseIds);
        var vocabulary = s_base.Value;
        var layout = new List<int> { -1, vocabulary.EndOfText };
        var seen = new HashSet<int>(layout);
        if (byteFallback)
        {
            foreach (var byteId in vocabulary.ByteTokenIds)
            {
                layout.Add(byteId);
                seen.Add(byteId);
            }
        }
        foreach (var id in keptBaseIds.Distinct().Order())
        {
            if ((uint)id >= (uint)vocabulary.VocabSize || !vocabulary.IsKnown(id))
                throw new ArgumentOutOfRangeException(nameof(keptBaseIds), id, $"{id} is not a {BaseEncoding} token id");
            if (seen.Add(id))
                layout.Add(id);
        }
        return new BpeTokenizer(vocabulary, layout.ToArray(), byteFallback);
    }

    /// <summary>Counts the cl100k ids of <paramref name="texts"/> and keeps those <paramref name="options"/> select.</summary>
    public static BpeTokenizer BuildCompact(IEnumerable<string> texts, CompactOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vocabulary = s_base.Value;
        var counts = new long[vocabulary.VocabSize];
        foreach (var text in texts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var id in vocabulary.EncodeOrdinary(text))
                counts[id]++;
        }
        return FromCounts(counts, options);
    }

    /// <summary>A compact tokenizer from per-cl100k-id occurrence counts (index = id): ids seen at least
    /// <see cref="CompactOptions.MinCount"/> times, the most frequent first when
    /// <see cref="CompactOptions.MaxVocabSize"/> caps the vocabulary (ties broken by id, so the choice is deterministic).</summary>
    public static BpeTokenizer FromCounts(ReadOnlySpan<long> counts, CompactOptions? options = null)
    {
        options = (options ?? new CompactOptions()).Validate();
        var vocabulary = s_base.Value;
        var candidates = new List<(int Id, long Count)>();
        for (var id = 0; id < counts.Length; id++)
            if (counts[id] >= options.MinCount && id != vocabulary.EndOfText && !(options.ByteFallback && vocabulary.IsByteToken(id)))
                candidates.Add((id, counts[id]));
        if (options.MaxVocabSize is { } max)
        {
            var room = max - (CompactFirstByteId + (options.ByteFallback ? 256 : 0));
            if (room < 0)
                throw new ArgumentOutOfRangeException(nameof(options), max, $"MaxVocabSize {max} leaves no room: <unk>, end-of-text{(options.ByteFallback ? " and the 256 byte tokens" : "")} take {max - room}");
            if (candidates.Count > room)
                candidates = [.. candidates.OrderByDescending(c => c.Count).ThenBy(c => c.Id).Take(room)];
        }
        return Compact(candidates.Select(c => c.Id), options.ByteFallback);
    }

    /// <remarks>Special-token text such as a literal "&lt;|endoftext|&gt;" in a document is encoded as
    /// ordinary text, so the end-of-text id only ever appears where packing puts it.</remarks>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var baseIds = _base.EncodeOrdinary(text);
        if (_baseToCompact is null)
            return [.. baseIds];
        return FromBaseIds(baseIds);
    }

    /// <summary>cl100k ids of <paramref name="text"/>, whatever this tokenizer's compaction.</summary>
    public int[] EncodeBase(string text) => [.. _base.EncodeOrdinary(text)];

    /// <summary>Maps cl100k ids into this tokenizer's ids (identity when not compact).</summary>
    public int[] FromBaseIds(IReadOnlyList<int> baseIds)
    {
        ArgumentNullException.ThrowIfNull(baseIds);
        if (_baseToCompact is null)
            return [.. baseIds];
        var result = new List<int>(baseIds.Count);
        for (var i = 0; i < baseIds.Count; i++)
        {
            var baseId = baseIds[i];
            var compact = (uint)baseId < (uint)_baseToCompact.Length ? _baseToCompact[baseId] : -1;
            if (compact >= 0)
                result.Add(compact);
            else if (ByteFallback && _base.BytesOf(baseId) is { } bytes)
                foreach (var b in bytes)
                    result.Add(CompactFirstByteId + b);
            else
                result.Add(CompactUnknownId);
        }
        return [.. result];
    }

    public string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} is outside the vocabulary [0, {VocabSize}) of {Identity}");
            var baseId = _compactToBase is null ? id : _compactToBase[id];
            if (baseId < 0)
                bytes.AddRange("\uFFFD"u8);
            else
                bytes.AddRange(_base.BytesOf(baseId) ?? Encoding.UTF8.GetBytes(_base.SpecialText(baseId)));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>The cl100k id behind a compact id (the id itself when not compact); -1 for &lt;unk&gt;.</summary>
    public int ToBaseId(int id) => _compactToBase is null ? id : _compactToBase[id];

    private static string CompactIdentity(int[] keptIds, bool byteFallback)
    {
        // Little-endian bytes so the identity is the same on every machine.
        var bytes = new byte[keptIds.Length * sizeof(int) + 1];
        for (var i = 0; i < keptIds.Length; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), keptIds[i]);
        bytes[^1] = byteFallback ? (byte)1 : (byte)0;
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return $"cl100k-compact-{hash[..12]}";
    }

    /// <summary>The cl100k tables, loaded once per process (the embedded data takes ~1 s to parse).</summary>
    private sealed class BaseVocabulary
    {
        private readonly byte[]?[] _bytes;
        private const string SpecialPrefix = "<|";
        private readonly Dictionary<int, string> _special;
        private readonly string[] _specialTexts;

        private BaseVocabulary(TiktokenTokenizer tokenizer, Dictionary<int, byte[]> ranks)
        {
            Tokenizer = tokenizer;
            var maxId = ranks.Keys.Max();
            _special = new Dictionary<int, string>();
            foreach (var (text, id) in tokenizer.SpecialTokens ?? new Dictionary<string, int>())
            {
                _special[id] = text;
                maxId = Math.Max(maxId, id);
            }
            VocabSize = maxId + 1;
            _specialTexts = [.. _special.Values];
            if (_specialTexts.Any(special => !special.StartsWith(SpecialPrefix, StringComparison.Ordinal)))
                throw new InvalidOperationException($"{BaseEncoding} has a special token not starting with {SpecialPrefix}");
            _bytes = new byte[]?[VocabSize];
            ByteTokenIds = new int[256];
            Array.Fill(ByteTokenIds, -1);
            foreach (var (id, bytes) in ranks)
            {
                _bytes[id] = bytes;
                if (bytes.Length == 1)
                    ByteTokenIds[bytes[0]] = id;
            }
            EndOfText = tokenizer.SpecialTokens?.GetValueOrDefault(ByteTokenizer.EndOfTextText, -1) ?? -1;
            if (EndOfText < 0 || Array.IndexOf(ByteTokenIds, -1) >= 0)
                throw new InvalidOperationException($"{BaseEncoding} data lacks an end-of-text token or a single-byte token");
        }

        public TiktokenTokenizer Tokenizer { get; }

        public int VocabSize { get; }

        public int EndOfText { get; }

        /// <summary>cl100k id of each single byte, indexed by byte value.</summary>
        public int[] ByteTokenIds { get; }

        public static BaseVocabulary Load() => new(TiktokenTokenizer.CreateForEncoding(BaseEncoding), ReadRanks());

        /// <summary>
        /// Token id -> bytes, which the tokenizer does not expose publicly in 2.0.1 (its Decoder is
        /// internal and Vocabulary lacks partial UTF-8 tokens): read from the data package's embedded
        /// tiktoken file, one token per line after a "Capacity: n" line.
        /// </summary>
        private static Dictionary<int, byte[]> ReadRanks()
        {
            const string assemblyName = "Microsoft.ML.Tokenizers.Data.Cl100kBase";
            const string resourceName = "cl100k_base.tiktoken.deflate";
            var assembly = System.Reflection.Assembly.Load(assemblyName);
            using var resource = assembly.GetManifestResourceStream(resourceName)
                ?? throw new InvalidOperationException($"{assemblyName} has no resource {resourceName}");
            using var reader = new StreamReader(new System.IO.Compression.DeflateStream(resource, System.IO.Compression.CompressionMode.Decompress));
            var ranks = new Dictionary<int, byte[]>(100_300);
            var nextRank = 0;
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))   // the package's size hint
                    continue;
                // "base64 rank" as in tiktoken files, or (as this package stores it) base64 alone, ranked by line.
                var space = line.IndexOf(' ');
                var rank = space > 0 ? int.Parse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture) : nextRank;
                ranks[rank] = Convert.FromBase64String(space > 0 ? line[..space] : line);
                nextRank = rank + 1;
            }
            return ranks;
        }

        /// <summary>cl100k ids of <paramref name="text"/> with special-token literals treated as plain text:
        /// the text is cut just after each "&lt;" of a literal, so no piece holds a whole one.</summary>
        public IReadOnlyList<int> EncodeOrdinary(string text)
        {
            if (!text.Contains(SpecialPrefix, StringComparison.Ordinal))
                return EncodeBounded(text);
            var ids = new List<int>(text.Length / 3);
            var start = 0;
            for (var at = text.IndexOf(SpecialPrefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(SpecialPrefix, at + 1, StringComparison.Ordinal))
            {
                if (!_specialTexts.Any(special => text.AsSpan(at).StartsWith(special, StringComparison.Ordinal)))
                    continue;
                ids.AddRange(EncodeBounded(text[start..(at + 1)]));
                start = at + 1;
            }
            ids.AddRange(EncodeBounded(text[start..]));
            return ids;
        }

        /// <summary>
        /// BPE merges within one pre-token cost about the square of its length: a 500 KB line without spaces is one
        /// pre-token and took minutes. Text whose whitespace and non-whitespace runs are all at most
        /// <see cref="MaxRunLength"/> characters is encoded as is (so ordinary text tokenizes exactly as cl100k does);
        /// a longer run is cut every <see cref="MaxRunLength"/> characters and the pieces are encoded one by one.
        /// </summary>
        private List<int> EncodeBounded(string text)
        {
            var ids = new List<int>(text.Length / 3 + 1);
            foreach (var (start, length) in PreTokenBound.Pieces(text, MaxRunLength))
                ids.AddRange(start == 0 && length == text.Length ? Tokenizer.EncodeToIds(text) : Tokenizer.EncodeToIds(text.Substring(start, length)));
            return ids;
        }

        public bool IsByteToken(int id) => _bytes[id] is { Length: 1 };

        public bool IsKnown(int id) => _bytes[id] is not null || _special.ContainsKey(id);

        public byte[]? BytesOf(int id) => (uint)id < (uint)_bytes.Length ? _bytes[id] : null;

        public string SpecialText(int id) => _special.TryGetValue(id, out var text) ? text : "\uFFFD";
    }
}

/// <summary>How a compact cl100k vocabulary is chosen from a corpus.</summary>
/// <param name="MinCount">Keep ids seen at least this many times.</param>
/// <param name="MaxVocabSize">Cap on the compact vocabulary, reserved ids included: the most frequent ids are kept.</param>
/// <param name="ByteFallback">Spell missing ids as bytes (lossless) instead of &lt;unk&gt;.</param>
public sealed record CompactOptions(int MinCount = 1, int? MaxVocabSize = null, bool ByteFallback = true)
{
    /// <summary>Throws with the offending field named.</summary>
    public CompactOptions Validate()
    {
        if (MinCount < 1)
            throw new ArgumentOutOfRangeException(nameof(MinCount), MinCount, "MinCount must be at least 1");
        if (MaxVocabSize is < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxVocabSize), MaxVocabSize, "MaxVocabSize must be at least 2");
        return this;
    }

    /// <summary>A short tag for cache file names, e.g. <c>min1</c> or <c>min2-max8192-unk</c>.</summary>
    public string Tag => $"min{MinCount}{(MaxVocabSize is { } max ? $"-max{max}" : "")}{(ByteFallback ? "" : "-unk")}";
}
