namespace MoT.Training.Data;

/// <summary>Size of a corpus: documents, characters (UTF-16) and tokens (separators not counted).</summary>
public sealed record CorpusStats(long Documents, long Characters, long Tokens)
{
    /// <summary>Average characters per token, a quick measure of tokenizer efficiency.</summary>
    public double CharactersPerToken => Tokens == 0 ? 0 : (double)Characters / Tokens;

    public override string ToString() => $"{Documents:N0} documents, {Characters:N0} characters, {Tokens:N0} tokens";
}
