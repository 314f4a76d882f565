namespace MoT.Training.Configuration;

/// <summary>"Did you mean": the known name closest to a mistyped one (Levenshtein distance).</summary>
public static class EditDistance
{
    /// <summary>Edits (insert, delete, substitute) that turn <paramref name="a"/> into <paramref name="b"/>, ignoring case.</summary>
    public static int Between(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>
    /// The candidate closest to <paramref name="typed"/>, or null when none is plausibly meant (more than about a
    /// third of the longer name would have to change). Long inputs are not compared (their cost grows with length).
    /// </summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        if (typed.Length is 0 or > 200) return null;
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Between(typed, candidate);
            // A name that is the typed one's last segment or contains it (lr vs training.lr) counts as close too.
            if (candidate.EndsWith("." + typed, StringComparison.OrdinalIgnoreCase)) distance = Math.Min(distance, 1);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best is not null && bestDistance <= Math.Max(2, Math.Max(typed.Length, best.Length) / 3) ? best : null;
    }

    /// <summary>
    /// The target whose alias is closest to <paramref name="typed"/>: lets <c>training.learning_rate</c> find
    /// <c>training.lr</c> through its other spelling <c>training.learningRate</c>.
    /// </summary>
    public static string? Closest(string typed, IEnumerable<(string Alias, string Target)> aliases)
    {
        var byAlias = aliases.GroupBy(a => a.Alias, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Target, StringComparer.OrdinalIgnoreCase);
        var alias = Closest(typed, byAlias.Keys);
        return alias is null ? null : byAlias[alias];
    }

    /// <summary>" (did you mean 'x'?)" or empty.</summary>
    public static string Suggestion(string typed, IEnumerable<string> candidates) =>
        Closest(typed, candidates) is { } match ? $"; did you mean '{match}'?" : "";
}
