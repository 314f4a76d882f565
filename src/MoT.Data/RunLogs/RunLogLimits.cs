namespace MoT.Data.RunLogs;

/// <summary>
/// How much of a run's console the store keeps: the first <see cref="HeadLines"/> lines (how the run started) and the
/// last <see cref="TailLines"/> (where it is now); lines in between are deleted as new ones arrive, and readers show the
/// gap in the numbering as "… N lines omitted …". Each line is one line of at most <see cref="MaxLineLength"/> characters.
/// </summary>
public sealed record RunLogLimits(int HeadLines, int TailLines)
{
    /// <summary>Longest text of one stored line; longer text is cut and ends with "…".</summary>
    public const int MaxLineLength = 1000;

    public static readonly RunLogLimits Default = new(1_000, 10_000);

    /// <summary>One storable line of <paramref name="text"/>: its first line (a multi-line message such as a trace keeps
    /// only its headline), control characters as spaces, cut at <see cref="MaxLineLength"/>.</summary>
    public static string OneLine(string? text)
    {
        var value = (text ?? "").Trim();
        var newline = value.IndexOfAny(['\r', '\n']);
        var more = newline >= 0;
        if (more) value = value[..newline].TrimEnd();
        var chars = value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i])) chars[i] = ' ';
        }

        value = new string(chars);
        if (more) value += " …";
        return StoredText.Fit(value, MaxLineLength);
    }
}
