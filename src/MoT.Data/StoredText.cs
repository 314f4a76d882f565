namespace MoT.Data;

/// <summary>
/// Text fitted to a bounded store column (a sweep name, an audit outcome): cut to the column's length with "…" as its
/// last character, so a reader sees it was cut. User text quoted in an error line is shortened by
/// <c>RunConfigSchema.Shorten</c> instead (shorter, control characters escaped).
/// </summary>
public static class StoredText
{
    public static string Fit(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");
}
