using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Silo.Sweeps;
using MoT.Training.Configuration;
using MoT.Training.Models;
using MoT.Training.Training;

namespace MoT.Cli.Configuration;

/// <summary>
/// Reads a <see cref="TrainingConfig"/> from a YAML/JSON file and/or a preset name. The file may be the trainer document
/// (<see cref="TrainingConfigDocument"/>) or a platform run config (model/training/data sections); either way every
/// setting is checked by the run-config schema first, so a typo is an error with a "did you mean", not a silent default.
/// </summary>
internal static class TrainingConfigLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static TrainingConfig Load(string? file, string? preset)
    {
        var root = file is null ? new JsonObject() : ReadFile(file, InputLimits.Default);
        var problems = RunConfigSchema.Default.Validate(root);
        // A document without model or preset is completed by --preset; judge it after the preset is in.
        if (problems.Count > 0 && !(preset is not null && problems.All(p => p.Path is "model" or "preset")))
            throw new InvalidConfigException(problems);
        if (!RunConfigTranslator.IsRunConfigShape(root)) return TrainingConfigDocument.Read(root, preset);
        if (preset is not null) ((root["model"] as JsonObject) ?? (JsonObject)(root["model"] = new JsonObject()))["preset"] = preset;
        return RunConfigTranslator.Translate(root);
    }

    /// <summary>Every problem of the finished config (after flags), or nothing.</summary>
    public static TrainingConfig Check(TrainingConfig config)
    {
        var problems = RunConfigSchema.Default.Validate(config);
        return problems.Count > 0 ? throw new InvalidConfigException(problems) : config;
    }

    private static JsonObject ReadFile(string file, InputLimits limits)
    {
        if (Directory.Exists(file)) throw new ModelConfigException("Config", $"{file} is a folder; give the config file inside it");
        if (!File.Exists(file)) throw new FileNotFoundException($"config file {file} does not exist", file);
        var length = new FileInfo(file).Length;
        if (length > limits.MaxFileBytes)
            throw new ModelConfigException("Config", $"{file} is {length:N0} bytes; at most {limits.MaxFileBytes:N0} are allowed (limit MaxFileBytes)");
        string text;
        try
        {
            text = StrictUtf8.GetString(File.ReadAllBytes(file)).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new ModelConfigException("Config", $"{file} is not UTF-8 text; save it as UTF-8");
        }
        JsonNode? node;
        try
        {
            node = Path.GetExtension(file).ToLowerInvariant() is ".yaml" or ".yml"
                ? BoundedYaml.Parse(text, limits)
                : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
        }
        catch (JsonException error)
        {
            throw new ModelConfigException("Config", $"{file} is not valid JSON: {error.Message}");
        }
        catch (SweepYamlException error)
        {
            throw new ModelConfigException("Config", $"{file}: {error.Message}");
        }
        return node as JsonObject ?? throw new ModelConfigException("Config", $"{file} must hold a mapping of settings");
    }
}
