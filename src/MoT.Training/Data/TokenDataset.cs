using System.Globalization;

namespace MoT.Training.Data;

/// <summary>Which documents of a corpus a dataset uses.</summary>
public enum DataSplit
{
    /// <summary>Documents not held out for evaluation.</summary>
    Train,

    /// <summary>The held-out documents.</summary>
    Eval,

    /// <summary>Every document.</summary>
    All,
}

/// <summary>How a token file is split and packed into samples.</summary>
/// <param name="SequenceLength">Context length S; each sample holds S + 1 tokens so inputs and targets shift by one.</param>
/// <param name="EvalFraction">Share of documents held out for evaluation, chosen by a hash of each document's text.</param>
/// <param name="Seed">Seeds the split and the packing order of documents.</param>
public sealed record DatasetOptions(int SequenceLength, double EvalFraction = 0.05, ulong Seed = 0)
{
    /// <summary>Throws with the offending field named.</summary>
    public DatasetOptions Validate()
    {
        if (SequenceLength < 1)
            throw new ArgumentOutOfRangeException(nameof(SequenceLength), SequenceLength, "SequenceLength must be at least 1");
        if (EvalFraction is < 0 or >= 1 || double.IsNaN(EvalFraction))
            throw new ArgumentOutOfRangeException(nameof(EvalFraction), EvalFraction, "EvalFraction must be in [0, 1)");
        return this;
    }
}

/// <summary>
/// Fixed-length samples packed from one split of a <see cref="TokenFile"/>: the split's documents, in an
/// order shuffled by the seed, each followed by end-of-text, form one stream; sample i is stream
/// tokens [i·S, i·S + S] (S + 1 tokens), so consecutive samples share one token and every token
/// but the first is a target exactly once.
/// </summary>
/// <remarks>
/// A document goes to eval when the hash of its text (mixed with the seed) falls below
/// <see cref="DatasetOptions.EvalFraction"/>: the split depends only on the text, not on file order
/// or tokenizer, and never changes for a document already in the corpus. When the fraction is
/// positive and the corpus has two or more documents, each split gets at least one. A corpus of one
/// document (one .txt file) is split by position instead: its last part is held out for eval, and
/// <see cref="SplitNote"/> says so.
/// </remarks>
public sealed class TokenDataset
{
    private readonly TokenFile _file;
    private readonly Segment[] _segments;     // the documents (or parts of one) in packing order
    private readonly long[] _streamStarts;    // stream position of each packed segment; one extra for the end

    /// <summary>Tokens [Offset, Offset + Length) of one document of the token file.</summary>
    private readonly record struct Segment(int Document, int Offset, int Length);

    public TokenDataset(TokenFile file, DataSplit split, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(file);
        Options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _file = file;
        Split = split;
        (_segments, SplitNote) = SelectSegments(file, split, options);
        Shuffle.InPlace(_segments, TextHash.Mix(options.Seed ^ 0x5041434BUL)); // "PACK"
        _streamStarts = new long[_segments.Length + 1];
        for (var i = 0; i < _segments.Length; i++)
            _streamStarts[i + 1] = _streamStarts[i] + _segments[i].Length + 1;
        StreamLength = _streamStarts[^1];
        SampleCount = StreamLength <= options.SequenceLength ? 0 : (StreamLength - 1) / options.SequenceLength;
        if (SampleCount == 0)
            throw new CorpusException(file.Path,
                $"the {split.ToString().ToLowerInvariant()} split has {StreamLength} tokens ({_segments.Length} documents), fewer than sequence length + 1 = {options.SequenceLength + 1}");
        Identity = string.Create(CultureInfo.InvariantCulture,
            $"{file.TokenizerIdentity}/{file.SourceFingerprint}/{split.ToString().ToLowerInvariant()}/eval{options.EvalFraction:R}/seed{options.Seed}/S{options.SequenceLength}");
    }

    /// <summary>Tokenizer, corpus, split and packing in one string: equal identities give equal samples.</summary>
    public string Identity { get; }

    /// <summary>The options the dataset was packed with.</summary>
    public DatasetOptions Options { get; }

    /// <summary>The split this dataset reads.</summary>
    public DataSplit Split { get; }

    /// <summary>Context length S.</summary>
    public int SequenceLength => Options.SequenceLength;

    /// <summary>Number of samples of S + 1 tokens.</summary>
    public long SampleCount { get; }

    /// <summary>Tokens in the packed stream, separators included.</summary>
    public long StreamLength { get; }

    /// <summary>Vocabulary size of the tokens.</summary>
    public int VocabSize => _file.VocabSize;

    /// <summary>The separator between documents.</summary>
    public int EndOfText => _file.EndOfText;

    /// <summary>The token file's document indices in this split, in packing order.</summary>
    public IReadOnlyList<int> Documents => [.. _segments.Select(s => s.Document)];

    /// <summary>A line for the user when the split is not the usual one (a one-document corpus split by position); else null.</summary>
    public string? SplitNote { get; }

