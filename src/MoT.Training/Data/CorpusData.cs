using System.Globalization;

namespace MoT.Training.Data;

/// <summary>
/// A corpus ready for training in one call: its tokenizer, its cached token file, and the train and
/// eval datasets. What a trainer's data source or the CLI opens for a path (or the demo corpus).
/// </summary>
public sealed class CorpusData : IDisposable
{
    private CorpusData(ITokenizer tokenizer, TokenFile tokens, TokenDataset train, TokenDataset eval)
    {
        Tokenizer = tokenizer;
        Tokens = tokens;
        Train = train;
        Eval = eval;
    }

    /// <summary>The tokenizer; store <c>Tokenizer.Spec.ToJson()</c> with checkpoints.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>The memory-mapped token file (its <see cref="TokenFile.Stats"/> describe the corpus).</summary>
    public TokenFile Tokens { get; }

    /// <summary>The training split.</summary>
    public TokenDataset Train { get; }

    /// <summary>The held-out split.</summary>
    public TokenDataset Eval { get; }

    /// <summary>A line for the user when the split is unusual (a one-document corpus held out by position); else null.</summary>
    public string? SplitNote => Eval.SplitNote ?? Train.SplitNote;

    /// <summary>
    /// Tokenises <paramref name="corpusPath"/> (cached) with the tokenizer <paramref name="tokenizer"/> names
    /// (see <see cref="ParseTokenizer"/>) and splits it per <paramref name="options"/>.
    /// </summary>
    public static CorpusData Open(string corpusPath, string tokenizer, DatasetOptions options,
        IProgress<CorpusStats>? progress = null, CancellationToken cancellationToken = default)
    {
        var resolved = ResolveTokenizer(corpusPath, tokenizer, progress, cancellationToken);
        return Open(corpusPath, resolved, options, progress, cancellationToken);
    }

    /// <summary>As <see cref="Open(string, string, DatasetOptions, IProgress{CorpusStats}?, CancellationToken)"/>
    /// with a tokenizer already built (e.g. rebuilt from a checkpoint's spec).</summary>
    public static CorpusData Open(string corpusPath, ITokenizer tokenizer, DatasetOptions options,
        IProgress<CorpusStats>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var tokens = TokenCache.GetOrBuild(corpusPath, tokenizer, progress, cancellationToken);
        try
        {
            return new CorpusData(tokenizer, tokens,
                new TokenDataset(tokens, DataSplit.Train, options),
                new TokenDataset(tokens, DataSplit.Eval, options));
        }
        catch
        {
            tokens.Dispose();
            throw;
        }
    }

    /// <summary>A shuffled, endless training stream.</summary>
    public BatchStream TrainStream(int batchSize, ulong seed) => new(Train, batchSize, shuffle: true, seed);

    /// <summary>An eval stream in fixed order, so every evaluation sees the same batches.</summary>
    public BatchStream EvalStream(int batchSize) => new(Eval, batchSize, shuffle: false);

    /// <summary>
    /// The tokenizer a name selects: <c>bytes</c>, <c>cl100k</c>, or <c>cl100k-compact</c> optionally
    /// followed by <c>:N</c> to cap the vocabulary at N ids (most frequent kept, rare ones spelled as bytes).
    /// A compact vocabulary is built from (and cached beside) the corpus.
    /// </summary>
    public static ITokenizer ResolveTokenizer(string corpusPath, string tokenizer, IProgress<CorpusStats>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var (type, compact) = ParseTokenizer(tokenizer);
        return type switch
        {
            TokenizerSpec.BytesType => ByteTokenizer.Instance,
            TokenizerSpec.Cl100kType when compact is null => BpeTokenizer.Cl100k(),
            _ => TokenCache.GetOrBuildCompactBpe(corpusPath, compact, progress, cancellationToken),
        };
    }

    /// <summary>Parses a tokenizer name; an unknown one is a <see cref="FormatException"/> listing the choices.</summary>
    public static (string Type, CompactOptions? Compact) ParseTokenizer(string tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var name = tokenizer.Trim().ToLowerInvariant();
        if (name is "bytes" or "byte" or "bytes-v1")
            return (TokenizerSpec.BytesType, null);
        if (name is "cl100k" or "cl100k_base")
            return (TokenizerSpec.Cl100kType, null);
        if (name == "cl100k-compact")
            return (TokenizerSpec.Cl100kType, new CompactOptions());
        if (name.StartsWith("cl100k-compact:", StringComparison.Ordinal) &&
            int.TryParse(name.AsSpan("cl100k-compact:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max >= 258)
            return (TokenizerSpec.Cl100kType, new CompactOptions(MaxVocabSize: max));
        throw new FormatException($"tokenizer '{tokenizer}' is not known (use bytes, cl100k, cl100k-compact, or cl100k-compact:N with N >= 258)");
    }

    public void Dispose() => Tokens.Dispose();
}
