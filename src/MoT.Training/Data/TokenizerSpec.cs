using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoT.Training.Data;

/// <summary>
/// The serializable description of a tokenizer: its type and, for a compact BPE, the kept cl100k ids.
/// A checkpoint stores <see cref="ToJson"/> so evaluation and inference rebuild the same vocabulary.
/// </summary>
/// <param name="Type"><c>bytes</c> or <c>cl100k</c>.</param>
/// <param name="CompactIds">For a compact cl100k: the kept cl100k ids beyond end-of-text and the byte tokens; null for the full vocabulary.</param>
/// <param name="ByteFallback">For a compact cl100k: unknown ids are spelled as bytes rather than &lt;unk&gt;.</param>
public sealed record TokenizerSpec(string Type, int[]? CompactIds = null, bool ByteFallback = false)
{
    /// <summary>Type name of <see cref="ByteTokenizer"/>.</summary>
    public const string BytesType = "bytes";

    /// <summary>Type name of <see cref="BpeTokenizer"/>.</summary>
    public const string Cl100kType = "cl100k";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The byte tokenizer's spec.</summary>
    public static TokenizerSpec Bytes { get; } = new(BytesType);

    /// <summary>The whole cl100k vocabulary's spec.</summary>
    public static TokenizerSpec Cl100k { get; } = new(Cl100kType);

    /// <summary>Builds the tokenizer this spec describes.</summary>
    public ITokenizer Create() => Type switch
    {
        BytesType when CompactIds is null => ByteTokenizer.Instance,
        BytesType => throw new FormatException("tokenizer spec: type 'bytes' takes no compactIds"),
        Cl100kType when CompactIds is null => BpeTokenizer.Cl100k(),
        Cl100kType => BpeTokenizer.Compact(CompactIds, ByteFallback),
        _ => throw new FormatException($"tokenizer spec: type '{Type}' is not known (use '{BytesType}' or '{Cl100kType}')"),
    };

    /// <summary>JSON with the tokenizer's identity alongside, for people reading a checkpoint.</summary>
    public string ToJson() => JsonSerializer.Serialize(new SpecDocument(Type, Create().Identity, CompactIds, CompactIds is null ? null : ByteFallback), s_json);

    /// <summary>Parses <see cref="ToJson"/> output; a stated identity must match the rebuilt tokenizer.</summary>
    public static TokenizerSpec FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SpecDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<SpecDocument>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"tokenizer spec is not valid JSON: {e.Message}", e);
        }
        if (document?.Type is null)
            throw new FormatException("tokenizer spec: 'type' is missing");
        var spec = new TokenizerSpec(document.Type, document.CompactIds, document.ByteFallback ?? false);
        if (document.Identity is { } stated && spec.Create().Identity != stated)
            throw new FormatException($"tokenizer spec: identity '{stated}' does not match its contents ({spec.Create().Identity})");
        return spec;
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (atomically).</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, ToJson());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a spec written by <see cref="Save"/>.</summary>
    public static TokenizerSpec Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"tokenizer spec not found: {path}", path);
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public bool Equals(TokenizerSpec? other) =>
        other is not null && Type == other.Type && ByteFallback == other.ByteFallback &&
        (CompactIds is null ? other.CompactIds is null : other.CompactIds is not null && CompactIds.AsSpan().SequenceEqual(other.CompactIds));

    public override int GetHashCode() => HashCode.Combine(Type, ByteFallback, CompactIds?.Length);

    private sealed record SpecDocument(string? Type, string? Identity, int[]? CompactIds, bool? ByteFallback);
}
