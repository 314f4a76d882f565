using MoT.Training.Models;

namespace MoT.Training.Training;

/// <summary>The batch sources a run reads, and the vocabulary its model must have.</summary>
/// <param name="TokenizerSpec">Serialized tokenizer for checkpoints; null for synthetic data.</param>
public sealed record TrainingData(IBatchSource Train, IBatchSource Eval, int VocabSize, string? TokenizerSpec)
{
    /// <summary>Opens the data a config names. Synthetic data uses the model's vocabulary.</summary>
    public static TrainingData Open(TrainingConfig config)
    {
        var source = config.Data.Source.Trim();
        if (source.Equals("synthetic", StringComparison.OrdinalIgnoreCase))
        {
            var vocab = config.Model.VocabSize;
            return new TrainingData(new SyntheticBatchSource(vocab, config.Seed), new SyntheticBatchSource(vocab, config.Seed + 7919), vocab, null);
        }
        throw new ModelConfigException("Data.Source", $"'{source}' is not a known data source (use synthetic, demo, or a path to .txt/.jsonl files)");
    }

    /// <summary>The config with its model vocabulary matched to this data's tokenizer.</summary>
    public TrainingConfig Fit(TrainingConfig config) =>
        config with { Model = config.Model with { VocabSize = VocabSize } };
}
