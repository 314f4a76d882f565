namespace MoT.Training.Data;

/// <summary>Size of a corpus: documents, characters (UTF-16) and tokens (separators not counted).</summary>
public sealed record CorpusStats(long Documents, long Characters, long Tokens)
{
    /// <summary>Average characters per token, a quick measure of tokenizer efficiency.</summary>
    public double CharactersPerToken => Tokens == 0 ? 0 : (double)Characters / Tokens;

    /// <summary>Stats of a corpus under a tokenizer, from its token cache (built first if missing).</summary>
    public static CorpusStats Of(string corpusPath, ITokenizer tokenizer, IProgress<CorpusStats>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var tokens = TokenCache.GetOrBuild(corpusPath, tokenizer, progress, cancellationToken);
        return tokens.Stats;
    }

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Documents:N0} documents, {Characters:N0} characters, {Tokens:N0} tokens");
}
