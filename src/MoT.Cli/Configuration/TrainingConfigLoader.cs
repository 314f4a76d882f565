using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Configuration;

/// <summary>Reads a <see cref="TrainingConfig"/> from a YAML/JSON file and/or a preset name
/// (format: <see cref="TrainingConfigDocument"/>).</summary>
internal static class TrainingConfigLoader
{
    public static TrainingConfig Load(string? file, string? preset) =>
        TrainingConfigDocument.Read(file is null ? new JsonObject() : ReadFile(file), preset);

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
