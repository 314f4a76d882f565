namespace MoT.Data.Annotations;

/// <summary>What a run's name, tags and notes may hold; each check answers one line naming the field and the value, or null.</summary>
public static class RunAnnotationRules
{
    public const int MaxNameLength = 200;
    public const int MaxTagLength = 64;
    public const int MaxTags = 32;
    public const int MaxNotesLength = 10_000;

    public static string? CheckName(string name)
    {
        if (name.Length > MaxNameLength) return $"name: at most {MaxNameLength} characters (was {name.Length})";
        if (name.Any(char.IsControl)) return "name: must be one line without control characters";
        return null;
    }

    /// <summary>Tags are what the run filter reads after <c>tag:</c>: letters, digits, '_', '.' and '-'.</summary>
    public static string? CheckTag(string tag)
    {
        if (tag.Length == 0) return "tags: a tag cannot be empty";
        if (tag.Length > MaxTagLength) return $"tags: '{Shorten(tag)}' is longer than {MaxTagLength} characters";
        if (tag.FirstOrDefault(c => !(char.IsLetterOrDigit(c) || c is '_' or '.' or '-')) is var bad and not '\0')
            return $"tags: '{Shorten(tag)}' contains '{bad}'; use letters, digits, '_', '.' and '-' (what tag:x can find)";
        return null;
    }

    public static string? CheckTags(IReadOnlyCollection<string> tags) =>
        tags.Count > MaxTags ? $"tags: at most {MaxTags} tags (was {tags.Count})" : tags.Select(CheckTag).FirstOrDefault(e => e is not null);

    public static string? CheckNotes(string notes) =>
        notes.Length > MaxNotesLength ? $"notes: at most {MaxNotesLength:N0} characters (was {notes.Length:N0})" : null;

    /// <summary>The tags as stored: trimmed, empty ones dropped, duplicates once, in the order given.</summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> tags) =>
        [.. tags.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>A name, tag or note a user gave cannot be stored; the message names the field and the value.</summary>
public sealed class RunAnnotationException(string message) : Exception(message);
