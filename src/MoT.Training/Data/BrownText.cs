using System.Text;

namespace MoT.Training.Data;

/// <summary>Turns Brown-corpus <c>word/tag</c> text into plain text: one sentence per line, tags gone,
/// punctuation attached the way a typesetter would.</summary>
public static class BrownText
{
    private static readonly HashSet<string> s_attachLeft = [".", ",", ";", ":", "?", "!", ")", "]", "}", "''", "'", "n't", "'s"];
    private static readonly HashSet<string> s_attachRight = ["(", "[", "{", "``"];

    /// <summary>Plain text of a tagged Brown file.</summary>
    public static string StripTags(string tagged)
    {
        ArgumentNullException.ThrowIfNull(tagged);
        var output = new StringBuilder(tagged.Length / 2);
        foreach (var rawLine in tagged.Split('\n'))
        {
            var tokens = rawLine.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0)
                continue;
            var glueNext = true;
            foreach (var token in tokens)
            {
                var slash = token.LastIndexOf('/');
                var word = slash > 0 ? token[..slash] : token;
                if (!glueNext && !s_attachLeft.Contains(word))
                    output.Append(' ');
                output.Append(word switch { "``" or "''" => "\"", _ => word });
                glueNext = s_attachRight.Contains(word);
            }
            output.Append('\n');
        }
        return output.ToString();
    }
}
