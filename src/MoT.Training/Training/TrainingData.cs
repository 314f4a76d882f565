using MoT.Training.Data;
using MoT.Training.Models;

namespace MoT.Training.Training;

/// <summary>The batch sources a run reads, and the vocabulary its model must have.</summary>
/// <param name="TokenizerSpec">Serialized tokenizer for checkpoints; null for synthetic data.</param>
public sealed record TrainingData(IBatchSource Train, IBatchSource Eval, int VocabSize, string? TokenizerSpec)
{
    /// <summary>Something the user should know about how the data was split (show it, log it); null when usual.</summary>
    public string? Note { get; init; }

    /// <summary>Opens the data a config names: <c>synthetic</c>, <c>demo</c> (the prepared demo corpus)
    /// or a path. <paramref name="tokenizerSpec"/> (from a checkpoint) rebuilds the exact tokenizer.</summary>
    public static TrainingData Open(TrainingConfig config, string? tokenizerSpec = null, IProgress<CorpusStats>? progress = null)
    {
        var source = config.Data.Source.Trim();
        if (source.Equals("synthetic", StringComparison.OrdinalIgnoreCase))
        {
            var vocab = config.Model.VocabSize;
            return new TrainingData(new SyntheticBatchSource(vocab, config.Seed), new SyntheticBatchSource(vocab, config.Seed + 7919), vocab, null);
        }

        var path = source.Equals("demo", StringComparison.OrdinalIgnoreCase)
            ? DemoCorpus.TryGetPrepared(DemoCorpus.DefaultDirectory)
              ?? throw new ModelConfigException("Data.Source", $"demo corpus is not prepared yet in {DemoCorpus.DefaultDirectory}: run `mot data prepare` first")
            : source;
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new ModelConfigException("Data.Source", $"'{source}' is neither synthetic, demo, nor an existing file or folder");

        var options = new DatasetOptions(config.Model.ContextLength, config.Data.EvalFraction, (ulong)config.Seed);
        var tokenizer = tokenizerSpec is not null ? Data.TokenizerSpec.FromJson(tokenizerSpec).Create() : ResolveTokenizer(path, config.Data.Tokenizer, progress);
        // The corpus memory-maps its token file for the life of the process (trainers come and go;
        // the OS shares and pages the mapping), so it is deliberately not disposed here.
        var corpus = CorpusData.Open(path, tokenizer, options, progress);
        return new TrainingData(
            new CorpusBatchSource(corpus.TrainStream(config.BatchSize, (ulong)config.Seed)),
            new CorpusBatchSource(corpus.EvalStream(config.BatchSize)),
            corpus.Tokenizer.VocabSize,
            corpus.Tokenizer.Spec.ToJson()) { Note = corpus.SplitNote };
    }

    /// <summary>The config with its model vocabulary matched to this data's tokenizer.</summary>
    public TrainingConfig Fit(TrainingConfig config) =>
        config with { Model = config.Model with { VocabSize = VocabSize } };

    private static ITokenizer ResolveTokenizer(string path, string name, IProgress<CorpusStats>? progress)
    {
        // "bpe" is the friendly name for cl100k compacted to the ids the corpus uses.
        var canonical = name.Trim().Equals("bpe", StringComparison.OrdinalIgnoreCase) ? "cl100k-compact" : name;
        try
        {
            return CorpusData.ResolveTokenizer(path, canonical, progress);
        }
        catch (FormatException error)
        {
            throw new ModelConfigException("Data.Tokenizer", error.Message);
        }
    }
}
