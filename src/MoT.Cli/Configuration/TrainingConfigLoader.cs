using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Training;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Configuration;

/// <summary>Builds a <see cref="TrainingConfig"/> from a YAML/JSON file and/or a preset name. A file
/// holds the TrainingConfig fields (camelCase); instead of a full <c>model</c> it may name a
/// <c>preset</c>, and a <c>model</c> section then overrides single fields of the preset.</summary>
internal static class TrainingConfigLoader
{
    public static TrainingConfig Load(string? file, string? preset)
    {
        var root = file is null ? new JsonObject() : ReadFile(file);
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
            throw new ModelConfigException("Model", "is missing: pass --preset NAME (see `mot presets`) or a config file with a preset or model section");
        try
        {
            return root.Deserialize<TrainingConfig>(ConfigJson.Options)
                ?? throw new ModelConfigException("Config", "is empty");
        }
        catch (JsonException error)
        {
            throw new ModelConfigException(error.Path ?? "Config", $"could not be read: {error.Message}");
        }
    }

    private static JsonObject ReadFile(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"config file {file} does not exist", file);
        var text = File.ReadAllText(file);
        try
        {
            var node = Path.GetExtension(file).ToLowerInvariant() is ".yaml" or ".yml"
                ? YamlToJson.Convert(text)
                : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return node as JsonObject ?? throw new ModelConfigException("Config", $"{file} must hold a mapping of settings");
        }
        catch (Exception error) when (error is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new ModelConfigException("Config", $"{file} is not valid {(file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "JSON" : "YAML")}: {error.Message}");
        }
    }
}
