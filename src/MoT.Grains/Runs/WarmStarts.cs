using System.Text.Json.Nodes;
using MoT.Contracts.Runs;
using MoT.Grains.Configs;

namespace MoT.Grains.Runs;

/// <summary>
/// How a run derived from a checkpoint relates to its ancestors' training: whether it continues their step count and
/// how many training tokens it inherits. Shared by the run grain (which records it) and the simulated trainer (which
/// must continue or restart the step count exactly as the real one does).
/// </summary>
public static class WarmStarts
{
    private const string StepsPath = "training.steps";

    /// <summary>
    /// True when a run with <paramref name="childConfig"/> started from a checkpoint of <paramref name="parentConfig"/>
    /// continues that training (same optimizer, data position and step count); only the total step count may differ.
    /// Any other change starts a new optimizer and schedule at step 0 from the checkpoint's weights (the trainer's rule).
    /// </summary>
    public static bool ContinuesTraining(string parentConfig, string childConfig) =>
        JsonNode.DeepEquals(WithoutSteps(parentConfig), WithoutSteps(childConfig));

    /// <summary>The config's settings apart from the total step count, as one comparable string.</summary>
    public static string SettingsKey(string config) => WithoutSteps(config).ToJsonString();

    /// <summary>
    /// The warm start of a child created from <paramref name="parent"/>'s checkpoint at <paramref name="checkpointStep"/>
    /// (a step of the parent's own count): every token the parent and its ancestors trained up to that step is inherited.
    /// </summary>
    public static WarmStart ForChild(RunSpec parent, long checkpointStep, bool continues, IRunConfigRules rules)
    {
        var parentStart = parent.WarmStart?.StartStep ?? 0;
        var trainedByParent = Math.Max(0, checkpointStep - parentStart) * rules.TokensPerStep(parent.ConfigJson);
        var inherited = (parent.WarmStart?.InheritedTokens ?? 0) + trainedByParent;
        var startStep = continues ? checkpointStep : 0;
        return new WarmStart(checkpointStep, startStep, inherited, (parent.WarmStart?.StepOffset ?? 0) + checkpointStep - startStep);
    }

    /// <summary>Tokens the run trains itself: from its start step to its configured total.</summary>
    public static long OwnTokens(RunSpec spec, IRunConfigRules rules)
    {
        var facts = RunFacts.FromConfig(spec.ConfigJson, rules);
        return Math.Max(0, facts.Steps - (spec.WarmStart?.StartStep ?? 0)) * facts.TokensPerStep;
    }

    /// <summary>Tokens inherited from ancestors plus the run's own: the leaderboard's one budget axis.</summary>
    public static long TotalTokens(RunSpec spec, IRunConfigRules rules) => (spec.WarmStart?.InheritedTokens ?? 0) + OwnTokens(spec, rules);

    private static JsonObject WithoutSteps(string config)
    {
        var parsed = JsonConfig.ParseObject(config);
        if (JsonConfig.Get(parsed, "training") is JsonObject training)
        {
            training.Remove("steps");
            if (training.Count == 0) parsed.Remove("training");
        }

        return parsed;
    }
}
