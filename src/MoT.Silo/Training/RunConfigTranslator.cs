using System.Text.Json.Nodes;
using MoT.Grains.Configs;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Silo.Training;

/// <summary>
/// Turns a run's config document into a <see cref="TrainingConfig"/>. Two shapes are accepted:
/// the trainer's own document (<see cref="TrainingConfigDocument"/>: <c>preset</c>, <c>steps</c>,
/// <c>learningRate</c>, a <c>model</c> section of overrides ...), or the platform's sweep shape
/// with <c>model</c>/<c>training</c>/<c>data</c> sections:
/// <code>
/// { "model":    { "family": "MoT", "size": "Tiny", "experts": 8, "granularity": 1, "seq_len": 128 },
///   "training": { "steps": 300, "batch_size": 16, "lr": 0.002, "warmup": 30, "eval_interval": 50,
///                 "checkpoint_interval": 100, "seed": 1, "device": "auto", "precision": "Auto" },
///   "data":     { "source": "demo", "tokenizer": "bytes" } }
/// </code>
/// Family Dense (or Transformer), MoT, TokenChoice, ExpertChoice; sizes as the presets.
/// </summary>
public static class RunConfigTranslator
{
    public static TrainingConfig Translate(string configJson)
    {
        JsonObject root;
        try
        {
            root = JsonConfig.ParseObject(configJson);
        }
        catch (FormatException error)
        {
            throw new ModelConfigException("Config", error.Message);
        }
        return IsSweepShape(root) ? FromSweepShape(root) : TrainingConfigDocument.Read(root);
    }

    private static bool IsSweepShape(JsonObject root) =>
        root["training"] is JsonObject || JsonConfig.Get(root, "model.family") is not null;

    private static TrainingConfig FromSweepShape(JsonObject root)
    {
        var family = JsonConfig.GetString(root, "model.family") ?? "Dense";
        if (family.Equals("Dense", StringComparison.OrdinalIgnoreCase)) family = "Transformer";
        var size = JsonConfig.GetString(root, "model.size") ?? "Tiny";
        var experts = Integer(root, "model.experts");
        var granularity = Integer(root, "model.granularity");
        // A search over experts or granularity on top of a named preset (what the dashboard's forms send) must change
        // the model, not be dropped.
        var preset = (JsonConfig.GetString(root, "model.preset") ?? JsonConfig.GetString(root, "preset")) is { } named
            ? ModelPresets.WithExperts(named, experts, granularity)
            : ModelPresets.NameOf(family, size,
                family.Equals("Transformer", StringComparison.OrdinalIgnoreCase) ? null : experts ?? DefaultExperts(size), granularity ?? 1);

        var document = new JsonObject { ["preset"] = preset };
        foreach (var (section, mappings) in Mappings)
        {
            var target = section is null ? document : new JsonObject();
            foreach (var (path, name) in mappings)
                if (JsonConfig.Get(root, path) is { } value) target[name] = value.DeepClone();
            if (section is not null && target.Count > 0) document[section] = target;
        }
        return TrainingConfigDocument.Read(document);
    }

    /// <summary>A whole number, also when a sweep's choice wrote it as a string ("8").</summary>
    private static long? Integer(JsonObject root, string path) =>
        JsonConfig.GetLong(root, path) ?? (long.TryParse(JsonConfig.GetString(root, path), out var value) ? value : null);

    private static int DefaultExperts(string size) => size.ToLowerInvariant() switch
    {
        "tiny" => 8,
        "small" => 16,
        _ => 32,
    };

    /// <summary>Sweep-shape paths and the TrainingConfig document field each one sets (null section: top level).</summary>
    private static readonly (string? Section, (string Path, string Name)[] Fields)[] Mappings =
    [
        ("model", [("model.seq_len", "contextLength"), ("model.layers", "layers"), ("model.d_model", "dModel"), ("model.heads", "heads")]),
        (null, [
            ("training.steps", "steps"), ("training.batch_size", "batchSize"), ("training.lr", "learningRate"),
            ("training.warmup", "warmupSteps"), ("training.eval_interval", "evalInterval"), ("training.eval_batches", "evalBatches"),
            ("training.checkpoint_interval", "checkpointInterval"), ("training.log_interval", "logInterval"), ("training.seed", "seed"),
            ("training.device", "device"), ("training.precision", "precision"), ("training.weight_decay", "weightDecay"),
            ("training.grad_clip", "gradientClip"),
        ]),
        ("data", [("data.source", "source"), ("data.tokenizer", "tokenizer")]),
    ];
}
