using System.Text.Json.Nodes;
using MoT.Contracts.Sweeps;
using MoT.Grains.Configs;
using MoT.Training.Configuration;
using MoT.Training.Models;

namespace MoT.Silo.Sweeps;

/// <summary>The grains' <see cref="IRunConfigRules"/> answered by the run-config schema (what the platform host registers).</summary>
public sealed class SchemaRunConfigRules(RunConfigSchema schema) : IRunConfigRules
{
    public static SchemaRunConfigRules Default { get; } = new(RunConfigSchema.Default);

    public IReadOnlyList<SpecError> CheckConfig(string configJson) =>
        [.. schema.Validate(configJson).Select(p => new SpecError(p.Path, p.Message))];

    public string? CheckPath(string path) => schema.CheckPath(path);

    public string? CheckValue(string path, JsonNode? value) => schema.CheckValue(path, value);

    public bool IsWholeNumber(string path) => schema.Find(path)?.Kind == SettingKind.Integer;

    /// <summary>The trainer's own resolution (<see cref="RunConfigTranslator"/>): a preset's batch size and context length
    /// count where the config leaves them out; a config the trainer cannot read counts what it states.</summary>
    public long TokensPerStep(string configJson)
    {
        try
        {
            return RunConfigTranslator.Translate(configJson).TokensPerStep();
        }
        catch (Exception error) when (error is ModelConfigException or FormatException or InvalidOperationException or System.Text.Json.JsonException or ArgumentException)
        {
            return BasicRunConfigRules.StatedTokensPerStep(configJson);
        }
    }

    public int MaxRuns => schema.Limits.MaxRuns;

    public int MaxGridSize => schema.Limits.MaxGridSize;

    public int MaxNameLength => schema.Limits.MaxNameLength;
}
