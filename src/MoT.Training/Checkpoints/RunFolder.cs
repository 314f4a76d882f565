using MoT.Training.Training;

namespace MoT.Training.Checkpoints;

/// <summary>A run folder (<c>RUN/config.json</c>, <c>RUN/checkpoints/</c>, <c>RUN/metrics.csv</c>) holds one run of one
/// architecture: resuming a checkpoint into a folder of another architecture would mix two models' checkpoints
/// and metrics under one run.</summary>
public static class RunFolder
{
    /// <summary>The config file a trainer writes into its run folder.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>Refuses to resume <paramref name="checkpointPath"/> (of <paramref name="checkpointConfig"/>) into
    /// <paramref name="runDirectory"/> when that folder's config.json describes another architecture.</summary>
    public static void EnsureSameArchitecture(string runDirectory, TrainingConfig checkpointConfig, string checkpointPath)
    {
        var configPath = Path.Combine(runDirectory, ConfigFileName);
        if (!File.Exists(configPath)) return;
        TrainingConfig folderConfig;
        try
        {
            folderConfig = TrainingConfigDocument.Parse(File.ReadAllText(configPath));
        }
        catch (Exception e) when (e is Models.ModelConfigException or IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"run folder {runDirectory} has a config.json that cannot be read ({e.Message}); resume into another folder with --out");
        }
        if (folderConfig.Model.HasSameArchitecture(checkpointConfig.Model)) return;
        throw new CheckpointException(
            $"checkpoint {checkpointPath} is a {checkpointConfig.Model.FeedForward} model ({CheckpointFile.Describe(checkpointConfig.Model)}) " +
            $"but run folder {runDirectory} holds a {folderConfig.Model.FeedForward} run ({CheckpointFile.Describe(folderConfig.Model)}); " +
            "resume it into its own run folder (--out)");
    }

    /// <summary>Refuses to start a new run in <paramref name="runDirectory"/> when it already holds checkpoints: the new
    /// run's step files would overwrite the old run's, and its metrics would be appended to them.</summary>
    public static void EnsureNoRunYet(string runDirectory)
    {
        var checkpoints = Path.Combine(runDirectory, "checkpoints");
        if (!Directory.Exists(checkpoints)) return;
        var existing = Directory.GetFiles(checkpoints, "*" + CheckpointFile.Extension);
        if (existing.Length == 0) return;
        throw new CheckpointException(
            $"run folder {Path.GetFullPath(runDirectory)} already holds a run ({existing.Length} checkpoint(s), e.g. {Path.GetFileName(existing.Order(StringComparer.Ordinal).Last())}); " +
            "start the new run in another folder (--out), or continue that one with mot resume");
    }
}
