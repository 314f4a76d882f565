using System.Text.Json;
using System.Text.Json.Nodes;

namespace MoT.Silo.Sweeps;

/// <summary>Training settings a form sets on top of a preset.</summary>
public sealed record TrainingSettings(long Steps = 200, double LearningRate = 1e-3, int? BatchSize = null, long EvalInterval = 10,
    long CheckpointInterval = 25, int Seed = 0);

/// <summary>Builds run config JSON (the paths the grains and trainers read) from a preset and training settings.</summary>
public static class RunConfigFactory
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject Build(PresetInfo preset, TrainingSettings training, string evalSet, string tokenizer) => new()
    {
        ["model"] = new JsonObject { ["preset"] = preset.Name, ["family"] = preset.Family, ["seq_len"] = preset.SeqLen },
        ["training"] = new JsonObject
        {
            ["steps"] = training.Steps,
            ["lr"] = training.LearningRate,
            ["batch_size"] = training.BatchSize ?? preset.BatchSize,
            ["eval_interval"] = training.EvalInterval,
            ["checkpoint_interval"] = training.CheckpointInterval,
            ["seed"] = training.Seed,
        },
        ["data"] = new JsonObject { ["eval_set"] = evalSet, ["tokenizer"] = tokenizer },
    };

    /// <summary>Re-indents JSON for display and editing; returns the input when it does not parse.</summary>
    public static string Pretty(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString(Indented) ?? json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    /// <summary>The source config turned into a Token Choice config of the same size (transition tuning target).</summary>
    public static string ToTokenChoice(string sourceConfigJson)
    {
        var root = JsonNode.Parse(sourceConfigJson) as JsonObject ?? new JsonObject();
        var model = root["model"] as JsonObject ?? new JsonObject();
        root["model"] = model;
        model["family"] = "TokenChoice";
        var preset = model["preset"]?.GetValue<string>();
        if (PresetCatalog.TokenChoiceCounterpart(preset) is { } target) model["preset"] = target;
        return root.ToJsonString(Indented);
    }
}
