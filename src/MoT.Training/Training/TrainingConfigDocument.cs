using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Training.Models;

namespace MoT.Training.Training;

/// <summary>
/// Reads a <see cref="TrainingConfig"/> from its JSON form: the TrainingConfig fields (camelCase);
/// instead of a full <c>model</c> the document may name a <c>preset</c>, and a <c>model</c> section then
/// overrides single fields of that preset. The one reader for CLI files, sweeps and run records.
/// </summary>
public static class TrainingConfigDocument
{
    public static TrainingConfig Parse(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException error)
        {
            throw new ModelConfigException("Config", $"is not valid JSON: {error.Message}");
        }
        return Read(node as JsonObject ?? throw new ModelConfigException("Config", "must be a JSON object of settings"));
    }

    /// <summary>Resolves the preset (if any) and binds the document; <paramref name="preset"/> overrides the document's.</summary>
    public static TrainingConfig Read(JsonObject document, string? preset = null)
    {
        var root = (JsonObject)document.DeepClone();
        preset ??= root["preset"]?.GetValue<string>();
        if (preset is not null)
        {
            var resolved = ModelPresets.Get(preset);
            var presetModel = JsonSerializer.SerializeToNode(resolved.Config, ConfigJson.Options)!.AsObject();
            if (root["model"] is JsonObject overrides)
                foreach (var (key, value) in overrides) presetModel[key] = value?.DeepClone();
            root["model"] = presetModel;
            root["preset"] = resolved.Name;
            root["batchSize"] ??= resolved.DefaultBatchSize;
        }
        if (root["model"] is null)
            throw new ModelConfigException("Model", "is missing: name a preset (see `mot presets`) or give a model section");
        try
        {
            return root.Deserialize<TrainingConfig>(ConfigJson.Options) ?? throw new ModelConfigException("Config", "is empty");
        }
        catch (JsonException error)
        {
            throw new ModelConfigException(error.Path ?? "Config", $"could not be read: {error.Message}");
        }
    }

    /// <summary>The JSON form of a config (round-trips through <see cref="Parse"/>).</summary>
    public static string Write(TrainingConfig config, bool indented = false) =>
        JsonSerializer.Serialize(config, new JsonSerializerOptions(ConfigJson.Options) { WriteIndented = indented });
}
