using MoT.Contracts.Leaderboards;
using MoT.Grains.Configs;

namespace MoT.Grains.Runs;

/// <summary>Facts about a run read from its config: what it is and what its loss can be compared with.</summary>
/// <param name="Family">model.family, else the family a model.preset names ("MoT-Tiny/8E": MoT); Dense by default and for "Transformer".</param>
/// <param name="EvalSetId">data.eval_set: the identity of the eval set.</param>
/// <param name="TokenizerId">data.tokenizer: the identity of the tokenizer.</param>
/// <param name="Steps">training.steps: the total the run's step count reaches.</param>
/// <param name="TokensPerStep">training.batch_size * model.seq_len.</param>
public sealed record RunFacts(string Family, string EvalSetId, string TokenizerId, long Steps, long TokensPerStep)
{
    /// <summary>training.steps * training.batch_size * model.seq_len: the config's own steps, nothing inherited.</summary>
    public long TrainingTokens => Steps * TokensPerStep;

    public string BoardKey => LeaderboardKeys.For(EvalSetId, TokenizerId);

    public string ComputeBudget => LeaderboardKeys.ComputeBucket(TrainingTokens);

    public static RunFacts FromConfig(string configJson)
    {
        var config = JsonConfig.ParseObject(configJson);
        var steps = JsonConfig.GetLong(config, "training.steps") ?? 0;
        var batch = JsonConfig.GetLong(config, "training.batch_size") ?? 1;
        var seqLen = JsonConfig.GetLong(config, "model.seq_len") ?? JsonConfig.GetLong(config, "training.seq_len") ?? 1;
        return new RunFacts(
            FamilyOf(JsonConfig.GetString(config, "model.family") ?? JsonConfig.GetString(config, "model.preset")),
            JsonConfig.GetString(config, "data.eval_set") ?? "default",
            JsonConfig.GetString(config, "data.tokenizer") ?? "default",
            steps, batch * seqLen);
    }

    private static string FamilyOf(string? familyOrPreset)
    {
        var family = familyOrPreset?.Split('-')[0].Trim();
        return string.IsNullOrEmpty(family) || family.Equals("Transformer", StringComparison.OrdinalIgnoreCase) ? "Dense" : family;
    }
}
