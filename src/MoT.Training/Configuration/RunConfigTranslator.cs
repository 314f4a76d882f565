using System.Text.Json.Nodes;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Training.Configuration;

/// <summary>
/// Turns a run's config document into a <see cref="TrainingConfig"/>. Two shapes are accepted (both declared in
/// <see cref="RunConfigSchema"/>): the trainer's own document (<see cref="TrainingConfigDocument"/>: <c>preset</c>,
/// <c>steps</c>, <c>learningRate</c>, a <c>model</c> section of overrides ...), or the platform's run config with
/// <c>model</c>/<c>training</c>/<c>data</c> sections:
/// <code>
/// { "model":    { "family": "MoT", "size": "Tiny", "experts": 8, "granularity": 1, "seq_len": 128 },
///   "training": { "steps": 300, "batch_size": 16, "lr": 0.002, "warmup": 30, "eval_interval": 50,
///                 "checkpoint_interval": 100, "seed": 1, "device": "auto", "precision": "Auto" },
///   "data":     { "source": "demo", "tokenizer": "bytes", "eval_set": "demo-eval" } }
/// </code>
/// Family Dense (or Transformer), MoT, TokenChoice, ExpertChoice; sizes as the presets. Validate first
/// (<see cref="RunConfigSchema.Validate(JsonObject)"/>): this reads, it does not judge.
/// </summary>
public static class RunConfigTranslator
{
    public static TrainingConfig Translate(string configJson) =>
        Translate(ConfigPaths.ParseObject(configJson, out var problem) ?? throw new ModelConfigException("Config", problem!));

    public static TrainingConfig Translate(JsonObject root) =>
        IsRunConfigShape(root) ? FromRunConfig(root) : TrainingConfigDocument.Read(root);

    /// <summary>True for the platform's run-config shape (sections model/training/data), false for the trainer document.</summary>
    public static bool IsRunConfigShape(JsonObject root) =>
        root["training"] is JsonObject || root["simulate"] is JsonObject
        || ConfigPaths.Get(root, "model.family") is not null || ConfigPaths.Get(root, "model.preset") is not null
        || ConfigPaths.Get(root, "model.size") is not null || ConfigPaths.Get(root, "data.eval_set") is not null;

    private static TrainingConfig FromRunConfig(JsonObject root)
    {
        var family = ConfigPaths.GetText(root, "model.family") ?? "Dense";
        if (family.Equals("Dense", StringComparison.OrdinalIgnoreCase)) family = "Transformer";
        var size = ConfigPaths.GetText(root, "model.size") ?? "Tiny";
        var experts = ConfigPaths.GetInteger(root, "model.experts");
        var granularity = ConfigPaths.GetInteger(root, "model.granularity");
        // A search over experts or granularity on top of a named preset (what the dashboard's forms send) must change
        // the model, not be dropped.
        var preset = ConfigPaths.GetText(root, "model.preset") is { } named
            ? ModelPresets.WithExperts(named, experts, granularity)
            : ModelPresets.NameOf(family, size,
                family.Equals("Transformer", StringComparison.OrdinalIgnoreCase) ? null : experts ?? DefaultExperts(size), granularity ?? 1);

        var document = new JsonObject { ["preset"] = preset };
        foreach (var setting in RunConfigSchema.Default.Settings)
        {
            if (setting.RunPath is null || setting.DocumentPath is null || setting.DocumentPath == "preset") continue;
            if (ConfigPaths.Get(root, setting.RunPath) is not { } value) continue;
            var segments = setting.DocumentPath.Split('.');
            var target = document;
            foreach (var section in segments[..^1])
            {
                if (target[section] is not JsonObject next) target[section] = next = new JsonObject();
                target = next;
            }
            target[segments[^1]] = value.DeepClone();
        }
        return TrainingConfigDocument.Read(document);
    }

    private static int DefaultExperts(string size) => size.ToLowerInvariant() switch
    {
        "tiny" => 8,
        "small" => 16,
        _ => 32,
    };
}
