using MoT.Contracts.Leaderboards;
using MoT.Grains.Configs;

namespace MoT.Grains.Runs;

/// <summary>Facts about a run read from its config: what it is and what its loss can be compared with.</summary>
/// <param name="Family">model.family, else the family a model.preset names ("MoT-Tiny/8E": MoT); Dense by default and for "Transformer".</param>
/// <param name="EvalSetId">data.eval_set: the identity of the eval set.</param>
/// <param name="TokenizerId">data.tokenizer: the identity of the tokenizer.</param>
/// <param name="Steps">training.steps: the total the run's step count reaches.</param>
/// <param name="TokensPerStep">Tokens per optimizer step as training resolves them (<see cref="IRunConfigRules.TokensPerStep"/>:
/// a preset's batch size and context length where the config leaves them out).</param>
public sealed record RunFacts(string Family, string EvalSetId, string TokenizerId, long Steps, long TokensPerStep)
{
    /// <summary>training.steps * <see cref="TokensPerStep"/>: the config's own steps, nothing inherited.</summary>
    public long TrainingTokens => Steps * TokensPerStep;

    public string BoardKey => LeaderboardKeys.For(EvalSetId, TokenizerId);

    public string ComputeBudget => LeaderboardKeys.ComputeBucket(TrainingTokens);

    /// <param name="rules">Resolves the tokens per step (the platform's rules know the trainer's presets).</param>
    public static RunFacts FromConfig(string configJson, IRunConfigRules rules)
    {
        var config = JsonConfig.ParseObject(configJson);
        var steps = JsonConfig.GetLong(config, "training.steps") ?? 0;
        return new RunFacts(
            FamilyOf(JsonConfig.GetString(config, "model.family") ?? JsonConfig.GetString(config, "model.preset")),
            JsonConfig.GetString(config, "data.eval_set") ?? "default",
            JsonConfig.GetString(config, "data.tokenizer") ?? "default",
            steps, rules.TokensPerStep(configJson));
    }

    private static string FamilyOf(string? familyOrPreset)
    {
        var family = familyOrPreset?.Split('-')[0].Trim();
        return string.IsNullOrEmpty(family) || family.Equals("Transformer", StringComparison.OrdinalIgnoreCase) ? "Dense" : family;
    }
}
