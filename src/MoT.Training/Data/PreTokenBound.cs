namespace MoT.Training.Data;

/// <summary>Cuts text so that no run of whitespace, or of non-whitespace, is longer than a bound: the work of a
/// BPE encoder per piece is then bounded whatever the input (a 500 KB line without spaces, a megabyte of blanks).</summary>
internal static class PreTokenBound
{
    /// <summary>(start, length) pieces covering <paramref name="text"/> in order: one piece, the whole text, when no
    /// run exceeds <paramref name="maxRun"/>; otherwise a cut every <paramref name="maxRun"/> characters inside each
    /// overlong run (never between the halves of a surrogate pair).</summary>
    public static IEnumerable<(int Start, int Length)> Pieces(string text, int maxRun)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRun, 2);
        var pieceStart = 0;
        var runStart = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) != char.IsWhiteSpace(text[i - 1]))
            {
                runStart = i;
                continue;
            }
            if (i - runStart < maxRun) continue;
            var cut = char.IsLowSurrogate(text[i]) ? i - 1 : i;
            if (cut <= pieceStart) continue;
            yield return (pieceStart, cut - pieceStart);
            pieceStart = cut;
            runStart = cut;
        }
        yield return (pieceStart, text.Length - pieceStart);
    }
}