    /// <summary>Copies sample <paramref name="index"/> (S + 1 tokens) into <paramref name="destination"/>.</summary>
    public void ReadSample(long index, Span<int> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, SampleCount);
        if (destination.Length != SequenceLength + 1)
            throw new ArgumentException($"destination holds {destination.Length} tokens; a sample is S + 1 = {SequenceLength + 1}", nameof(destination));
        var position = index * SequenceLength;
        var packed = Array.BinarySearch(_streamStarts, position);
        if (packed < 0)
            packed = ~packed - 1;
        var written = 0;
        while (written < destination.Length)
        {
            var segment = _segments[packed];
            var length = segment.Length;
            var offset = (int)(position + written - _streamStarts[packed]);
            if (offset < length)
            {
                var count = Math.Min(length - offset, destination.Length - written);
                _file.ReadDocument(segment.Document, segment.Offset + offset, destination.Slice(written, count));
                written += count;
            }
            if (written < destination.Length)
            {
                destination[written++] = _file.EndOfText;
                packed++;
            }
        }
    }

    /// <summary>Sample <paramref name="index"/> as a new array.</summary>
    public int[] Sample(long index)
    {
        var sample = new int[SequenceLength + 1];
        ReadSample(index, sample);
        return sample;
    }

    private static (Segment[] Segments, string? Note) SelectSegments(TokenFile file, DataSplit split, DatasetOptions options)
    {
        var all = Enumerable.Range(0, file.DocumentCount).Where(d => file.DocumentLength(d) > 0).ToArray();
        if (all.Length == 1 && split != DataSplit.All && options.EvalFraction > 0)
            return SplitByPosition(file, all[0], split, options);
        return ([.. SelectDocuments(file, all, split, options).Select(d => new Segment(d, 0, file.DocumentLength(d)))], null);
    }

    /// <summary>One document: its last EvalFraction (at least one sample's worth, S + 1 tokens) is eval, the rest
    /// train. By position, because there is nothing else to split, and the tail rather than a random stretch so no
    /// eval token sits between two training tokens.</summary>
    private static (Segment[] Segments, string Note) SplitByPosition(TokenFile file, int document, DataSplit split, DatasetOptions options)
    {
        var length = file.DocumentLength(document);
        var sample = options.SequenceLength + 1;
        if (length < 2 * sample)
            throw new CorpusException(file.Path,
                $"the corpus is one document of {length} tokens, too short to split into train and eval samples of sequence length + 1 = {sample} tokens each (need {2 * sample}; add text or lower the context length)");
        var eval = (int)Math.Clamp(Math.Round(length * options.EvalFraction), sample, length - sample);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"the corpus is one document: its last {eval} of {length} tokens ({100.0 * eval / length:F1}%) are held out for eval");
        var segment = split == DataSplit.Eval ? new Segment(document, length - eval, eval) : new Segment(document, 0, length - eval);
        return ([segment], note);
    }

    private static int[] SelectDocuments(TokenFile file, int[] all, DataSplit split, DatasetOptions options)
    {
        if (split == DataSplit.All || all.Length == 0)
            return all;
        if (options.EvalFraction == 0)
            return split == DataSplit.Train ? all : [];

        // Uniform in [0, 1) per document, from its text hash and the seed.
        var scores = all.Select(d => (TextHash.Mix(file.DocumentHash(d) ^ options.Seed) >> 11) * (1.0 / (1UL << 53))).ToArray();
        var eval = new bool[all.Length];
        for (var i = 0; i < all.Length; i++)
            eval[i] = scores[i] < options.EvalFraction;
        if (all.Length >= 2)
        {
            // Tiny corpora: move the lowest (or highest) scoring document so neither split is empty.
            if (!eval.Contains(true))
                eval[Array.IndexOf(scores, scores.Min())] = true;
            else if (!eval.Contains(false))
                eval[Array.IndexOf(scores, scores.Max())] = false;
        }
        var wantEval = split == DataSplit.Eval;
        return all.Where((_, i) => eval[i] == wantEval).ToArray();
    }
}

/// <summary>Seeded Fisher–Yates shuffles on a SplitMix64 stream: the same permutation on every
/// machine and .NET version (System.Random's sequence is not a documented contract).</summary>
public static class Shuffle
{
    /// <summary>Shuffles <paramref name="items"/> in place, determined by <paramref name="seed"/> alone.</summary>
    public static void InPlace<T>(Span<T> items, ulong seed)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = (int)UniformBelow(TextHash.Mix(seed + (ulong)i * 0xD1B54A32D192ED03UL), (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A permutation of 0..count-1.</summary>
    public static int[] Permutation(int count, ulong seed)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        InPlace<int>(order, seed);
        return order;
    }

    // Lemire's multiply-shift: unbiased enough for n << 2^64 and branch-free.
    private static ulong UniformBelow(ulong random, ulong n) => (ulong)(((UInt128)random * n) >> 64);
}
