using MoT.Cli.Output;
using MoT.Training.Training;

namespace MoT.Cli.Commands;

/// <summary>Opens a run's data for a verb: progress while a token cache is built, and any note about the split.</summary>
internal static class CorpusLoader
{
    public static TrainingData Open(TrainingConfig config, string? tokenizerSpec = null)
    {
        TrainingData data;
        using (var progress = new TokenizingProgress(config.Data.Source, Console.Out))
            data = TrainingData.Open(config, tokenizerSpec, progress);
        if (data.Note is { } note)
            Console.WriteLine($"note: {note}");
        return data;
    }
}
